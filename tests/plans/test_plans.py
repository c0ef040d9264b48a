"""Plans and standards as dispatchers and admins keep them."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from propmgmt.assignments.services import approve_assignment, propose_assignment
from propmgmt.plans.models import ServicePlan, ServiceStandard, Task

from ..factories import CompoundFactory, UserFactory


@pytest.fixture
def fallback_compound(db, setting, now):
    compound = CompoundFactory(name="育英小区")
    assignment = propose_assignment(setting.official, compound, setting.proposal(start_date=date(2026, 11, 25),
                                                                                 review_date=None), now=now)
    approve_assignment(setting.official, assignment, now=now, generate=False)
    db.session.commit()
    return compound


def _sign_in(client, user):
    client.post_form("/login", {"username": user.username, "password": "password123"})


def _plan_form(setting, **overrides):
    return {"service_type_id": setting.types[0].id, "crew_id": setting.crew.id, "operator_id": "0",
            "repeat": "chosen_weekdays", "weekdays": ["MO", "TH"], "window1_start": "06:30",
            "window1_end": "08:00", "window2_start": "", "window2_end": "", "starts_on": "2027-01-01",
            "ends_on": "", "skip_dates": "", "action": "save"} | overrides


def _end_the_default_plans(db):
    """The assignment's default plans cover each service from 2026-11-25; a new one needs them ended."""
    db.session.execute(ServicePlan.__table__.update().values(ends_on=date(2026, 12, 31)))
    db.session.commit()


