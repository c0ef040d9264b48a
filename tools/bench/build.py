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

import flask_migrate
from sqlalchemy import JSON, func, insert, literal, select, text

from propmgmt.clock import district_tz
from propmgmt.demo.history import build_history, insert_from
from propmgmt.demo.seed import seed_demo
from propmgmt.extensions import db
from propmgmt.models import Assignment, Compound, Crew, ServicePlan, ServiceStandard, Task, User
from propmgmt.outbox.models import Notification
from propmgmt.oversight.rollups import refresh_rollups
from propmgmt.plans.generation import latest_standards

# The benchmark's fixed "today" (district time): history ends the day before, so every figure
# is measured against the same data whatever the real date.
TODAY = date(2026, 6, 1)
HISTORY_DAYS = 365
# Days of history each scale of the bench is built with: ten cities' year would be 20 million tasks and
# hours of building on the 2-core machine; a month shows the generator's behaviour as well (its lookups
# are per plan, not per past task).
BENCH_SCALES = {"city": HISTORY_DAYS, "10x": 30}
COMMIT_EVERY_DAYS = 30


def recipe(scale: str = "city") -> str:
    """What a bench database holds; a database built by another recipe is built again."""
    return f"{scale} seed, {BENCH_SCALES[scale]} days of history before {TODAY}, former plans, v2"



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
    tasks = build_history(today - timedelta(days=history_days), history_days, commit_every=COMMIT_EVERY_DAYS,
                          # One line that updates in place, ended at each commit.
                          progress=lambda day, tasks: progress(
                              f"history: day {day}/{history_days}, {tasks:,} tasks, "
                              f"{clock.perf_counter() - started:.0f} s",
                              day % COMMIT_EVERY_DAYS == 0 or day == history_days))
    reminders = _insert_history_reminders(today)
    db.session.commit()
    progress(f"history reminders: {reminders:,} escalations already sent for missed tasks")
    # What the scheduler's refresh_rollups job has done on a server that ran through the year.
    rolled = refresh_rollups(local(today, 0), backfill=history_days + 1)
    db.session.commit()
    progress(f"rolled up {rolled['days']} days of service figures")
    # What autovacuum (PostgreSQL) or the scheduler's analyze job (SQLite) gives a running server;
    # without table statistics the planners guess, and badly.
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
    else:
        db.session.execute(text("PRAGMA analysis_limit=2000"))
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
            written += insert_from(Notification.__table__, [
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
