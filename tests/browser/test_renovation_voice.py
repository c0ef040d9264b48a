"""The residents' voice through a renovation project, in a real browser: an official creates a project for
two compounds and opens a consultation; a resident on a phone gives an opinion (once); the works start; a
resident sends a supervision note with a photo; completion is refused until the team answers it; the
resident reads the answer by the note's tracking code."""
from datetime import timedelta

import pytest
from PIL import Image

from propmgmt.clock import local_today
from propmgmt.extensions import db

from .conftest import PHONE, TABLET, TABLET_LANDSCAPE, screenshot, sign_in


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "pipes.jpg"
    Image.new("RGB", (1200, 900), (120, 100, 70)).save(path, "JPEG")
    return str(path)


def _two_compounds(live_app):
    from propmgmt.compounds.models import Compound
    from propmgmt.renovation.models import project_compound
    with live_app.app_context():
        rows = db.session.scalars(db.select(Compound).where(Compound.name.like("示例%"),
                                                            Compound.id.not_in(db.select(project_compound.c.compound_id)))
                                  .order_by(Compound.id.desc()).limit(2)).all()
        found = [(c.id, c.public_code, c.name) for c in rows]
        db.session.remove()
    return found


def _no_sideways_scroll(page, viewport):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page scrolls sideways ({width}px)"


