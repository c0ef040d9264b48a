"""seed-demo builds the seed article's district (and a city), deterministically."""
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


def test_city_scale(app, db):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--scale", "city"])
    assert result.exit_code == 0, result.output
    assert _count(db, Compound.id) == 2_000
    assert db.session.scalar(select(func.sum(Compound.households))) == 400_000
    assert 850 <= _count(db, User.id, User.role == "operator") <= 950


def test_unknown_scale_is_refused(app, db):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--scale", "province"])
    assert result.exit_code != 0 and "province" in result.output


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

