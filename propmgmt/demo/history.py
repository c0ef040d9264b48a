"""Past service, built in SQL for the demo (`seed-demo --history-days N`) and the benchmark's year.

One INSERT ... SELECT per day and window over the active plans, so a year of a city takes seconds.
Outcomes follow a fixed spread per plan, day and window: most verified, some done but not yet
verified, some sent back, some finished late, a few missed.
"""
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import case, insert, literal, null, or_, select

from ..extensions import db
from ..models import ServicePlan, Task
from ..plans.generation import latest_standards
from ..plans.recurrence import parse_windows

# How past tasks ended, in percent (the rest are verified); LATE of the finished ones ended late,
# REDONE of the others were sent back once first.
MISSED, REJECTED, DONE, LATE, REDONE = 4, 1, 5, 6, 8


def build_history(first: date, days: int, *, progress: Callable[[int, int], None] = lambda day, tasks: None,
                  commit_every: int = 30) -> int:
    """Tasks of every plan in force for `days` days from `first`; commits every `commit_every` days."""
    groups, standards, tasks = plan_groups(), latest_standards(), 0
    for n in range(days):
        tasks += insert_history_day(first + timedelta(days=n), n, groups, standards)
        if (n + 1) % commit_every == 0 or n + 1 == days:
            db.session.commit()
        progress(n + 1, tasks)
    return tasks


def plan_groups() -> dict[tuple, list[int]]:
    """(service type, windows, time zone) -> plan ids. The seed's plans are all daily."""
    groups: dict[tuple, list[int]] = {}
    for plan_id, type_id, rrule, windows, tz in db.session.execute(select(
            ServicePlan.id, ServicePlan.service_type_id, ServicePlan.rrule, ServicePlan.windows,
            ServicePlan.timezone)):
        if rrule != "FREQ=DAILY":
            raise RuntimeError(f"plan {plan_id} is not daily ({rrule}); the bench history assumes daily plans")
        key = (type_id, tuple((w["start"], w["end"]) for w in windows), tz)
        groups.setdefault(key, []).append(plan_id)
    return groups


def insert_history_day(day: date, n: int, groups: dict[tuple, list[int]], standards: dict[int, int]) -> int:
    plan = ServicePlan.__table__
    created = 0
    for (type_id, windows, tz), plan_ids in groups.items():
        for w, window in enumerate(parse_windows([{"start": s, "end": e} for s, e in windows])):
            start = datetime.combine(day, window.start, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)
            end = datetime.combine(day, window.end, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)
            # A fixed spread of outcomes, different per plan, day and window.
            pick = (plan.c.id * 37 + n * 61 + w * 13) % 100
            status = case((pick < MISSED, "missed"), (pick < MISSED + REJECTED, "rejected"),
                          (pick < MISSED + REJECTED + DONE, "done"), else_="verified")
            late = (plan.c.id * 17 + n * 29 + w * 7) % 100 < LATE
            completed_at = case((pick < MISSED, null()), (late, _at(end + timedelta(minutes=25))),
                                else_=_at(end - timedelta(minutes=20)))
            verified_at = case((pick < MISSED + REJECTED + DONE, null()), else_=_at(end + timedelta(hours=2)))
            # Sent back once before being verified (or still waiting for the redo, for "rejected").
            redone = case((pick < MISSED, 0), (pick < MISSED + REJECTED, 1),
                          ((plan.c.id * 11 + n * 3 + w) % 100 < REDONE, 1), else_=0)
            rows = select(
                plan.c.id, plan.c.compound_id, plan.c.service_type_id, literal(standards.get(type_id)),
                plan.c.crew_id, plan.c.operator_id, _at(start), _at(end), status, completed_at,
                completed_at, literal(False), literal(""), verified_at, literal(""), redone,
                _at(start - timedelta(days=1)),
            ).where(plan.c.id.in_(plan_ids), plan.c.starts_on <= day,
                    or_(plan.c.ends_on.is_(None), plan.c.ends_on >= day))
            created += insert_from(Task.__table__, [
                "plan_id", "compound_id", "service_type_id", "standard_id", "crew_id", "assignee_id",
                "window_start", "window_end", "status", "completed_at", "device_completed_at",
                "recorded_offline", "note", "verified_at", "rejection_reason", "rejections", "created_at"], rows)
    return created


def _at(value: datetime):
    return literal(value, Task.__table__.c.window_start.type)


def insert_from(table, columns: list[str], rows) -> int:
    """INSERT ... SELECT; returns how many rows it wrote (the driver forgets unless asked)."""
    statement = insert(table).from_select(columns, rows).execution_options(preserve_rowcount=True)
    return db.session.execute(statement).rowcount
