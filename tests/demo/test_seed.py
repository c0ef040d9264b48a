"""seed-demo builds the seed article's district, deterministically, and the larger scales' shape (the city
itself is seeded and checked once, in tests/oversight/test_report_pdf.py)."""
import pytest
from sqlalchemy import func, select

from propmgmt.assignments.models import Assignment
from propmgmt.auth.models import User
from propmgmt.compounds.models import Compound, Subdistrict
from propmgmt.demo.seed import seed_demo
from propmgmt.orgs.models import Organisation

from ..factories import CompoundFactory


def _count(db, column, *where):
    return db.session.scalar(select(func.count(column)).where(*where))


def test_district_matches_the_article(app, db):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--scale", "district"])
    assert result.exit_code == 0, result.output
    assert _count(db, Compound.id) == 334
    assert db.session.scalar(select(func.sum(Compound.households))) == 64_000
    names = set(db.session.scalars(select(Compound.name)))
    assert {"育英小区", "新华西街二区", "印刷厂小区", "南庄村众康北区", "义东沟村南苑东西区",
            "大阳泉村安置住房"} <= names
    assert db.session.scalar(select(Organisation.name).where(Organisation.kind == "fallback_operator")) == \
        "阳泉市洁诚物业公司"
    assert _count(db, Subdistrict.id, Subdistrict.name == "南山路街道") == 1
    assert 140 <= _count(db, User.id, User.role == "operator") <= 160
    # Each operator has a work number of their own (JC0001 for the demo account), nobody else has one.
    operators = _count(db, User.id, User.role == "operator")
    assert db.session.scalar(select(func.count(func.distinct(User.work_no))).where(User.role == "operator")) == \
        operators
    assert _count(db, User.id, User.work_no.is_not(None), User.role != "operator") == 0
    assert db.session.scalar(select(User.work_no).where(User.username == "operator")) == "JC0001"
    # Every demo account is printed, one per role, and can sign in with the printed password.
    for role in ("admin", "official", "dispatcher", "operator", "firm"):
        assert role in result.output
    assert "demo1234" in result.output
    assert db.session.scalar(select(User).where(User.username == "official")).check_password("demo1234")


def test_modes_are_a_realistic_mix_and_agree_with_assignments(app, db):
    app.test_cli_runner().invoke(args=["seed-demo"])
    modes = dict(db.session.execute(select(Compound.management_mode, func.count()).group_by(
        Compound.management_mode)).all())
    assert set(modes) == {"unmanaged", "fallback", "professional", "self_managed"}
    assert modes["unmanaged"] + modes["fallback"] > 334 / 2
    active = _count(db, Assignment.id, Assignment.status == "active")
    assert active == modes["fallback"]
    mismatched = _count(db, Assignment.id, Assignment.status == "active",
                        Assignment.compound_id.in_(select(Compound.id).where(Compound.management_mode != "fallback")))
    assert mismatched == 0


def test_seed_is_deterministic(app, db, now):
    seed_demo("district", now=now)
    first = db.session.execute(select(Compound.name, Compound.households, Compound.management_mode)
                               .order_by(Compound.name)).all()
    app.test_cli_runner().invoke(args=["seed-demo", "--reset"])
    register = db.session.execute(select(Compound.name, Compound.households).order_by(Compound.name)).all()
    assert register == [(name, households) for name, households, _mode in first]
    first = db.session.execute(select(Compound.name, Compound.households, Compound.management_mode)
                               .order_by(Compound.name)).all()
    app.test_cli_runner().invoke(args=["seed-demo", "--reset"])
    second = db.session.execute(select(Compound.name, Compound.households, Compound.management_mode)
                                .order_by(Compound.name)).all()
    assert first == second


def test_refuses_a_non_empty_database_without_reset(app, db):
    CompoundFactory(name="已有小区")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "--reset" in result.output
    assert _count(db, Compound.id) == 1
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and _count(db, Compound.id) == 1
    result = runner.invoke(args=["seed-demo", "--reset"])
    assert result.exit_code == 0, result.output
    assert _count(db, Compound.id) == 334
    assert _count(db, Compound.id, Compound.name == "已有小区") == 0


