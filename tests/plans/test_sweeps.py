"""Reminder sweeps: due soon, overdue, escalation — each written once, to the right people."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from propmgmt.assignments.services import approve_assignment, propose_assignment
from propmgmt.outbox.models import Notification
from propmgmt.plans.generation import generate_tasks
from propmgmt.plans.models import Task
from propmgmt.plans.transitions import mark_missed
from propmgmt.reminders.sweeps import ReminderPolicy, enqueue_task_reminders

from ..factories import CompoundFactory, UserFactory

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)  # 10:00 local


@pytest.fixture
def day(db, setting):
    """One compound in fallback with two operators in its crew; tasks generated for tomorrow."""
    compound = CompoundFactory(name="新华西街二区")
    assignment = propose_assignment(setting.official, compound, setting.proposal(
        start_date=date(2026, 11, 25), review_date=None), now=NOW)
    approve_assignment(setting.official, assignment, now=NOW)
    operators = [UserFactory(role="operator", crew=setting.crew) for _ in range(2)]
    generate_tasks(date(2026, 11, 26), now=NOW)
    cleaning = db.session.scalars(select(Task).where(Task.service_type_id == setting.types[0].id)
                                  .order_by(Task.window_start)).first()
    return {"task": cleaning, "operators": operators}


def _rows(db, **where):
    return db.session.scalars(select(Notification).filter_by(**where).order_by(Notification.recipient_id)).all()


def test_due_soon_goes_once_to_every_operator_of_the_crew(db, day):
    task = day["task"]  # 2026-11-26 07:00 local = 25th 23:00 UTC
    assert enqueue_task_reminders(now=task.window_start - timedelta(hours=2))["due_soon"] == 0
    result = enqueue_task_reminders(now=task.window_start - timedelta(minutes=20))
    assert result["due_soon"] >= 1
    rows = _rows(db, kind="due_soon", subject_id=task.id, channel="in_app")
    assert [r.recipient_id for r in rows] == sorted(u.id for u in day["operators"])
    assert rows[0].payload["compound"] == "新华西街二区" and rows[0].payload["service"] == "保洁"
    enqueue_task_reminders(now=task.window_start - timedelta(minutes=10))
    assert len(_rows(db, kind="due_soon", subject_id=task.id)) == 2


def test_an_assigned_operator_alone_is_reminded(db, day):
    task = day["task"]
    task.assignee_id = day["operators"][0].id
    db.session.flush()
    enqueue_task_reminders(now=task.window_start - timedelta(minutes=5))
    assert [r.recipient_id for r in _rows(db, kind="due_soon", subject_id=task.id)] == [day["operators"][0].id]


def test_overdue_then_escalation_to_dispatchers_then_to_the_leader(db, day, setting):
    task = day["task"]
    enqueue_task_reminders(now=task.window_start + timedelta(minutes=40))
    overdue = _rows(db, kind="overdue", subject_id=task.id)  # the crew's two operators and the dispatcher
    assert {r.recipient_id for r in overdue} == {*(u.id for u in day["operators"]), setting.dispatcher.id}
    after_window = task.window_end + timedelta(minutes=1)
    mark_missed(now=after_window)
    enqueue_task_reminders(now=after_window)
    assert [r.recipient_id for r in _rows(db, kind="escalation", subject_id=task.id)] == [setting.dispatcher.id]
    assert _rows(db, kind="escalation_leader", subject_id=task.id) == []
    enqueue_task_reminders(now=task.window_end + timedelta(hours=24, minutes=5))
    leader = _rows(db, kind="escalation_leader", subject_id=task.id)
    assert [r.recipient_id for r in leader] == [setting.official.id]
    enqueue_task_reminders(now=task.window_end + timedelta(hours=24, minutes=6))
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.subject_id == task.id, Notification.subject_type == "task")) == 3 + 1 + 1


def test_due_soon_without_anyone_to_do_it_goes_to_the_dispatchers(db, day, setting):
    task = day["task"]
    task.crew_id = None
    db.session.flush()
    enqueue_task_reminders(now=task.window_start - timedelta(minutes=5))
    assert [r.recipient_id for r in _rows(db, kind="due_soon", subject_id=task.id)] == [setting.dispatcher.id]


def test_a_started_task_is_not_overdue(db, day):
    task = day["task"]
    task.status = "in_progress"
    db.session.flush()
    enqueue_task_reminders(now=task.window_start + timedelta(minutes=40))
    assert _rows(db, kind="overdue", subject_id=task.id) == []


def test_policy_comes_from_config(app):
    policy = ReminderPolicy.from_config({**app.config, "REMIND_DUE_SOON_MINUTES": 45})
    assert policy.due_soon_minutes == 45 and policy.leader_after_hours == 24


def test_the_sweep_runs_as_many_statements_for_many_due_tasks_as_for_one(db, day, setting, count_queries):
    """Each due task used to look up whether a webhook exists (one statement per task in the sweep)."""
    from ..factories import TaskFactory

    task = day["task"]
    at = task.window_start - timedelta(minutes=20)

    def sweep() -> int:
        db.session.execute(Notification.__table__.delete())
        with count_queries() as counted:
            enqueue_task_reminders(now=at)
        return counted.count

    one = sweep()
    for _ in range(8):
        TaskFactory(compound=task.compound, service_type_id=task.service_type_id, crew_id=task.crew_id,
                    end=task.window_end)
    db.session.flush()
    assert sweep() == one
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "due_soon", Notification.channel == "in_app")) >= 9 * 2


def test_mark_missed_seeks_the_open_tasks_index_on_either_database(db, day):
    """With nothing due it must not walk what closed tasks left in the status indexes (PostgreSQL did,
    17 ms at city scale and growing): there it seeks ix_task_open_window_end; SQLite, which keeps no
    dead entries, seeks its covering (status, window end) index."""
    from sqlalchemy import event

    seen = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("UPDATE TASK"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        point = db.session.begin_nested()
        assert mark_missed(now=NOW) == 0
        point.rollback()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    (statement, parameters), = seen
    cursor = db.session.connection().connection.cursor()
    explain = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    cursor.execute(explain + statement, parameters)
    plan = " ".join(str(cell) for row in cursor.fetchall() for cell in row)
    if db.engine.dialect.name == "sqlite":
        assert "SEARCH task USING" in plan and "window_end<" in plan, plan
    else:
        assert "ix_task_open_window_end" in plan, plan
    day["task"].window_end = NOW - timedelta(minutes=1)  # and it still finds what is due
    day["task"].window_start = NOW - timedelta(hours=1)
    db.session.flush()
    assert mark_missed(now=NOW) == 1 and day["task"].status == "missed"
