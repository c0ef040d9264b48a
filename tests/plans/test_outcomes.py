"""plans.outcomes: each outcome's SQL condition and its Python twin pick the same tasks; and a transition."""
from datetime import datetime, timedelta, timezone
from itertools import product

import pytest
from sqlalchemy import select

from propmgmt.plans.models import TASK_STATUSES, Task
from propmgmt.plans.outcomes import OUTCOMES, due_between, has_outcome, is_due, is_overdue, outcome_sql, overdue_sql

from ..factories import CompoundFactory, ServiceTypeFactory, TaskFactory

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)


def test_sql_and_python_agree_on_every_kind_of_task(db):
    compound, cleaning = CompoundFactory(management_mode="fallback"), ServiceTypeFactory()
    tasks = []
    # every status, finished before / after its window's end / never, with and without a redo,
    # windows ended, open (started 10 or 40 minutes ago) and in the future
    for status, finished, rejections, ends_in in product(TASK_STATUSES, (-10, 30, None), (0, 1), (-60, 110, 80, 300)):
        tasks.append(TaskFactory(compound=compound, service_type=cleaning, status=status, finished=finished,
                                 rejections=rejections, end=NOW + timedelta(minutes=ends_in)))
    start = NOW - timedelta(days=1)
    due_ids = set(db.session.scalars(select(Task.id).where(due_between(start, NOW))))
    assert due_ids == {t.id for t in tasks if is_due(t, NOW)} and due_ids
    for name in OUTCOMES:
        condition = outcome_sql(name)
        query = select(Task.id).where(due_between(start, NOW), *([condition] if condition is not None else []))
        assert set(db.session.scalars(query)) == {t.id for t in tasks if is_due(t, NOW) and has_outcome(t, name)}, name
    overdue = set(db.session.scalars(select(Task.id).where(overdue_sql(NOW))))
    assert overdue == {t.id for t in tasks if is_overdue(t, NOW)} and overdue


def test_only_work_nobody_started_is_reassigned(db, now):
    from propmgmt.errors import Conflict
    from propmgmt.plans.transitions import reassign_task

    from ..factories import UserFactory

    first, second = UserFactory(role="operator"), UserFactory(role="operator")
    waiting = TaskFactory(status="scheduled", assignee_id=first.id)
    started = TaskFactory(status="in_progress", assignee_id=first.id)
    reassign_task(None, waiting, assignee_id=second.id, crew_id=None, now=now)
    assert waiting.assignee_id == second.id
    with pytest.raises(Conflict):
        reassign_task(None, started, assignee_id=second.id, crew_id=None, now=now)
    assert started.assignee_id == first.id