def test_a_slice_of_the_province_builds_with_its_recipe(db, now):
    """The province's shape (ten subdistricts a district, more than eleven districts) on a few hundred
    compounds: the full 50,000 take minutes and are built by hand (README "Province scale")."""
    from propmgmt.compounds.models import District
    from propmgmt.demo.seed import SCALES, Scale

    province = SCALES["province"]
    slice_ = Scale(12, province.subdistricts_per_district, 1, 240, 48_000, 60, province.crew_size, 3)
    result = seed_demo(slice_, now=now)
    assert result["compounds"] == _count(db, Compound.id) == 240
    assert result["households"] == 48_000
    assert _count(db, District.id) == 12 and _count(db, Subdistrict.id) == 120
    assert _count(db, Subdistrict.id, Subdistrict.name == "示例十一十街道") == 1
    assert _count(db, Assignment.id, Assignment.status == "active") == result["fallback"] > 0


def test_unknown_scale_is_refused(app, db):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--scale", "country"])
    assert result.exit_code != 0 and "country" in result.output


def test_history_days_build_past_service_the_overview_can_show(app, db):
    from datetime import timedelta

    from propmgmt.clock import local_today, utcnow
    from propmgmt.oversight.models import RollupDay
    from propmgmt.oversight.queries import health_in
    from propmgmt.periods import Period
    from propmgmt.plans.models import Task

    result = app.test_cli_runner().invoke(args=["seed-demo", "--history-days", "7"])
    assert result.exit_code == 0, result.output
    assert "past tasks" in result.output
    yesterday = local_today() - timedelta(days=1)
    week = health_in(Period(yesterday - timedelta(days=6), yesterday), utcnow())
    assert week.due > 0 and 0 < week.on_time < week.completed < week.due and week.missed > 0
    assert 0 < week.first_pass < week.verified
    assert _count(db, Task.id, Task.status == "verified") > 0
    assert _count(db, RollupDay.day, RollupDay.day >= yesterday - timedelta(days=6)) == 7


# --- a living demo: cases, handovers, operators, photos, notifications -------------------------------

@pytest.fixture
def living_district(app, db, tmp_path):
    """`seed-demo` as `make run` runs it, with a few days of history (fast)."""
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    result = app.test_cli_runner().invoke(args=["seed-demo", "--history-days", "4", "--if-empty"])
    assert result.exit_code == 0, result.output
    return result


def test_cases_exist_in_every_state_from_every_source_some_overdue(db, living_district):
    from propmgmt.clock import utcnow
    from propmgmt.complaints.models import COMPLAINT_SOURCES, COMPLAINT_STATUSES, Complaint
    from propmgmt.complaints.policy import OPEN_CASE_STATUSES

    states = dict(db.session.execute(select(Complaint.status, func.count()).group_by(Complaint.status)).all())
    assert set(states) == set(COMPLAINT_STATUSES)
    assert set(db.session.scalars(select(Complaint.source).distinct())) == set(COMPLAINT_SOURCES)
    assert _count(db, Complaint.id, Complaint.source == "hotline", Complaint.hotline_ticket_no.is_(None)) == 0
    assert set(db.session.scalars(select(Complaint.rating).where(Complaint.rating.is_not(None)))) == {1, 2, 3, 4, 5}
    assert _count(db, Complaint.id, Complaint.rating.is_not(None), Complaint.rating_comment == "") == 0
    overdue = _count(db, Complaint.id, Complaint.status.in_(OPEN_CASE_STATUSES), Complaint.resolve_due_at < utcnow())
    assert overdue >= 2
    names = dict(db.session.execute(select(Complaint.description, Compound.name).join(Compound)).all())
    assert any("污水外溢" in text and name == "新华西街二区" for text, name in names.items())
    assert any("井道堵塞" in text and name == "印刷厂小区" for text, name in names.items())
    # Each dispatched case has its task; the ones fixed in the field were resolved by completing it.
    from propmgmt.plans.models import Task
    dispatched = select(Complaint.id).where(Complaint.status == "dispatched")
    assert _count(db, Task.id, Task.complaint_id.in_(dispatched)) == _count(db, Complaint.id,
                                                                           Complaint.status == "dispatched")


