"""The assessment's whole journey: the inspector spot-checks a compound on a phone without signal, the
check syncs when it is back; the defect is the operator's rectification, fixed and verified; the
scheduler's job drafts the month's statement; the dispatcher contests a line, the official approves;
the PDF and the .xlsx download and open."""
import io
import sqlite3
from datetime import time, timedelta

import pytest
from openpyxl import load_workbook
from PIL import Image

from propmgmt.clock import local_to_utc, local_today, utcnow
from propmgmt.extensions import db

from .conftest import PHONE, TABLET, lose_signal, regain_signal, screenshot, sign_in, wait_until


@pytest.fixture
def defect_photo(tmp_path):
    path = tmp_path / "defect.jpg"
    Image.new("RGB", (2400, 1800), (140, 110, 80)).save(path, "JPEG")
    return str(path)


def _operators_compound(live_db):
    """A compound the demo operator's crew serves."""
    with sqlite3.connect(live_db) as connection:
        return connection.execute(
            "SELECT c.id, c.name FROM compound c JOIN assignment a ON a.compound_id = c.id "
            "JOIN user u ON u.crew_id = a.crew_id WHERE u.username = 'operator' AND a.status = 'active' "
            "ORDER BY c.id DESC LIMIT 1").fetchone()


def _policy_in_force(live_app) -> None:
    """The district's score sheet from this month on (the browser tests' demo has none)."""
    from propmgmt.assessment.months import current_month
    from propmgmt.assessment.queries import policy_row_for
    from propmgmt.assessment.services import save_policy
    from propmgmt.auth.models import User
    from propmgmt.demo.assessment import DISTRICT_POLICY
    with live_app.app_context():
        if policy_row_for(utcnow()) is None:
            official = db.session.scalar(db.select(User).where(User.username == "official"))
            save_policy(official, DISTRICT_POLICY, effective_month=current_month(utcnow()), now=utcnow())
            db.session.commit()
        db.session.remove()


def _rows(live_db, sql, *args):
    with sqlite3.connect(live_db) as connection:
        return connection.execute(sql, args).fetchall()


def _cached(page, url: str) -> bool:
    return page.evaluate("url => caches.match(url).then(hit => !!hit)", url)


