"""Building the benchmark's city: the demo city seed, then a year of task and reminder history.

The history is generated in SQL (one INSERT ... SELECT per day and window), so a million rows
take seconds, not the minutes a row-per-round-trip loop would. It covers every compound of the
city, about 2.2 million tasks as the issue reckons: the ~900 compounds under fallback through
their active plans, the others through plans that ended yesterday (they have since left fallback
service). Ended plans make no new tasks, so they only add weight to the task table.
"""
import time as clock
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import flask_migrate
from sqlalchemy import JSON, case, func, insert, literal, null, or_, select, text

from ..clock import district_tz
from ..demo.seed import seed_demo
from ..extensions import db
from ..models import Assignment, Compound, Crew, ServicePlan, ServiceStandard, Task, User
from ..plans.generation import latest_standards
from ..plans.recurrence import parse_windows
from ..reminders.models import Notification

# The benchmark's fixed "today" (district time): history ends the day before, so every figure
# is measured against the same data whatever the real date.
TODAY = date(2026, 6, 1)
HISTORY_DAYS = 365
RECIPE = f"city seed, {HISTORY_DAYS} days of history before {TODAY}, former plans, v1"
# How history tasks ended, in percent (the rest are verified).
MISSED, REJECTED, DONE = 4, 1, 5
COMMIT_EVERY_DAYS = 30


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in the district as aware UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=district_tz()).astimezone(timezone.utc)


def build_city(progress: Callable[..., None], *, today: date = TODAY, scale: str = "city",
               history_days: int = HISTORY_DAYS) -> dict:
    """Migrates, seeds and fills the (empty) current database, committing as it goes.

    `progress(text, done=True)`: done=False marks a line the next one may overwrite. The history
    ends the day before `today` (the benchmark's fixed day; `make load` builds up to the real one).
    """
    started = clock.perf_counter()
    flask_migrate.upgrade()
    progress(f"seeding the {scale} ...")
    seed = seed_demo(scale, now=local(today - timedelta(days=1), 0))
    db.session.commit()
    former = _add_former_plans(today, history_days)
    db.session.commit()
    progress(f"seeded {seed['compounds']:,} compounds ({seed['fallback']:,} under fallback), "
             f"{former:,} former plans")
    first = today - timedelta(days=history_days)
    groups = _plan_groups()
    standards = latest_standards()
    tasks = 0
    for n in range(history_days):
        tasks += _insert_history_day(first + timedelta(days=n), n, groups, standards)
        if (n + 1) % COMMIT_EVERY_DAYS == 0 or n + 1 == history_days:
            db.session.commit()
        # One line that updates in place, ended at each commit.
        progress(f"history: day {n + 1}/{history_days}, {tasks:,} tasks, {clock.perf_counter() - started:.0f} s",
                 (n + 1) % COMMIT_EVERY_DAYS == 0 or n + 1 == history_days)
    reminders = _insert_history_reminders(today)
    db.session.commit()
    progress(f"history reminders: {reminders:,} escalations already sent for missed tasks")
    if db.engine.dialect.name == "postgresql":
        # What autovacuum gives a running server; without it the planner guesses (and badly).
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {"tasks": tasks, "seconds": clock.perf_counter() - started}


def _add_former_plans(today: date, history_days: int) -> int:
    """Daily plans, ended yesterday, for every compound not under fallback now."""
    compounds = db.session.scalars(select(Compound.id).where(Compound.management_mode != "fallback")
                                   .order_by(Compound.id)).all()
    crews = db.session.scalars(select(Crew.id).order_by(Crew.id)).all()
    standards = db.session.execute(select(ServiceStandard.service_type_id, ServiceStandard.default_rrule,
                                          ServiceStandard.default_windows)
                                   .where(ServiceStandard.id.in_(latest_standards().values()))).all()
    rows = [
        {"compound_id": compound_id, "service_type_id": type_id, "crew_id": crews[i % len(crews)],
         "rrule": rrule, "windows": windows, "timezone": str(district_tz()),
         "starts_on": today - timedelta(days=history_days), "ends_on": today - timedelta(days=1),
         "skip_dates": [], "status": "ended", "created_at": local(today - timedelta(days=history_days), 0)}
        for i, compound_id in enumerate(compounds) for type_id, rrule, windows in standards
    ]
    if rows:
        db.session.execute(insert(ServicePlan), rows)
    return len(rows)