def test_handovers_exist_in_every_stage_and_a_completed_one_made_its_compound_professional(db, living_district):
    from propmgmt.handovers.models import HANDOVER_STAGES, Handover, InspectionItem, OwnersDecision
    from propmgmt.plans.models import ServicePlan, Task

    assert set(db.session.scalars(select(Handover.stage).distinct())) == set(HANDOVER_STAGES)
    assert _count(db, OwnersDecision.id) >= 4
    assert _count(db, InspectionItem.id, InspectionItem.result == "defect") >= 1
    for handover in db.session.scalars(select(Handover).where(Handover.stage == "completed")):
        compound = db.session.get(Compound, handover.compound_id)
        assert compound.management_mode == "professional" and compound.firm_id == handover.firm_id
        assert _count(db, Assignment.id, Assignment.compound_id == compound.id, Assignment.status == "active") == 0
        assert _count(db, ServicePlan.id, ServicePlan.compound_id == compound.id, ServicePlan.status == "active") == 0
        # No fallback service after the handover.
        assert _count(db, Task.id, Task.compound_id == compound.id, Task.window_start > handover.finished_at) == 0
    for handover in db.session.scalars(select(Handover).where(Handover.stage.not_in(("completed", "aborted")))):
        assert db.session.get(Compound, handover.compound_id).management_mode == "fallback"


def test_every_historic_task_has_its_operator_and_the_dispatcher_checked_it(db, living_district):
    from propmgmt.plans.models import Task, TaskPhoto
    from propmgmt.plans.outcomes import COMPLETED

    history = Task.plan_id.is_not(None)
    assert _count(db, Task.id, history, Task.status.in_(COMPLETED)) > 1000
    assert _count(db, Task.id, history, Task.assignee_id.is_(None), Task.window_end < func.now()) == 0
    for column in (Task.completed_by_id, Task.started_at, Task.device_completed_at, Task.completed_at):
        assert _count(db, Task.id, history, Task.status.in_(COMPLETED), column.is_(None)) == 0, column
    assert _count(db, Task.id, Task.status == "verified", Task.verified_by_id.is_(None)) == 0
    assert _count(db, Task.id, Task.recorded_offline.is_(True), Task.completed_at > Task.device_completed_at) > 0
    assert _count(db, Task.id, Task.rejections > 0, Task.rejection_reason == "") == 0
    assert _count(db, Task.id, Task.rejections > 0) > 0
    assert 0 < _count(db, TaskPhoto.id) <= 60
    operators = select(User.id).where(User.role == "operator")
    assert _count(db, Task.id, Task.completed_by_id.is_not(None), Task.completed_by_id.not_in(operators)) == 0


def test_the_pages_a_newcomer_opens_show_data(client, db, login_as, living_district):
    from propmgmt.outbox.models import Notification

    demo = {name: db.session.scalar(select(User).where(User.username == name)) for name in
            ("official", "dispatcher", "operator")}
    for user in demo.values():
        sent = select(Notification.id).where(Notification.recipient_id == user.id, Notification.channel == "in_app",
                                             Notification.status == "sent")
        assert db.session.scalar(select(func.count()).select_from(sent.subquery())) > 0, user.username
    assert _count(db, Notification.id, Notification.read_at.is_not(None)) > 0
    client.post_form("/login", {"username": "dispatcher", "password": "demo1234"}, page="/login")
    verify = client.get("/field/verify").get_data(as_text=True)
    assert "verify-item" in verify and "近 30 天没有已完成的工作" not in verify
    assert "新华西街二区" in client.get("/complaints").get_data(as_text=True)


