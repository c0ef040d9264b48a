"""The crews and firm journey (issue 17): the dispatcher forms a crew, adds two operators and three compounds
and sees their next tasks move to it; the official selects a firm in a handover; the firm's user signs in, is
notified, finds the handover on their home page and signs the joint inspection.

The admin creates the dispatcher and the firm's user on /users/new; each signs in with the one-time password
and chooses their own; the operators are made with the create-user service."""
from decimal import Decimal

from sqlalchemy import func, select

from propmgmt.auth.models import User
from propmgmt.auth.services import create_user
from propmgmt.clock import local_today, utcnow
from propmgmt.compounds.models import Compound
from propmgmt.extensions import db
from propmgmt.handovers.models import Handover
from propmgmt.handovers.rules import Vote
from propmgmt.handovers.services import advance, record_owners_decision, start_handover
from propmgmt.orgs.models import Crew, Organisation, crew_compound
from propmgmt.plans.models import Task
from propmgmt.reminders.sender import send_due_notifications

from .conftest import TABLET_LANDSCAPE, go_by_menu, screenshot, sign_in

PASSWORD = "journey-pass-17"


def _cast(app) -> dict:
    with app.app_context():
        operators = [create_user(f"crew-journey-{n}", "operator", PASSWORD, display_name=name, work_no=no,
                                 phone=phone).id
                     for n, (name, no, phone) in enumerate((("保洁员 孙师傅", "JC9101", "13900009101"),
                                                            ("保洁员 孙师傅", "JC9102", "13900009102")))]
        own_crew = db.session.scalar(select(User.crew_id).where(User.username == "operator"))
        has_future = select(Task.id).where(Task.compound_id == Compound.id, Task.status == "scheduled",
                                           Task.window_start > utcnow()).exists()
        compounds = db.session.scalars(select(Compound.id).where(
            Compound.management_mode == "fallback", has_future,
            Compound.id.not_in(select(crew_compound.c.compound_id).where(crew_compound.c.crew_id == own_crew)))
            .order_by(Compound.id.desc()).limit(3)).all()
        handover = _at_firm_selection(compounds)
        demo_firm = db.session.scalar(select(User.organisation_id).where(User.username == "firm"))
        firm = db.session.scalar(select(Organisation).where(
            Organisation.kind == "property_firm", Organisation.id != demo_firm).order_by(Organisation.id).limit(1))
        db.session.commit()
        fallback = db.session.scalar(select(Organisation.id).where(Organisation.kind == "fallback_operator"))
        cast = {"operators": operators, "compounds": compounds, "handover": handover.id, "firm": firm.id,
                "firm_name": firm.name, "fallback": fallback}
        db.session.remove()
    return cast


def _at_firm_selection(taken: list[int]) -> Handover:
    """A handover the district has taken up to the firm's selection (the owners voted for it)."""
    official = db.session.scalar(select(User).where(User.username == "official"))
    compound = db.session.scalar(select(Compound).where(
        Compound.management_mode == "fallback", Compound.id.not_in(taken),
        Compound.id.not_in(select(Handover.compound_id))).order_by(Compound.id).limit(1))
    now = utcnow()
    handover = start_handover(official, compound, owner_id=official.id, due_on=None, now=now)
    advance(official, handover, to_stage="owners_decision", owner_id=official.id, due_on=None, now=now)
    record_owners_decision(official, handover, Vote(300, Decimal("30000"), 200, Decimal("20000"), 101,
                                                    Decimal("10000.01")), decided_on=local_today(now), note="",
                           now=now)
    advance(official, handover, to_stage="firm_selection", owner_id=official.id, due_on=None, now=now)
    return handover


def _admin_creates(page, base, *, username, name, role, organisation_id, phone) -> str:
    """The admin adds a user on /users/new; returns the one-time password the page shows once."""
    page.goto(f"{base}/users/new")
    page.fill("#display_name", name)
    page.fill("#username", username)
    page.select_option("#role", role)
    page.select_option("#organisation_id", str(organisation_id))
    page.fill("#phone", phone)
    with page.expect_navigation():
        page.click("form.narrow-form button[type=submit]")
    return page.locator(".one-time-password code").inner_text().strip()


def _first_sign_in(page, base, username, one_time) -> None:
    """Signs in with the one-time password and chooses their own (the app asks for it first)."""
    sign_in(page, base, username, one_time)
    assert page.url.endswith("/profile/password"), page.url
    page.fill("#current", one_time)
    page.fill("#new", PASSWORD)
    page.fill("#confirm", PASSWORD)
    with page.expect_navigation():
        page.click("form.narrow-form button[type=submit]")