def _plan_groups() -> dict[tuple, list[int]]:
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


def _insert_history_day(day: date, n: int, groups: dict[tuple, list[int]], standards: dict[int, int]) -> int:
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
            completed_at = case((pick < MISSED, null()), else_=_at(end - timedelta(minutes=20)))
            verified_at = case((pick < MISSED + REJECTED + DONE, null()), else_=_at(end + timedelta(hours=2)))
            rows = select(
                plan.c.id, plan.c.compound_id, plan.c.service_type_id, literal(standards.get(type_id)),
                plan.c.crew_id, plan.c.operator_id, _at(start), _at(end), status, completed_at,
                completed_at, literal(False), literal(""), verified_at, literal(""),
                _at(start - timedelta(days=1)),
            ).where(plan.c.id.in_(plan_ids), plan.c.starts_on <= day,
                    or_(plan.c.ends_on.is_(None), plan.c.ends_on >= day))
            created += _insert_from(Task.__table__, [
                "plan_id", "compound_id", "service_type_id", "standard_id", "crew_id", "assignee_id",
                "window_start", "window_end", "status", "completed_at", "device_completed_at",
                "recorded_offline", "note", "verified_at", "rejection_reason", "created_at"], rows)
    return created


def _at(value: datetime):
    return literal(value, Task.__table__.c.window_start.type)


def _insert_from(table, columns: list[str], rows) -> int:
    """INSERT ... SELECT; returns how many rows it wrote (the driver forgets unless asked)."""
    statement = insert(table).from_select(columns, rows).execution_options(preserve_rowcount=True)
    return db.session.execute(statement).rowcount


def _insert_history_reminders(today: date) -> int:
    """Every missed history task was escalated to the dispatchers and the responsible leader."""
    dispatchers = db.session.scalars(select(User.id).where(User.role == "dispatcher", User.active)).all()
    leader = db.session.scalar(select(Assignment.responsible_leader_id).limit(1))
    written = 0
    for kind, recipients in (("escalation", dispatchers), ("escalation_leader", [leader] if leader else [])):
        for recipient in recipients:
            rows = select(
                literal("task"), Task.id, literal(kind), literal("in_app"), literal(recipient),
                literal(f"user:{recipient}"), literal({}, JSON), literal("sent"), literal(1), literal(""),
                Task.window_end, Task.window_end, Task.window_end,
            ).where(Task.status == "missed", Task.window_start < local(today, 0))
            written += _insert_from(Notification.__table__, [
                "subject_type", "subject_id", "kind", "channel", "recipient_id", "recipient_key", "payload",
                "status", "attempts", "last_error", "next_attempt_at", "sent_at", "created_at"], rows)
    return written


def row_counts() -> dict[str, int]:
    """What the bench database holds (before and after measuring: measurements leave no trace)."""
    plans = dict(db.session.execute(select(ServicePlan.status, func.count()).group_by(ServicePlan.status)).all())
    tasks = dict(db.session.execute(select(Task.status, func.count()).group_by(Task.status)).all())
    return {
        "compounds": db.session.scalar(select(func.count(Compound.id))),
        "active plans": plans.get("active", 0),
        "former plans": plans.get("ended", 0),
        "operators": db.session.scalar(select(func.count(User.id)).where(User.role == "operator")),
        "tasks": sum(tasks.values()),
        **{f"  {status}": count for status, count in sorted(tasks.items())},
        "notifications": db.session.scalar(select(func.count(Notification.id))),
    }