def test_the_rollups_equal_the_live_counts_after_seeding(db, living_district):
    from propmgmt.clock import utcnow
    from propmgmt.oversight.queries import health_in
    from propmgmt.oversight.rollups import DaySplit, area_health, crew_health
    from propmgmt.periods import Period
    from propmgmt.plans.models import Task
    from propmgmt.plans.outcomes import due_between, health_columns

    now = utcnow()
    periods = [Period.last_days(7, now=now), Period.last_days(30, now=now)]
    split = DaySplit(periods[-1].first, periods[-1].last, now)
    assert split.rolled  # the figures really come from the rollups

    def figures(h):
        return (h.due, h.completed, h.on_time, h.missed, h.verified, h.first_pass)

    for period in periods:
        assert figures(area_health(split, period)) == figures(health_in(period, now))
        for group in ("crew_id", "assignee_id"):
            live = {row[0]: tuple(int(v or 0) for v in row[1:]) for row in db.session.execute(
                select(getattr(Task, group), *health_columns()).where(due_between(*period.bounds(now)))
                .group_by(getattr(Task, group)))}
            assert {k: figures(h) for k, h in crew_health(split, period, group).items()} == live, group


def test_seeding_again_with_if_empty_changes_nothing(app, db, living_district):
    from propmgmt.audit.models import AuditEntry
    from propmgmt.complaints.models import Complaint
    from propmgmt.handovers.models import Handover
    from propmgmt.outbox.models import Notification
    from propmgmt.plans.models import Task

    counted = (Compound.id, Task.id, Complaint.id, Handover.id, Notification.id, AuditEntry.id)
    before = [_count(db, column) for column in counted]
    result = app.test_cli_runner().invoke(args=["seed-demo", "--history-days", "4", "--if-empty"])
    assert result.exit_code == 0 and "skipped" in result.output
    assert [_count(db, column) for column in counted] == before


def test_crews_have_leaders_and_start_dates_and_the_firm_a_handover_to_sign(client, db, living_district):
    from propmgmt.auth.models import User
    from propmgmt.orgs.models import Crew, crew_compound
    from propmgmt.outbox.models import Notification

    crews = db.session.scalars(select(Crew)).all()
    assert crews and all(c.leader is not None and c.leader.crew_id == c.id for c in crews)
    assert db.session.scalar(select(func.count()).select_from(crew_compound).where(
        crew_compound.c.starts_on.is_(None))) == 0
    firm = db.session.scalar(select(User).where(User.username == "firm"))
    kinds = set(db.session.scalars(select(Notification.kind).where(Notification.recipient_id == firm.id,
                                                                    Notification.status == "sent")))
    assert {"handover_firm_selected", "handover_ready_to_sign"} <= kinds
    client.post_form("/login", {"username": "firm", "password": "demo1234"})
    home = client.get("/my/handovers").get_data(as_text=True)
    assert "data-handover" in home


def test_two_survey_rounds_give_satisfaction_to_the_pages_that_read_it(client, db, login_as, living_district):
    from propmgmt.clock import local_today
    from propmgmt.surveys.figures import district_latest, round_results
    from propmgmt.surveys.models import Round

    today = local_today()
    rounds = [r for r in db.session.scalars(select(Round).order_by(Round.starts_on)) if r.origin != "renovation"]
    closed, open_now = rounds[0], rounds[-1]
    assert closed.state(today) == "closed" and open_now.state(today) == "open"
    served = {c.id for c in closed.compounds}
    answered = round_results(closed.id)
    assert len(answered) > 0.7 * len(served) and round_results(open_now.id)
    assert district_latest().satisfaction is not None
    login_as("official")
    assert "survey-satisfaction" in client.get("/oversight").get_data(as_text=True)
    compound = db.session.get(Compound, next(iter(answered)))
    assert 'id="survey-satisfaction"' in client.get(f"/r/{compound.public_code}").get_data(as_text=True)
