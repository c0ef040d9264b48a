"""评效果 in a browser: an official opens a survey round for a compound; a resident answers it on a phone on
the compound's public page (a second answer from the phone is refused); its satisfaction shows on the public
page and on the overview."""
from datetime import timedelta

from propmgmt.clock import local_today
from propmgmt.extensions import db

from .conftest import PHONE, TABLET_LANDSCAPE, screenshot, sign_in


def _a_fallback_compound(live_app):
    from propmgmt.compounds.models import Compound
    with live_app.app_context():
        compound = db.session.scalar(db.select(Compound).where(Compound.management_mode == "fallback")
                                     .order_by(Compound.id.desc()).limit(1))
        found = compound.id, compound.public_code, compound.name
        db.session.remove()
    return found


def test_an_official_opens_a_round_and_a_resident_answers_it_on_a_phone(live_server, live_app, browser):
    compound_id, code, name = _a_fallback_compound(live_app)
    official = browser.new_context(viewport=TABLET_LANDSCAPE, locale="zh-CN").new_page()
    sign_in(official, live_server, "official")
    official.goto(f"{live_server}/surveys")
    official.click("a[href='/surveys/new']")
    today = local_today()
    official.fill("#title", "浏览器测试满意度调查")
    official.fill("#starts_on", (today + timedelta(days=3)).isoformat())
    official.fill("#ends_on", today.isoformat())
    official.select_option("#scope", "compound")
    official.select_option("#compound_id", str(compound_id))
    official.click("button[type=submit].primary")
    assert "结束日期早于开始日期" in official.locator(".has-error").inner_text()  # dates in the wrong order
    official.fill("#starts_on", today.isoformat())
    official.fill("#ends_on", (today + timedelta(days=14)).isoformat())
    official.click("button[type=submit].primary")
    official.wait_for_url("**/surveys/*")
    assert "浏览器测试满意度调查" in official.locator("h1").inner_text()
    screenshot(official, "surveys-round-opened")

    resident = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    errors = []
    resident.on("console", lambda m: m.type == "error" and errors.append(m.text))
    resident.goto(f"{live_server}/r/{code}")
    assert resident.locator("h1").inner_text() == name
    form = resident.locator("#survey-form")
    assert form.is_visible()
    for i, fieldset in enumerate(form.locator("fieldset.score").all()):
        fieldset.locator(f"input[value='{5 if i % 2 == 0 else 4}']").check()
    resident.fill("#survey-room", "3号楼2单元501")
    resident.fill("#survey-text", "楼道打扫得很干净")
    screenshot(resident, "surveys-answer-phone")
    width = resident.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the survey scrolls sideways on a phone ({width}px)"
    form.locator("button[type=submit]").click()
    resident.wait_for_url(f"**/r/{code}")
    assert "已记录" in resident.locator(".flash").inner_text()
    assert resident.locator("#survey-satisfaction").inner_text() == "100.0%"
    screenshot(resident, "surveys-public-page-phone")
    assert errors == []

    assert "已参加本次调查" in resident.locator("#survey-answered").inner_text()  # no second form for this phone
    # The same phone again (a saved form), for another room: refused, the first answer kept.
    resident.goto(f"{live_server}/r/{code}/survey")
    for fieldset in resident.locator("#survey-form fieldset.score").all():
        fieldset.locator("input[value='1']").check()
    resident.fill("#survey-room", "4-1-101")
    resident.locator("#survey-form button[type=submit]").click()
    assert "已经参加过" in resident.locator("#survey-error").inner_text()
    screenshot(resident, "surveys-second-answer-refused-phone")

    official.goto(f"{live_server}/oversight")
    assert official.locator("#survey-satisfaction .kpi-value").inner_text() == "100.0%"
    assert "浏览器测试满意度调查" in official.locator("#survey-satisfaction").inner_text()
    screenshot(official, "surveys-overview")