def test_a_spot_check_offline_to_the_approved_statement(live_server, live_app, live_db, browser, defect_photo):
    _policy_in_force(live_app)
    compound_id, name = _operators_compound(live_db)
    before = _rows(live_db, "SELECT count(*) FROM spot_check WHERE compound_id = ?", compound_id)[0][0]
    latitude, longitude = 37.8612, 113.5719

    # The official puts the compound's gate on the map in the register.
    official = browser.new_context(viewport=TABLET, locale="zh-CN").new_page()
    sign_in(official, live_server, "official")
    official.goto(f"{live_server}/compounds/{compound_id}/edit")
    official.fill("input[name=latitude]", "91")
    official.fill("input[name=longitude]", str(longitude))
    official.click("button:has-text('保存')")
    assert "纬度必须在 -90 到 90 度之间" in official.locator(".field.has-error").inner_text()
    official.fill("input[name=latitude]", str(latitude))
    official.click("button:has-text('保存')")
    assert f"{latitude:.6f}" in official.locator("dl.facts").first.inner_text() + official.content()

    # The inspector's phone, on the compound's doorstep: the list of compounds to check and their forms
    # are kept on it while there is signal.
    context = browser.new_context(viewport=PHONE, locale="zh-CN", geolocation={
        "latitude": latitude + 0.0004, "longitude": longitude, "accuracy": 15},
        permissions=["geolocation"])
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server}/assessment/checks")
    wait_until(page, "navigator.serviceWorker.controller !== null")
    page.reload()
    first_form = page.locator("a.offline-link").first.get_attribute("href")
    wait_until(page, f"localStorage.getItem('propmgmt-offline-links') && "
                     f"localStorage.getItem('propmgmt-offline-links').indexOf({first_form!r}) >= 0")
    assert _cached(page, first_form) and _cached(page, "/assessment/checks")
    screenshot(page, "inspector-checks-phone")
    page.fill("input[name=q]", name)
    page.click("button:has-text('查找')")
    page.click(f"a:has-text('抽查 {name}')")  # opened once with signal: kept too
    form_url = page.url.replace(live_server, "")

    # The signal goes: the list and the forms still open, and the check is queued on the phone.
    lose_signal(context)
    page.goto(f"{live_server}{first_form}")
    assert "抽查：" in page.locator("h1").inner_text()
    page.goto(f"{live_server}{form_url}")
    assert name in page.locator("h1").inner_text()
    page.click("button:has-text('提交抽查')")  # nothing answered: said on the phone, nothing queued
    assert "至少" in page.locator("#items-error").inner_text()
    page.check("input[name=result_public_areas][value=defects]")
    page.fill("input[name=defects_public_areas]", "2")
    page.click("button:has-text('提交抽查')")
    assert "拍照" in page.locator("#defects_public_areas-error").inner_text()
    page.set_input_files("input[name=photo_public_areas]", defect_photo)
    page.fill("input[name=note_public_areas]", "3号楼楼道堆放纸箱")
    page.check("input[name=result_sorting_points][value=pass]")
    screenshot(page, "inspector-check-form-phone")
    page.click("button:has-text('提交抽查')")
    page.wait_for_url(f"{live_server}/assessment/checks")
    wait_until(page, "document.getElementById('sync-text').textContent.indexOf('1 条记录等待同步') >= 0")
    screenshot(page, "inspector-check-queued-offline-phone")
    assert _rows(live_db, "SELECT count(*) FROM spot_check WHERE compound_id = ?", compound_id)[0][0] == before

    # Back in signal: sent once, with the phone's check-in.
    regain_signal(context)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(page, "document.getElementById('sync-bar').hidden === true", timeout=20)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # a second sync finds nothing left to send
    checks = _rows(live_db, "SELECT id, far_away, accuracy_m, idempotency_key FROM spot_check WHERE compound_id = ? "
                            "ORDER BY id DESC", compound_id)
    assert len(checks) == before + 1
    check_id, far_away, accuracy, key = checks[0]
    assert far_away == 0 and accuracy == 15 and key
    rectification_id, status = _rows(
        live_db, "SELECT r.id, r.status FROM rectification r JOIN spot_check_item i ON i.id = r.check_item_id "
                 "WHERE i.check_id = ?", check_id)[0]
    assert status == "open"
    assert _rows(live_db, "SELECT count(*) FROM spot_check_photo p JOIN spot_check_item i ON i.id = p.item_id "
                          "WHERE i.check_id = ?", check_id)[0][0] == 1
    assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e] == []

    # The operator's day shows it; the operator fixes it.
    operator = browser.new_context(viewport=TABLET, locale="zh-CN").new_page()
    sign_in(operator, live_server, "operator")
    assert "3号楼楼道堆放纸箱" in operator.locator("section.rectifications").inner_text()
    screenshot(operator, "operator-day-rectification-tablet")
    operator.goto(f"{live_server}/assessment/rectifications?status=open")
    item = operator.locator(f"#r-{rectification_id}")
    item.locator("input[name=note]").fill("纸箱已清走")
    item.locator("button:has-text('报告已整改')").click()
    assert _rows(live_db, "SELECT status FROM rectification WHERE id = ?", rectification_id)[0][0] == "fixed"

    # The inspector verifies it on the phone.
    page.goto(f"{live_server}/assessment/rectifications?status=fixed")
    page.locator(f"#r-{rectification_id} button[value=accept]").click()
    assert _rows(live_db, "SELECT status FROM rectification WHERE id = ?", rectification_id)[0][0] == "verified"
    context.close()

    # The scheduler's job on the 2nd of next month drafts this month's statement.
    from propmgmt.scheduler.jobs import draft_statements
    today = local_today(utcnow())
    second = (today.replace(day=1) + timedelta(days=32)).replace(day=2)
    with live_app.app_context():
        result = draft_statements(live_app, now=local_to_utc(second, time(3, 0)))
        db.session.commit()
        db.session.remove()
    assert result["drafted"] == 1 and result["lines"] > 0
    statement_id, = _rows(live_db, "SELECT id FROM statement WHERE month = ?", today.replace(day=1).isoformat())[0]
    line_id, = _rows(live_db, "SELECT id FROM statement_line WHERE statement_id = ? AND compound_id = ?",
                     statement_id, compound_id)[0]

    # The dispatcher contests the line.
    dispatcher = browser.new_context(viewport=TABLET, locale="zh-CN").new_page()
    sign_in(dispatcher, live_server, "dispatcher")
    dispatcher.goto(f"{live_server}/settlement/{statement_id}")
    line = dispatcher.locator(f"#line-{line_id}")
    line.locator("summary").click()
    line.locator("textarea[name=reason]").fill("整改已按期完成，请复核扣分。")
    line.locator("button:has-text('提出异议')").click()
    assert "整改已按期完成" in dispatcher.locator(f"#line-{line_id}").inner_text()
    screenshot(dispatcher, "statement-contested-tablet")

    # The official approves; the PDF and the .xlsx download and open.
    official.goto(f"{live_server}/settlement/{statement_id}")
    official.check("input[name=confirm]")
    official.click("button:has-text('审批')")
    assert "已审批" in official.locator("h1").inner_text()
    screenshot(official, "statement-approved-tablet")
    assert _rows(live_db, "SELECT status FROM statement WHERE id = ?", statement_id)[0][0] == "approved"
    pdf = official.request.get(f"{live_server}/settlement/{statement_id}.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    xlsx = official.request.get(f"{live_server}/settlement/{statement_id}.xlsx")
    assert xlsx.ok
    sheet = load_workbook(io.BytesIO(xlsx.body())).active
    assert any(name in [str(cell.value) for cell in row] for row in sheet.iter_rows())
