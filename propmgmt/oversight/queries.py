"""The officials' overview: a few numbers, each computed once, in set-based queries.

What "due", "completed", "on time", "missed" and "first pass" mean is plans.outcomes' to say.
"""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..clock import local_today
from ..compounds.models import MANAGEMENT_MODES, Community, Compound, Subdistrict
from ..extensions import db
from ..handovers.models import HANDOVER_STAGES, Handover
from ..periods import Period
from ..plans.outcomes import Health, health_between, overdue_sql


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


def health(now: datetime, days: int) -> Health:
    """The last `days` days (today so far and the whole days before it), counted live: the pages read
    the same through rollups.area_health, and the tests hold the two equal."""
    return health_in(Period.last_days(days, now=now), now)


def health_in(period: Period, now: datetime) -> Health:
    start, end = period.bounds(now)
    return health_between(start, end, days=period.days)


def overdue_now(now: datetime) -> int:
    return db.session.scalar(select(func.count()).where(overdue_sql(now)))


def handover_funnel() -> dict[str, int]:
    rows = dict(db.session.execute(select(Handover.stage, func.count()).group_by(Handover.stage)).all())
    return {stage: rows.get(stage, 0) for stage in HANDOVER_STAGES}


def by_subdistrict(service: dict[int, "Health"]) -> list[dict]:
    """Per subdistrict: compounds and households by mode, with the service figures given by id."""
    modes = db.session.execute(
        select(Subdistrict.id, Subdistrict.name, Compound.management_mode, func.count(),
               func.coalesce(func.sum(Compound.households), 0))
        .join(Community, Community.subdistrict_id == Subdistrict.id)
        .join(Compound, Compound.community_id == Community.id)
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
