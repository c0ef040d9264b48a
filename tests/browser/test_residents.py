"""The residents' window on a phone: scan the QR link, report a sewage overflow with a photo, get a
code; the dispatcher dispatches it, the operator completes it on the tablet without signal, the
dispatcher verifies it, the resident rates it.
"""
import sqlite3

import pytest
from PIL import Image

from propmgmt.extensions import db

from .conftest import PHONE, TABLET, TABLET_LANDSCAPE, lose_signal, regain_signal, screenshot, sign_in, wait_until


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "overflow.jpg"
    Image.new("RGB", (1200, 900), (90, 80, 60)).save(path, "JPEG")
    return str(path)


def _operators_compound(live_app):
    """A compound served by the demo operator's crew: its public code."""
    from propmgmt.auth.models import User
    from propmgmt.compounds.models import Compound
    from propmgmt.plans.models import ServicePlan
    with live_app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "operator"))
        compound = db.session.scalar(db.select(Compound).join(ServicePlan, ServicePlan.compound_id == Compound.id)
                                     .where(ServicePlan.crew_id == user.crew_id, ServicePlan.status == "active")
                                     .limit(1))
        code, name = compound.public_code, compound.name
        db.session.remove()
    return code, name


def test_report_dispatch_complete_rate(live_server, live_app, live_db, browser, photo):
    code, name = _operators_compound(live_app)
    official = browser.new_context(viewport=TABLET_LANDSCAPE, locale="zh-CN").new_page()
    sign_in(official, live_server, "official")
    official.goto(f"{live_server}/oversight")
    received_before = int(official.locator("a[href*='outcome=received'] .kpi-value").inner_text())

    # The resident scans the QR code: the compound's public page, on a phone.
    resident = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    errors = []
    resident.on("console", lambda m: m.type == "error" and errors.append(m.text))
    resident.goto(f"{live_server}/r/{code}")
    assert resident.locator("h1").inner_text() == name
    open_before = int(resident.locator("#open-problems").inner_text())  # other journeys share the demo
    screenshot(resident, "residents-compound-phone")
    width = resident.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"

    resident.click(f"a[href='/r/{code}/report']")
    resident.check("input[name=category][value=sewage_overflow]")
    resident.fill("#description", "3号楼单元门口污水外溢，气味很大")
    resident.fill("#location", "3号楼2单元门口")
    resident.fill("#contact_phone", "13903531234")
    resident.set_input_files("#photos", photo)
    screenshot(resident, "residents-report-phone")
    resident.click("button[type=submit]")
    resident.wait_for_url(f"{live_server}/r/track/*")
    tracking = resident.url.rsplit("/", 1)[1]
    assert tracking in resident.locator(".flash-success").inner_text()
    assert "13903531234" not in resident.content()
    screenshot(resident, "residents-tracking-phone")

    # The dispatcher sees it with its deadline and dispatches it to the compound's crew.
    dispatcher = browser.new_context(viewport=TABLET_LANDSCAPE, locale="zh-CN").new_page()
    sign_in(dispatcher, live_server, "dispatcher")
    dispatcher.goto(f"{live_server}/complaints")
    row = dispatcher.locator("#cases tr", has_text=tracking)
    assert name in row.inner_text()
    screenshot(dispatcher, "complaints-queue")
    row.locator("a").click()
    assert "13903531234" in dispatcher.content()  # dispatchers see the phone to call back
    dispatcher.click(".dispatch-form button[type=submit]")
    assert dispatcher.locator(".flash-success").count() == 1
    screenshot(dispatcher, "complaints-case-dispatched")
    with sqlite3.connect(live_db) as connection:
        task_id, status = connection.execute(
            "SELECT task.id, complaint.status FROM task JOIN complaint ON complaint.id = task.complaint_id "
            "WHERE complaint.tracking_code = ?", (tracking,)).fetchone()
    assert status == "dispatched"

    # The operator finds it in their day on the tablet: what, where, by when, the resident's photo.
    tablet = browser.new_context(viewport=TABLET, locale="zh-CN")
    operator = tablet.new_page()
    operator.on("console", lambda m: m.type == "error" and "ERR_INTERNET_DISCONNECTED" not in m.text
                and errors.append(m.text))
    sign_in(operator, live_server, "operator")
    wait_until(operator, "navigator.serviceWorker.controller !== null")  # the day works without signal
    operator.reload()
    row = operator.locator(f"li[data-task-id='{task_id}']")
    assert row.count() == 1
    text = row.inner_text()
    assert "3号楼单元门口污水外溢，气味很大" in text and "3号楼2单元门口" in text and "污水外溢" in text
    assert tracking in text and "13903531234" not in operator.content()
    thumb = row.locator(".case-photos img")
    assert thumb.count() == 1 and thumb.evaluate("img => img.complete && img.naturalWidth > 0")
    row.scroll_into_view_if_needed()
    screenshot(operator, "field-day-case")
    operator.goto(f"{live_server}/field/tasks/{task_id}")
    assert "疏通维修" in operator.locator("h1").inner_text()
    assert operator.locator(".case-brief h2").inner_text() == "要做什么"
    assert operator.locator("input[name=check]").count() == 0 and "没有检查清单" not in operator.content()
    screenshot(operator, "field-task-case")
    with operator.expect_popup() as opened:  # the thumbnail opens the photo full size
        operator.click(".case-photos a")
    full = opened.value
    full.wait_for_load_state()
    assert full.evaluate("document.images[0].naturalWidth") > 400
    full.close()
    # In the basement there is no signal: the completion waits on the tablet, and goes when it is back.
    lose_signal(tablet)
    operator.set_input_files("#photos", photo)
    operator.fill("#note", "已疏通，地面已冲洗")
    operator.click(".complete-form button[type=submit]")
    operator.wait_for_url(f"{live_server}/field")
    row = operator.locator(f"li[data-task-id='{task_id}']")
    wait_until(operator, f"document.querySelector(\"li[data-task-id='{task_id}']\").innerText.indexOf('待同步') >= 0")
    screenshot(operator, "field-day-case-waiting-to-sync")
    regain_signal(tablet)
    operator.evaluate("window.dispatchEvent(new Event('online'))")
    status = f"document.querySelector(\"li[data-task-id='{task_id}'] .task-status\").textContent"
    wait_until(operator, f"{status} === '已完成'", timeout=30)
    with sqlite3.connect(live_db) as connection:
        assert connection.execute("SELECT status, recorded_offline FROM task WHERE id = ?",
                                  (task_id,)).fetchone() == ("done", 1)

    # The same page on a phone-sized screen does not scroll sideways.
    small = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    sign_in(small, live_server, "operator")
    small.goto(f"{live_server}/field/tasks/{task_id}")
    assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(small, "field-task-case-done-phone")

    # The dispatcher finds the work in the verification workbench among the day's work, and verifies it.
    dispatcher.goto(f"{live_server}/field/verify")
    item = dispatcher.locator(f".verify-item[data-task-id='{task_id}']")
    assert item.count() == 1 and "已疏通，地面已冲洗" in item.inner_text()
    screenshot(dispatcher, "verify-case-work")
    item.locator(f"form[action*='/verify/{task_id}/accept'] button[type=submit]").click()
    dispatcher.wait_for_load_state()
    with sqlite3.connect(live_db) as connection:
        assert connection.execute("SELECT status FROM task WHERE id = ?", (task_id,)).fetchone() == ("verified",)

    # The resident sees it resolved, with the operator's photo of the result (no names), and rates it, once.
    resident.goto(f"{live_server}/r/track/{tracking}")
    work = resident.locator("#work-photos img")
    assert work.count() == 1 and work.evaluate("img => img.complete && img.naturalWidth > 0")
    assert "已疏通，地面已冲洗" in resident.content()
    screenshot(resident, "residents-tracking-resolved-phone")
    resident.check("input[name=rating][value='5']")
    resident.fill("#comment", "处理很及时")
    resident.click("form[action$='/rate'] button[type=submit]")
    assert resident.locator("#rated").inner_text().endswith("★★★★★")
    screenshot(resident, "residents-rated-phone")
    with sqlite3.connect(live_db) as connection:
        assert connection.execute("SELECT status, rating FROM complaint WHERE tracking_code = ?",
                                  (tracking,)).fetchone() == ("closed", 5)
    resident.goto(f"{live_server}/r/{code}")
    assert "5.0" in resident.content()
    assert int(resident.locator("#open-problems").inner_text()) == open_before  # closed: open no more
    # The officials' overview counts the case, once.
    official.goto(f"{live_server}/oversight")
    assert int(official.locator("a[href*='outcome=received'] .kpi-value").inner_text()) == received_before + 1
    assert errors == []