def _count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_preview_shows_the_next_ten_occurrences(client, setting, fallback_compound):
    _sign_in(client, setting.dispatcher)
    url = f"/plans/new/{fallback_compound.id}"
    response = client.post_form(url, _plan_form(setting, repeat="twice_daily", window2_start="18:00",
                                                window2_end="19:30", action="preview"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "接下来 10 次" in html
    assert "2027-01-01 周五 06:30–08:00" in html and "2027-01-05 周二 18:00–19:30" in html
    assert "每天 06:30–08:00、18:00–19:30" in html


def test_a_plan_made_with_the_builder_generates_its_tasks(client, setting, fallback_compound, db):
    # The default plans of the assignment cover cleaning from 2026-11-25; end them first.
    db.session.execute(ServicePlan.__table__.update().values(ends_on=date.today()))
    db.session.commit()
    _sign_in(client, setting.dispatcher)
    response = client.post_form(f"/plans/new/{fallback_compound.id}", _plan_form(
        setting, starts_on=(date.today() + timedelta(days=1)).isoformat()))
    assert response.status_code == 302, response.get_data(as_text=True)
    plan = db.session.scalars(select(ServicePlan).where(ServicePlan.rrule == "FREQ=WEEKLY;BYDAY=MO,TH")).one()
    tasks = db.session.scalars(select(Task).where(Task.plan_id == plan.id)).all()
    assert tasks and {t.window_start.astimezone(timezone(timedelta(hours=8))).strftime("%a %H:%M")
                      for t in tasks} <= {"Mon 06:30", "Thu 06:30"}


@pytest.mark.parametrize("overrides, message", [
    ({"repeat": "custom", "rrule": "FREQ=SOMETIMES"}, "规则中重复频率（FREQ"),
    ({"repeat": "custom", "rrule": "FREQ=HOURLY"}, "必须按天、周、月或年重复"),
    ({"window1_start": "09:00", "window1_end": "08:00"}, "结束时间必须晚于开始时间"),
    ({"window1_start": "25:00"}, "请用 HH:MM 格式"),
    ({"repeat": "chosen_weekdays", "weekdays": []}, "请至少选择一个星期几"),
    ({"repeat": "twice_daily"}, "一天两次需要填写第二个时段"),
    ({"crew_id": "0"}, "未知班组"),
    ({"service_type_id": None}, "该小区在此期间已有该项服务的计划"),
    ({"ends_on": "2026-01-01"}, "结束日期不能早于开始日期"),
    ({"skip_dates": "明天"}, "日期格式不对"),
])
def test_bad_plans_are_explained_and_nothing_is_written(client, setting, fallback_compound, db, overrides,
                                                        message):
    if overrides.get("service_type_id", 1) is None:  # a second plan overlapping the default cleaning plan
        overrides = {**overrides, "service_type_id": setting.types[0].id, "starts_on": "2026-12-01"}
    before = _count(db, ServicePlan)
    _sign_in(client, setting.dispatcher)
    response = client.post_form(f"/plans/new/{fallback_compound.id}", _plan_form(setting, **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(db, ServicePlan) == before


def test_no_plan_for_a_compound_not_in_fallback(client, setting, db):
    compound = CompoundFactory(management_mode="professional")
    _sign_in(client, setting.dispatcher)
    response = client.post_form(f"/plans/new/{compound.id}", _plan_form(setting))
    assert "服务计划只适用于国有托底小区" in response.get_data(as_text=True)
    assert _count(db, ServicePlan) == 0


def test_pause_removes_future_tasks_and_resume_brings_them_back(client, setting, fallback_compound, db):
    plan = db.session.scalars(select(ServicePlan).where(ServicePlan.compound_id == fallback_compound.id)).first()
    from propmgmt.plans.generation import generate_tasks
    generate_tasks(date.today() + timedelta(days=3), now=datetime.now(timezone.utc))
    started = db.session.scalars(select(Task).where(Task.plan_id == plan.id).order_by(Task.window_start)).first()
    started.status = "in_progress"
    db.session.commit()
    _sign_in(client, setting.dispatcher)
    client.post_form(f"/plans/{plan.id}/pause", page=f"/plans/compound/{fallback_compound.id}")
    assert plan.status == "paused"
    assert [t.id for t in db.session.scalars(select(Task).where(Task.plan_id == plan.id))] == [started.id]
    client.post_form(f"/plans/{plan.id}/resume", page=f"/plans/compound/{fallback_compound.id}")
    assert plan.status == "active" and _count(db, Task, Task.plan_id == plan.id) > 1
    page = client.get(f"/plans/compound/{fallback_compound.id}").get_data(as_text=True)
    assert "暂停" in page and "<td>每天</td>" in page and "FREQ=" not in page


def test_standards_are_read_by_officials_and_versioned_by_admins(client, setting, db):
    official = setting.official
    _sign_in(client, official)
    page = client.get("/plans/standards").get_data(as_text=True)
    assert "保洁" in page and "第 1 版" in page and "/new\"" not in page
    client.post_form("/logout", page="/plans/standards")
    admin = UserFactory(role="admin")
    _sign_in(client, admin)
    url = f"/plans/standards/{setting.types[0].id}/new"
    response = client.post_form(url, {"checklist": "", "default_rrule": "FREQ=DAILY", "window1_start": "07:00",
                                      "window1_end": "09:00"})
    assert response.status_code == 400 and "清单至少需要一项" in response.get_data(as_text=True)
    client.post_form(url, {"checklist": "道路清扫\n楼道清扫\n垃圾桶清洗", "photo_required": "y",
                           "default_rrule": "FREQ=DAILY", "window1_start": "06:30", "window1_end": "08:30"})
    newest = db.session.scalars(select(ServiceStandard).where(
        ServiceStandard.service_type_id == setting.types[0].id).order_by(ServiceStandard.version.desc())).first()
    assert newest.version == 2 and newest.checklist[-1] == "垃圾桶清洗"
    assert newest.default_windows == [{"start": "06:30", "end": "08:30"}]


def test_a_stale_value_of_another_mode_never_blocks_saving(client, setting, fallback_compound, db):
    """The browser hides the fields of other choices; what they still hold is ignored."""
    _end_the_default_plans(db)
    _sign_in(client, setting.dispatcher)
    response = client.post_form(f"/plans/new/{fallback_compound.id}", _plan_form(
        setting, repeat="chosen_weekdays", weekdays=["MO", "WE", "FR"], interval="0", rrule="FREQ=BOGUS"))
    assert response.status_code == 302
    plan = db.session.scalars(select(ServicePlan).order_by(ServicePlan.id.desc())).first()
    assert plan.rrule == "FREQ=WEEKLY;BYDAY=MO,WE,FR"
    page = client.get(f"/plans/compound/{fallback_compound.id}").get_data(as_text=True)
    assert "每周一、三、五" in page


def test_the_form_marks_the_fields_of_each_mode_for_the_script(client, setting, fallback_compound):
    _sign_in(client, setting.dispatcher)
    html = client.get(f"/plans/new/{fallback_compound.id}").get_data(as_text=True)
    assert 'data-repeat="every_n_days"' in html and 'data-repeat="custom"' in html
    assert 'src="/static/js/plan-form.js?v=' in html


@pytest.mark.parametrize("action", ["preview", "save"])
def test_an_end_before_the_start_is_refused_at_the_field(client, setting, fallback_compound, action):
    _sign_in(client, setting.dispatcher)
    response = client.post_form(f"/plans/new/{fallback_compound.id}", _plan_form(
        setting, starts_on="2027-01-10", ends_on="2027-01-01", action=action))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    ends_on = html[html.index('id="ends_on"'):]
    assert ends_on[:ends_on.index("</div>")].count("结束日期不能早于开始日期") == 1


@pytest.mark.parametrize("rule", ["FREQ=BOGUS", "FREQ=DAILY;FOO=1", "FREQ=WEEKLY;BYDAY=XX", "FREQ",
                                  "FREQ=MONTHLY;BYDAY=9MO", "FREQ=DAILY;UNTIL=2026",
                                  "FREQ=DAILY;COUNT=3;UNTIL=20270101",
                                  "FREQ=DAILY;INTERVAL=0"])
def test_rule_errors_are_plain_chinese(client, setting, fallback_compound, rule):
    _sign_in(client, setting.dispatcher)
    response = client.post_form(f"/plans/new/{fallback_compound.id}", _plan_form(setting, repeat="custom", rrule=rule,
                                                                                 action="preview"))
    html = response.get_data(as_text=True)
    rrule = html[html.index('id="rrule"'):]
    error = rrule[:rrule.index("</div>")]
    assert response.status_code == 400 and 'class="error"' in error
    for english in ("invalid", "unknown", "must be specified", "unpack", "index"):
        assert english not in error.lower()


def test_a_rule_with_until_in_utc_is_saved_and_shown_in_words(client, setting, fallback_compound, db):
    _end_the_default_plans(db)
    _sign_in(client, setting.dispatcher)
    response = client.post_form(f"/plans/new/{fallback_compound.id}", _plan_form(
        setting, repeat="custom", rrule="FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270301T000000Z"))
    assert response.status_code == 302
    page = client.get(f"/plans/compound/{fallback_compound.id}").get_data(as_text=True)
    assert "每周二、四，至2027年3月1日" in page
