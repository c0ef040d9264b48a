"""The officials' overview: a few numbers, each computed once, in set-based queries.

Definitions (shown on the page too): a task is *due* once its window has ended; *completed* means
done, verified or sent back after being done; *on time* is field.queries.on_time_condition (finished
on the tablet by the end of the window); *missed* is the status the scheduler gives a task whose
window closed without completion; *first pass* is verified without ever being sent back.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from ..clock import local_today
from ..compounds.models import MANAGEMENT_MODES, Community, Compound, Subdistrict
from ..extensions import db
from ..field.queries import on_time_condition
from ..handovers.models import HANDOVER_STAGES, Handover
from ..plans.models import TASK_STATUSES, Task
from .periods import Period

COMPLETED = ("done", "verified", "rejected")


@dataclass
class Health:
    days: int
    due: int
    completed: int
    on_time: int
    missed: int
    verified: int
    first_pass: int

    def rate(self, part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def completion_rate(self):
        return self.rate(self.completed, self.due)

    @property
    def on_time_rate(self):
        return self.rate(self.on_time, self.due)

    @property
    def first_pass_rate(self):
        return self.rate(self.first_pass, self.verified)


def coverage() -> dict[str, tuple[int, int]]:
    """mode -> (compounds, households)."""
    rows = db.session.execute(select(Compound.management_mode, func.count(), func.coalesce(func.sum(
        Compound.households), 0)).group_by(Compound.management_mode)).all()
    found = {mode: (count, int(households)) for mode, count, households in rows}
    return {mode: found.get(mode, (0, 0)) for mode in MANAGEMENT_MODES}


def unmanaged_days(now: datetime) -> tuple[int, int]:
    """(average, longest) days without service among unmanaged compounds."""
    since = db.session.scalars(select(Compound.mode_since).where(Compound.management_mode == "unmanaged")).all()
    if not since:
        return 0, 0
    days = [(now - moment).days for moment in since]
    return round(sum(days) / len(days)), max(days)


# Every status but cancelled, spelled out: an IN list lets the (status, window_end) index serve the
# range, where `status <> 'cancelled'` would scan the whole task table.
COUNTED = tuple(status for status in TASK_STATUSES if status != "cancelled")


def due_between(start: datetime, end: datetime):
    """Tasks that came due in (start, end]: their window ended then and they were not cancelled."""
    return (Task.window_end <= end) & (Task.window_end > start) & Task.status.in_(COUNTED)


def outcome_conditions() -> dict:
    """Each figure's condition on a due task, by name: the health columns count them and the task
    list (/oversight/tasks) lists them, so a figure and the rows behind it cannot disagree."""
    completed = Task.status.in_(COMPLETED)
    on_time = completed & on_time_condition()
    return {"due": None, "completed": completed, "on_time": on_time, "not_on_time": ~on_time,
            "missed": Task.status == "missed", "verified": Task.status == "verified",
            "first_pass": (Task.status == "verified") & (Task.rejections == 0)}


# The outcomes a Health counts, in its field order after `due`.
COUNTED_OUTCOMES = ("completed", "on_time", "missed", "verified", "first_pass")


def health_columns() -> tuple:
    """The aggregates of Health after `days`, in its order; group them by anything (drill-down, crews)."""
    conditions = outcome_conditions()
    return (func.count(Task.id),
            *(func.sum(case((conditions[name], 1), else_=0)) for name in COUNTED_OUTCOMES))


def health(now: datetime, days: int) -> Health:
    """The last `days` days (today so far and the whole days before it), counted live: the pages read
    the same through rollups.area_health, and the tests hold the two equal."""
    return health_in(Period.last_days(days, now=now), now)


def health_in(period: Period, now: datetime) -> Health:
    start, end = period.bounds(now)
    return health_between(start, end, days=period.days)


def health_between(start: datetime, end: datetime, *, days: int | None = None) -> Health:
    """The service figures of the tasks that came due in (start, end]; the one place they are counted."""
    row = db.session.execute(select(*health_columns()).where(due_between(start, end))).one()
    return Health(days if days is not None else (end - start).days, *(int(value or 0) for value in row))


def overdue_condition(now: datetime):
    """Windows open now whose work has not started half an hour in."""
    return (Task.status == "scheduled") & (Task.window_start <= now - timedelta(minutes=30)) & (Task.window_end > now)


def overdue_now(now: datetime) -> int:
    return db.session.scalar(select(func.count()).where(overdue_condition(now)))


def handover_funnel() -> dict[str, int]:
    rows = dict(db.session.execute(select(Handover.stage, func.count()).group_by(Handover.stage)).all())
    return {stage: rows.get(stage, 0) for stage in HANDOVER_STAGES}


def by_subdistrict(service: dict[int, "Health"]) -> list[dict]:
    """Per subdistrict: compounds and households by mode, with the service figures given by id."""
    modes = db.session.execute(
        select(Subdistrict.id, Subdistrict.name, Compound.management_mode, func.count(),
               func.coalesce(func.sum(Compound.households), 0))
        .join(Community, Community.subdistrict_id == Subdistrict.id).join(Compound, Compound.community_id == Community.id)
        .group_by(Subdistrict.id, Subdistrict.name, Compound.management_mode)).all()
    rows: dict[int, dict] = {}
    for sid, name, mode, count, households in modes:
        row = rows.setdefault(sid, {"id": sid, "name": name, "compounds": 0, "households": 0,
                                    **{m: 0 for m in MANAGEMENT_MODES}})
        row["compounds"] += count
        row["households"] += int(households)
        row[mode] = count
    for sid, row in rows.items():
        health = service.get(sid)
        row["due"] = health.due if health else 0
        row["completion_rate"] = health.completion_rate if health else None
    return sorted(rows.values(), key=lambda r: r["name"])


def weekly_periods(now: datetime, weeks: int = 12) -> list[Period]:
    """The last `weeks` seven-day periods up to today, oldest first."""
    today = local_today(now)
    return [Period(today - timedelta(days=7 * i + 6), today - timedelta(days=7 * i)) for i in reversed(range(weeks))]