def test_consult_start_supervise_answer_complete(live_server, live_app, browser, photo):
    (first_id, first_code, first_name), (second_id, second_code, second_name) = _two_compounds(live_app)
    today = local_today()
    official = browser.new_context(viewport=TABLET_LANDSCAPE, locale="zh-CN").new_page()
    errors = []
    official.on("console", lambda m: m.type == "error" and errors.append(m.text))
    sign_in(official, live_server, "official")

    # The project for two compounds, in the reserve.
    official.goto(f"{live_server}/renovation/new")
    official.fill("#name", "两小区联片改造")
    official.select_option("#compound_ids", [str(first_id), str(second_id)])
    official.locator("#item_ids input[type=checkbox]").first.check()
    official.fill("#fund_central", "1200000")
    official.select_option("#leader_id", label="区住建局 王科长")
    official.fill("#contractor", "阳泉市示例建筑工程有限公司")
    official.fill("#planned_new_start", str(today))
    official.fill("#planned_under_construction", str(today))
    official.fill("#planned_completed", str(today + timedelta(days=120)))
    official.click("form.card button[type=submit].primary")
    official.wait_for_url(f"{live_server}/renovation/*")
    project_url = official.url

    # The consultation: two items of the plan, the first with its drawing, two weeks to answer.
    official.click("a[href$='/consultations/new']")
    official.fill("#title", "联片改造方案征求意见")
    official.fill("#ends_on", str(today + timedelta(days=14)))
    official.fill("#items-0-text", "更换供水、排水管线")
    official.set_input_files("#items-0-image", photo)
    official.fill("#items-1-text", "拆除南侧违建车棚，改为停车位")
    screenshot(official, "voice-consultation-form-tablet")
    official.click("form.card button[type=submit].primary")
    official.wait_for_url(project_url)
    assert official.locator(".flash-success").count() == 1

    # A resident of the first compound, on a phone, gives the household's opinion.
    resident = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    resident.goto(f"{live_server}/r/{first_code}")
    card = resident.locator(".renovation-voice", has_text="联片改造方案征求意见")
    assert card.count() == 1
    screenshot(resident, "voice-public-consultation-phone")
    _no_sideways_scroll(resident, PHONE)
    card.locator("a.button").click()
    resident.fill("#room", "3号楼2单元501")
    radios = resident.locator(".plan-item")
    radios.nth(0).locator("input[value=support]").check()
    radios.nth(1).locator("input[value=oppose]").check()
    resident.fill("#text", "车棚还在用，希望保留并整修")
    screenshot(resident, "voice-opinion-form-phone")
    _no_sideways_scroll(resident, PHONE)
    resident.click("button[type=submit].primary")
    resident.wait_for_url(f"{live_server}/r/{first_code}")
    assert resident.locator(".flash-success").count() == 1
    # The same phone again: refused, the first opinion kept.
    resident.locator(".renovation-voice a.button").first.click()
    resident.fill("#room", "5-1-101")
    for n in range(2):
        radios.nth(n).locator("input[value=oppose]").check()
    resident.click("button[type=submit].primary")
    assert "保留第一次提交的意见" in resident.locator("#opinion-error").inner_text()
    screenshot(resident, "voice-opinion-refused-phone")

    # The official reads the tally and the words, records how the plan changed, and starts the works.
    official.goto(project_url)
    tally = official.locator("table.tally tbody tr")
    assert tally.nth(0).locator("td").nth(1).inner_text() == "1"  # support for the pipes
    assert tally.nth(1).locator("td").nth(2).inner_text() == "1"  # oppose pulling down the sheds
    assert "车棚还在用" in official.locator("#consultations").inner_text()
    official.locator("#consultations details summary").first.click()
    official.locator("#consultations textarea[name=plan_change]").first.fill("保留车棚并整修，北侧另增停车位")
    official.locator("#consultations details button[type=submit]").first.click()
    official.wait_for_url(f"{project_url}*")
    for stage in ("新开工", "在建"):
        official.goto(project_url)
        official.locator("details.spaced summary").click()
        official.fill("#on", str(today))
        official.locator("details.spaced button[type=submit]").click()
        official.wait_for_url(project_url)
        assert stage in official.locator("h1 .badge").first.inner_text(), official.locator(".flash").all_inner_texts()
    official.fill("#month", today.strftime("%Y-%m"))
    official.fill("#percent", "100")
    official.fill("#done", "管线、道路全部完工")
    official.locator("form[action$='/progress'] button[type=submit]").click()
    official.wait_for_url(project_url)

    # A resident of the second compound sees the works with their progress and sends a note with a photo.
    neighbour = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    neighbour.goto(f"{live_server}/r/{second_code}")
    works = neighbour.locator(".renovation-voice[id^=project-]", has_text="两小区联片改造")
    assert "保留车棚并整修" in neighbour.locator(".renovation-voice[id^=plan-change-]").inner_text()
    assert "100%" in works.inner_text()
    screenshot(neighbour, "voice-public-works-phone")
    works.locator("a.button.primary").click()
    neighbour.fill("#text", "3号楼北侧新埋管线夜里没有覆盖，有人差点绊倒")
    neighbour.set_input_files("#photos", photo)
    screenshot(neighbour, "voice-note-form-phone")
    neighbour.click("button[type=submit].primary")
    neighbour.wait_for_url(f"{live_server}/r/notes/*")
    code = neighbour.url.rsplit("/", 1)[1]
    assert code in neighbour.locator(".flash-success").inner_text()
    assert "尚未答复" in neighbour.locator("#note-answer").inner_text()
    _no_sideways_scroll(neighbour, PHONE)
    screenshot(neighbour, "voice-note-waiting-phone")

    # Completion is refused while the note is unanswered; the stage form lists the note.
    official.goto(project_url)
    assert code in official.locator("#notes-check").inner_text()
    official.locator("details.spaced summary").click()
    official.fill("#on", str(today))
    official.locator("details.spaced button[type=submit]").click()
    official.wait_for_url(project_url)
    assert "须先答复每一条居民监督意见" in official.locator(".flash-error").inner_text()
    assert "在建" in official.locator("h1 .badge").first.inner_text()
    screenshot(official, "voice-completion-refused-tablet")
    note = official.locator("#notes .note", has_text=code)
    assert note.locator("img.thumb").count() == 1
    note.locator("textarea[name=answer]").fill("已要求施工单位每日收工前覆盖并设警示灯，谢谢监督。")
    note.locator("button[type=submit]").click()
    official.wait_for_url(f"{project_url}*")
    official.goto(project_url)
    official.locator("details.spaced summary").click()
    official.fill("#on", str(today))
    official.locator("details.spaced button[type=submit]").click()
    official.wait_for_url(project_url)
    assert "竣工" in official.locator("h1 .badge").first.inner_text(), official.locator(".flash").all_inner_texts()
    official.set_viewport_size(TABLET)
    screenshot(official, "voice-project-completed-tablet")

    # The resident follows the note by its code and reads the answer.
    neighbour.goto(f"{live_server}/r/notes")
    neighbour.fill("#code", code.lower())
    neighbour.click("button[type=submit]")
    neighbour.wait_for_url(f"{live_server}/r/notes/{code}")
    assert "设警示灯" in neighbour.locator("#note-answer").inner_text()
    screenshot(neighbour, "voice-note-answered-phone")
    assert not errors, errors