def test_crew_and_firm_journey(live_server, live_app, page_at):
    cast = _cast(live_app)
    admin = page_at(TABLET_LANDSCAPE)
    sign_in(admin, live_server, "admin")
    dispatcher_otp = _admin_creates(admin, live_server, username="dispatcher-journey", name="调度员 钱敏",
                                    role="dispatcher", organisation_id=cast["fallback"], phone="13900009201")
    firm_otp = _admin_creates(admin, live_server, username="firm-journey", name=f"{cast['firm_name']} 周经理",
                              role="firm", organisation_id=cast["firm"], phone="13900009202")
    assert dispatcher_otp and firm_otp and dispatcher_otp != firm_otp
    page = page_at(TABLET_LANDSCAPE)
    _first_sign_in(page, live_server, "dispatcher-journey", dispatcher_otp)
    go_by_menu(page, "班组")
    with page.expect_navigation():
        page.click("text=新建班组")
    page.fill("#name", "旅程测试组")
    page.fill("#work_phone", "0353-9999999")
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    assert "班组旅程测试组已建立" in page.locator(".flash").inner_text()
    crew_url = page.url
    for operator in cast["operators"]:
        page.select_option("#operator_id", str(operator))
        with page.expect_navigation():
            page.click("text=加入班组…")
        assert "将转移的内容" in page.content()
        with page.expect_navigation():
            page.click("text=确认")
        assert "已加入旅程测试组" in page.locator(".flash").inner_text()
    members = page.locator("[data-member]").all_inner_texts()
    assert len(members) == 2 and all("保洁员 孙师傅" in m for m in members)
    assert "JC9101" in members[0] + members[1] and "13900009101" in members[0] + members[1]
    for compound in cast["compounds"]:
        page.select_option("#compound_id", str(compound))
        with page.expect_navigation():
            page.click("text=分配给班组…")
        moving = int(page.locator("[data-moving-tasks]").inner_text())
        assert moving > 0
        screenshot(page, "crew-move-preview")
        with page.expect_navigation():
            page.click("text=确认")
        assert f"已转移 {moving} 项后续任务" in page.locator(".flash").inner_text()
    assert page.locator("[data-compound]").count() == 3
    screenshot(page, "crew-page")
    page.goto(f"{live_server}/plans/compound/{cast['compounds'][0]}")
    assert "旅程测试组" in page.content()  # the plans follow: tasks made later go to the crew too
    with live_app.app_context():
        crew = db.session.scalar(select(Crew.id).where(Crew.name == "旅程测试组"))
        elsewhere = db.session.scalar(select(func.count(Task.id)).where(
            Task.compound_id.in_(cast["compounds"]), Task.status == "scheduled", Task.window_start > utcnow(),
            Task.crew_id != crew))
        db.session.remove()
    assert elsewhere == 0
    page.goto(crew_url.rstrip("/") + "/edit")
    page.select_option("#leader_id", str(cast["operators"][0]))
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    assert "保洁员 孙师傅（JC9101 · 旅程测试组）" in page.content()

    official = page_at(TABLET_LANDSCAPE)
    sign_in(official, live_server, "official")
    handover = f"{live_server}/handovers/{cast['handover']}"
    official.goto(handover)
    official.select_option("#firm_id", str(cast["firm"]))
    official.fill("#contract_start", "2027-01-01")
    official.fill("#fee_standard", "0.8元/㎡·月")
    with official.expect_navigation():
        official.click("form[action$='/firm'] button[type=submit]")
    assert "已记录承接企业" in official.content() or cast["firm_name"] in official.content()
    with official.expect_navigation():
        official.click("form[action$='/advance'] button[type=submit]")
    official.select_option("#facility", "roads")
    official.select_option("#result", "ok")
    with official.expect_navigation():
        official.click("form[action$='/inspection'] button[type=submit]")
    assert "承接查验" in official.content()
    with live_app.app_context():
        send_due_notifications(utcnow())  # what the scheduler's sender does every minute
        db.session.commit()
        db.session.remove()

    firm = page_at(TABLET_LANDSCAPE)
    _first_sign_in(firm, live_server, "firm-journey", firm_otp)
    firm.goto(f"{live_server}/")  # their home page
    assert firm.url.endswith("/my/handovers")
    row = firm.locator(f"[data-handover='{cast['handover']}']")
    assert "在承接查验上签字" in row.inner_text()
    assert int(firm.locator(".count-badge").inner_text()) >= 2
    screenshot(firm, "firm-home")
    firm.click("nav.mainnav >> text=通知")
    notes = firm.content()
    assert "贵公司已被选定" in notes and "承接查验待签字" in notes
    firm.go_back()
    with firm.expect_navigation():
        row.locator("a").first.click()
    assert firm.locator(".crumbs a").inner_text() == "我的移交"
    with firm.expect_navigation():
        firm.click("form[action$='/sign'] button[type=submit]")
    assert "企业签字" in firm.content()
    with live_app.app_context():
        signed = db.session.get(Handover, cast["handover"]).firm_signed_at
        db.session.remove()
    assert signed is not None
    assert [e for e in page.errors + official.errors + firm.errors if "status of 4" not in e] == []
    admin.goto(f"{live_server}/audit")  # and the audit log tells every step in words
    log = admin.content()
    for words in ("已创建用户", "新建班组", "选定承接物业企业", "承接查验已签字"):
        assert words in log, words
