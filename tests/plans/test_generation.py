"""Task generation from plans: the expected occurrences, exactly once, whatever happens."""
import threading
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from propmgmt.assignments.services import approve_assignment, propose_assignment
from propmgmt.extensions import db as _db
from propmgmt.plans.generation import generate_tasks
from propmgmt.plans.models import ServicePlan, ServiceStandard, Task
from propmgmt.plans.transitions import mark_missed

from ..concurrency import wipe
from ..factories import CompoundFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai


def _count(db, *where):
    return db.session.scalar(select(func.count(Task.id)).where(*where))


@pytest.fixture
def plans(db, setting):
    """An approved assignment from 2026-11-25: cleaning 07:00–09:00, garbage 07:00–08:30 and 18:00–19:30."""
    assignment = propose_assignment(setting.official, CompoundFactory(), setting.proposal(
        start_date=date(2026, 11, 25), review_date=None), now=NOW)
    approve_assignment(setting.official, assignment, now=NOW, generate=False)  # the generator alone, below
    return db.session.scalars(select(ServicePlan).where(ServicePlan.assignment_id == assignment.id)
                              .order_by(ServicePlan.service_type_id)).all()


def test_generates_every_window_of_every_day_in_local_time(db, plans):
    result = generate_tasks(date(2026, 11, 27), now=NOW)
    # Today the morning windows are over (no obligation any more); the evening one is not.
    assert result["created"] == 1 + 3 + 3
    first_evening = db.session.scalars(select(Task).order_by(Task.window_start)).first()
    assert first_evening.window_start == datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)  # 18:00 local
    assert first_evening.window_end == datetime(2026, 11, 25, 11, 30, tzinfo=timezone.utc)
    cleaning = db.session.scalars(select(Task).where(Task.plan_id == plans[0].id).order_by(Task.window_start)).all()
    assert [t.window_start for t in cleaning] == [datetime(2026, 11, 25, 23, 0, tzinfo=timezone.utc),
                                                  datetime(2026, 11, 26, 23, 0, tzinfo=timezone.utc)]
    assert {t.crew_id for t in cleaning} == {plans[0].crew_id}
    assert {t.status for t in cleaning} == {"scheduled"}


def test_running_twice_creates_nothing_new(db, plans):
    generate_tasks(date(2026, 12, 8), now=NOW)
    before = _count(db)
    assert generate_tasks(date(2026, 12, 8), now=NOW)["created"] == 0
    assert _count(db) == before == 1 + 13 * 3


def test_a_run_killed_half_way_leaves_no_gap_and_no_duplicate(db, plans):
    class Killed(Exception):
        pass

    def die_after_first_batch(created):
        db.session.commit()
        raise Killed

    with pytest.raises(Killed):
        generate_tasks(date(2026, 12, 8), now=NOW, batch_size=5, checkpoint=die_after_first_batch)
    assert 0 < _count(db) < 40
    generate_tasks(date(2026, 12, 8), now=NOW)
    assert _count(db) == 40
    duplicates = db.session.execute(select(Task.plan_id, Task.window_start).group_by(
        Task.plan_id, Task.window_start).having(func.count() > 1)).all()
    assert duplicates == []


def test_skip_dates_end_date_and_pause(db, plans):
    cleaning, sorting = plans
    cleaning.skip_dates = ["2026-11-26"]
    cleaning.ends_on = date(2026, 11, 27)
    sorting.status = "paused"
    db.session.flush()
    generate_tasks(date(2026, 11, 30), now=NOW)
    days = [t.window_start.astimezone().date() for t in db.session.scalars(select(Task))]
    assert _count(db, Task.plan_id == sorting.id) == 0
    assert _count(db, Task.plan_id == cleaning.id) == 1  # 25th morning is over, 26th skipped, 27th only
    assert len(days) == 1


def test_tasks_keep_the_standard_version_they_were_made_with(db, plans):
    generate_tasks(date(2026, 11, 26), now=NOW)
    old = db.session.scalars(select(Task).where(Task.plan_id == plans[0].id)).one()
    first_version = old.standard_id
    new = ServiceStandard(service_type_id=plans[0].service_type_id, version=2, checklist=["新清单"],
                          photo_required=False, default_rrule="FREQ=DAILY",
                          default_windows=[{"start": "07:00", "end": "09:00"}])
    db.session.add(new)
    db.session.flush()
    generate_tasks(date(2026, 11, 28), now=NOW)
    later = db.session.scalars(select(Task).where(Task.plan_id == plans[0].id, Task.id != old.id)).all()
    assert {t.standard_id for t in later} == {new.id}
    db.session.refresh(old)
    assert old.standard_id == first_version


def test_mark_missed(db, plans):
    generate_tasks(date(2026, 11, 26), now=NOW)
    tasks = db.session.scalars(select(Task).order_by(Task.window_start)).all()
    evening, tomorrow = tasks[0], tasks[1]
    tomorrow.status = "in_progress"
    db.session.flush()
    after_evening = evening.window_end + timedelta(minutes=1)
    assert mark_missed(now=after_evening) == 1
    assert mark_missed(now=after_evening) == 0
    assert mark_missed(now=tomorrow.window_end + timedelta(hours=1)) == 1  # the other one of that morning
    db.session.refresh(tomorrow)
    assert tomorrow.status == "in_progress"  # may still sync from a tablet that was offline
    assert mark_missed(now=tomorrow.window_end + timedelta(hours=13)) == 2  # with that evening's
    db.session.refresh(tomorrow)
    assert (evening.status, tomorrow.status) == ("missed", "missed")


