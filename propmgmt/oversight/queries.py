"""The officials' overview: a few numbers, each computed once, in set-based queries.

Definitions (shown on the page too): a task is *due* once its window has ended; *completed* means
done, verified or sent back after being done; *on time* is field.queries.on_time_condition (finished
on the tablet by the end of the window); *missed* is the status the scheduler gives a task whose
window closed without completion; *first pass* is verified without ever being sent back.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from ..complaints.models import Complaint
from ..compounds.models import MANAGEMENT_MODES, Community, Compound, Subdistrict
from ..extensions import db
from ..field.queries import on_time_condition
from ..handovers.models import HANDOVER_STAGES, Handover
from ..plans.models import TASK_STATUSES, Task

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


def health_columns() -> tuple:
    """The aggregates of Health after `days`, in its order; group them by anything (drill-down, crews)."""
    return (
        func.count(Task.id),
        func.sum(case((Task.status.in_(COMPLETED), 1), else_=0)),
        func.sum(case((Task.status.in_(COMPLETED) & on_time_condition(), 1), else_=0)),
        func.sum(case((Task.status == "missed", 1), else_=0)),
        func.sum(case((Task.status == "verified", 1), else_=0)),
        func.sum(case(((Task.status == "verified") & (Task.rejections == 0), 1), else_=0)),
    )


def health(now: datetime, days: int) -> Health:
    return health_between(now - timedelta(days=days), now, days=days)


def health_between(start: datetime, end: datetime, *, days: int | None = None) -> Health:
    """The service figures of the tasks that came due in (start, end]; the one place they are counted."""
    row = db.session.execute(select(*health_columns()).where(due_between(start, end))).one()
    return Health(days if days is not None else (end - start).days, *(int(value or 0) for value in row))


def overdue_now(now: datetime) -> int:
    """Windows open now whose work has not started half an hour in."""
    return db.session.scalar(select(func.count()).where(
        Task.status == "scheduled", Task.window_start <= now - timedelta(minutes=30), Task.window_end > now))


def handover_funnel() -> dict[str, int]:
    rows = dict(db.session.execute(select(Handover.stage, func.count()).group_by(Handover.stage)).all())
    return {stage: rows.get(stage, 0) for stage in HANDOVER_STAGES}


def open_complaints() -> int:
    return db.session.scalar(select(func.count()).where(Complaint.status.not_in(("resolved", "closed"))))


def by_subdistrict(now: datetime) -> list[dict]:
    """Per subdistrict: compounds and households by mode, and the last 30 days' completion."""
    modes = db.session.execute(
        select(Subdistrict.id, Subdistrict.name, Compound.management_mode, func.count(),
               func.coalesce(func.sum(Compound.households), 0))
        .join(Community, Community.subdistrict_id == Subdistrict.id).join(Compound, Compound.community_id == Community.id)
        .group_by(Subdistrict.id, Subdistrict.name, Compound.management_mode)).all()
    due = due_between(now - timedelta(days=30), now)
    service = {sid: (int(total), int(done or 0)) for sid, total, done in db.session.execute(
        select(Community.subdistrict_id, func.count(Task.id), func.sum(case((Task.status.in_(COMPLETED), 1), else_=0)))
        .join(Compound, Compound.id == Task.compound_id).join(Community, Community.id == Compound.community_id)
        .where(due).group_by(Community.subdistrict_id)).all()}
    rows: dict[int, dict] = {}
    for sid, name, mode, count, households in modes:
        row = rows.setdefault(sid, {"id": sid, "name": name, "compounds": 0, "households": 0,
                                    **{m: 0 for m in MANAGEMENT_MODES}})
        row["compounds"] += count
        row["households"] += int(households)
        row[mode] = count
    for sid, row in rows.items():
        total, done = service.get(sid, (0, 0))
        row["due"], row["completion_rate"] = total, round(100 * done / total, 1) if total else None
    return sorted(rows.values(), key=lambda r: r["name"])


def weekly_trend(now: datetime, weeks: int = 12) -> list[tuple[datetime, Health]]:
    """(week's end, Health) for the last `weeks` seven-day spans up to now, oldest first.

    One health_between per week (a fixed 12 statements, each an index range): at city scale on
    SQLite this beats one statement bucketing rows with CASE by half.
    """
    ends = [now - timedelta(days=7 * i) for i in reversed(range(weeks))]
    return [(end, health_between(end - timedelta(days=7), end, days=7)) for end in ends]