@pytest.fixture
def committed_plans(app):
    from propmgmt.assignments.services import Proposal

    from ..factories import (
        CrewFactory,
        FallbackOperatorFactory,
        ServiceStandardFactory,
        ServiceTypeFactory,
        UserFactory,
    )

    with app.app_context():
        operator = FallbackOperatorFactory()
        types = [ServiceStandardFactory().service_type, ServiceStandardFactory(
            service_type=ServiceTypeFactory(code="garbage_sorting", name_zh="垃圾分类督导"),
            default_windows=[{"start": "07:00", "end": "08:30"}, {"start": "18:00", "end": "19:30"}]).service_type]
        official = UserFactory(role="official")
        crew = CrewFactory(organisation=operator)
        for _ in range(5):
            assignment = propose_assignment(official, CompoundFactory(), Proposal(
                decision_no="文号", reason="", service_type_ids=[t.id for t in types], leader_id=official.id,
                start_date=date(2026, 11, 25), review_date=None, crew_id=crew.id), now=NOW)
            approve_assignment(official, assignment, now=NOW, generate=False)
        _db.session.commit()
        _db.session.remove()
    yield
    wipe(app)


def test_two_generators_at_once_create_each_task_exactly_once(app, committed_plans):
    barrier = threading.Barrier(2)
    errors = []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                generate_tasks(date(2026, 12, 8), now=NOW, batch_size=20,
                               checkpoint=lambda created: _db.session.commit())
                _db.session.commit()
            except Exception as error:  # surfaced below
                errors.append(error)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context():
        assert _db.session.scalar(select(func.count(Task.id))) == 5 * 40
        assert _db.session.execute(select(Task.plan_id, Task.window_start).group_by(
            Task.plan_id, Task.window_start).having(func.count() > 1)).all() == []


def test_approving_an_assignment_makes_its_first_tasks_at_once(db, setting, app):
    """The crew sees the new compound's work right away, not after the scheduler's next run."""
    assignment = propose_assignment(setting.official, CompoundFactory(), setting.proposal(
        start_date=date(2026, 11, 25), review_date=None), now=NOW)
    approve_assignment(setting.official, assignment, now=NOW)
    tasks = db.session.scalars(select(Task).order_by(Task.window_start)).all()
    horizon = app.config["PROPMGMT_HORIZON_DAYS"]
    assert tasks and tasks[0].window_start == datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)  # 18:00 today
    last_day = max(t.window_start for t in tasks).astimezone(SHANGHAI).date()
    assert last_day == date(2026, 11, 25) + timedelta(days=horizon)
    assert generate_tasks(date(2026, 11, 25) + timedelta(days=horizon), now=NOW)["created"] == 0


def test_approving_many_at_once_makes_the_tasks_of_all(db, setting):
    from propmgmt.assignments.services import propose_assignments
    compounds = [CompoundFactory(), CompoundFactory()]
    propose_assignments(setting.official, [c.id for c in compounds], setting.proposal(
        start_date=date(2026, 11, 25), review_date=None), now=NOW, approve=True)
    assert {t.compound_id for t in db.session.scalars(select(Task))} == {c.id for c in compounds}


def test_the_jobs_commit_after_each_batch_reloads_no_plan(db, setting, count_queries):
    """Each checkpoint commits (as the scheduler job does); the plans still to be read must not be
    re-read one by one after it: the statements do not grow with the number of plans."""
    from ..factories import ServicePlanFactory

    def run(plans: int) -> int:
        created = [ServicePlanFactory(crew=setting.crew, starts_on=date(2026, 11, 25)) for _ in range(plans)]
        db.session.flush()
        ids = [p.id for p in created]
        with count_queries() as counted:
            result = generate_tasks(date(2026, 11, 28), now=NOW, batch_size=3, plan_ids=ids,
                                    checkpoint=lambda n: db.session.commit())
        assert result["created"] == plans * 3
        return sum(1 for statement in counted.statements if "FROM service_plan" in statement)

    assert run(4) == run(12) == 2  # the plans, and their latest tasks


def test_a_batch_of_tasks_is_one_insert_statement_whatever_its_size(db, setting, count_queries):
    """The rows go to the driver's executemany as one statement, prepared once: not a multi-row VALUES
    per 1,000 rows, which PostgreSQL parsed afresh each time (a fifth of a 10x city day)."""
    from ..factories import ServicePlanFactory

    ids = [ServicePlanFactory(crew=setting.crew, starts_on=date(2026, 11, 25)).id for _ in range(40)]
    db.session.flush()
    with count_queries() as counted:
        result = generate_tasks(date(2026, 12, 31), now=NOW, plan_ids=ids)
    assert result["created"] == 40 * 36 > 1000
    inserts = [statement for statement in counted.statements if statement.lstrip().startswith("INSERT")]
    assert len(inserts) == 1 and inserts[0].count("VALUES") == 1 and "RETURNING" not in inserts[0]
    assert _count(db, Task.plan_id.in_(ids)) == 40 * 36
    assert generate_tasks(date(2026, 12, 31), now=NOW, plan_ids=ids)["created"] == 0
