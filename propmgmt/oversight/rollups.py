"""Keeping the daily rollups (models.py) and reading the service figures from them.

A period's figures are the rollup rows of its clean days plus a live count of the rest: today, the
days marked stale by the triggers, and days not rolled up yet. So the answer always equals the live
count (tests/oversight/test_rollups.py checks it); the rollups only make it cheaper.
"""
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Date, delete, func, insert, literal, select, text

from ..clock import local_to_utc, local_today, to_local
from ..compounds.models import Community, Compound
from ..extensions import db
from ..periods import Period
from ..plans.models import Task
from ..plans.outcomes import FIGURES, Health, due_between, health_columns
from .models import RollupDay, RollupStale, ServiceDayArea, ServiceDayCompound, ServiceDayCrew

ALL = "all"  # the stale key written when a compound or community moves: every day is stale
BACKFILL_DAYS = 62  # days rolled up per refresh that were never rolled up (newest first)
_LOCK = 7_300_009  # the PostgreSQL advisory lock that serialises refreshes


def day_bounds(day: date) -> tuple[datetime, datetime]:
    return local_to_utc(day, time(0)), local_to_utc(day + timedelta(days=1), time(0))


def stale_local_days() -> set[date] | None:
    """The local days whose rollup may be out of date, or None when every day is."""
    keys = db.session.scalars(select(RollupStale.utc_day)).all()
    if ALL in keys:
        return None
    return {day for key in keys for day in _local_days_of(key)}


def _local_days_of(utc_key: str) -> set[date]:
    """The local days a UTC day overlaps (two, east or west of Greenwich)."""
    utc_day = datetime.combine(date.fromisoformat(utc_key), time(0), tzinfo=timezone.utc)
    return {to_local(utc_day).date(), to_local(utc_day + timedelta(days=1, microseconds=-1)).date()}


# --- keeping them ----------------------------------------------------------------------------------

def refresh_rollups(now: datetime, backfill: int = BACKFILL_DAYS) -> dict:
    """Recomputes the stale days before today, then backfills days never rolled up. Idempotent; the
    caller commits. Claiming a mark deletes it first, so a task changed meanwhile marks its day again."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
    today = local_today(now)
    days: set[date] = set()
    if db.session.get(RollupStale, ALL) is not None:
        db.session.execute(delete(RollupStale).where(RollupStale.utc_day == ALL))
        db.session.execute(delete(RollupDay))  # all rebuilt by the backfill, read live until then
    # A UTC day up to the UTC date of today's local midnight ends before today ends: claimed, its days
    # before today recomputed. The one that straddles today's midnight also stands for today, which is
    # never rolled up (read live, and backfilled tomorrow as a day never rolled): keeping its mark left
    # yesterday read live all day, since every early-morning task of today marks it.
    through = day_bounds(today)[0].date().isoformat()
    for key in db.session.scalars(delete(RollupStale).where(RollupStale.utc_day <= through)
                                  .returning(RollupStale.utc_day)).all():
        days |= _local_days_of(key)
    days = {day for day in days if day < today}
    days |= set(_never_rolled(today, backfill))
    for day in sorted(days):
        _compute_day(day, now)
    return {"days": len(days)}


def _never_rolled(today: date, limit: int) -> list[date]:
    first_end = db.session.scalar(select(func.min(Task.window_end)))
    if first_end is None:
        return []
    first = to_local(first_end).date()
    rolled = set(db.session.scalars(select(RollupDay.day).where(RollupDay.day >= first)))
    missing, day = [], today - timedelta(days=1)
    while day >= first and len(missing) < limit:
        if day not in rolled:
            missing.append(day)
        day -= timedelta(days=1)
    return missing


def _compute_day(day: date, now: datetime) -> None:
    due = due_between(*day_bounds(day))
    the_day = literal(day, Date)
    for model in (ServiceDayArea, ServiceDayCrew, ServiceDayCompound, RollupDay):
        db.session.execute(delete(model).where(model.day == day))
    db.session.execute(insert(ServiceDayArea).from_select(
        ["day", "subdistrict_id", *FIGURES],
        select(the_day, Community.subdistrict_id, *health_columns())
        .join(Compound, Compound.id == Task.compound_id).join(Community, Community.id == Compound.community_id)
        .where(due).group_by(Community.subdistrict_id)))
    db.session.execute(insert(ServiceDayCrew).from_select(
        ["day", "crew_id", "assignee_id", "service_type_id", *FIGURES],
        select(the_day, Task.crew_id, Task.assignee_id, Task.service_type_id, *health_columns())
        .where(due).group_by(Task.crew_id, Task.assignee_id, Task.service_type_id)))
    db.session.execute(insert(ServiceDayCompound).from_select(
        ["day", "compound_id", "service_type_id", "crew_id", *FIGURES],
        select(the_day, Task.compound_id, Task.service_type_id, Task.crew_id, *health_columns())
        .where(due).group_by(Task.compound_id, Task.service_type_id, Task.crew_id)))
    db.session.add(RollupDay(day=day, computed_at=now, version=uuid.uuid4().hex))
    db.session.flush()


# --- reading them ----------------------------------------------------------------------------------

class DaySplit:
    """Which days of a span can be read from the rollups; load once, split many periods."""

    def __init__(self, first: date, last: date, now: datetime):
        self.now, self.today = now, local_today(now)
        stale = stale_local_days()
        self.versions: dict[date, str | None] = {} if stale is None else dict(db.session.execute(
            select(RollupDay.day, RollupDay.version).where(RollupDay.day.between(first, last))).all())
        self.rolled = {day for day in set(self.versions) - (stale or set()) if day < self.today}
        self._live: dict[tuple[datetime, datetime], dict[int, tuple]] = {}
        self.by_crew_and_assignee: dict[tuple, list] = {}  # crew_health's readings, by period and filter

    def live_by_subdistrict(self, start: datetime, end: datetime) -> dict[int, tuple]:
        """A live range's figures per subdistrict, counted once however many periods share the range
        (the overview's last week, its 30 days and its subdistricts all end with today)."""
        if (start, end) not in self._live:
            self._live[start, end] = {row[0]: row[1:] for row in db.session.execute(
                select(Community.subdistrict_id, *health_columns())
                .join(Compound, Compound.id == Task.compound_id)
                .join(Community, Community.id == Compound.community_id)
                .where(due_between(start, end)).group_by(Community.subdistrict_id))}
        return self._live[start, end]

    def kept_key(self, what: str, days: list[date], *narrowed) -> tuple | None:
        """What the sums of these rolled-up days are kept under (RolledSums): the days with their
        versions; None when a day has none (rolled up before versions, or not rolled up)."""
        if any(self.versions.get(day) is None for day in days):
            return None
        return (str(db.engine.url), what, narrowed, tuple((day, self.versions[day]) for day in sorted(days)))

    def split(self, period: Period) -> tuple[list[date], list[tuple[datetime, datetime]]]:
        """(rolled-up days, live UTC ranges) that together make the period."""
        days = [period.first + timedelta(days=i) for i in range(period.days)]
        rolled = [day for day in days if day in self.rolled]
        ranges, run = [], []
        for day in days:
            if day in self.rolled:
                if run:
                    ranges.append(self._bounds(run))
                run = []
            else:
                run.append(day)
        if run:
            ranges.append(self._bounds(run))
        return rolled, [(start, end) for start, end in ranges if start < end]

    def _bounds(self, run: list[date]) -> tuple[datetime, datetime]:
        return day_bounds(run[0])[0], min(day_bounds(run[-1])[1], self.now)


class RolledSums:
    """Sums of rolled-up days, kept in this process under the days and their versions (DaySplit.kept_key).

    The refresh rewrites a day's rows whole and gives it a new version, so a kept sum is never one of
    rows since rewritten; today is never rolled up and always read live. The crews page adds up a
    month of rollup rows (119,000 for its compounds: most of its 126 ms at city scale) that change once
    a night. A few periods are asked for (the last 30 days, last month, a filter), so a few are kept.
    """

    def __init__(self, size: int = 32):
        self.size, self._kept = size, OrderedDict()

    def get(self, key: tuple | None, read: Callable[[], list]) -> list:
        if key is None:
            return read()
        if key in self._kept:
            self._kept.move_to_end(key)
            return self._kept[key]
        rows = self._kept[key] = [tuple(row) for row in read()]
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return rows

    def clear(self) -> None:
        self._kept.clear()


ROLLED_SUMS = RolledSums()


def _add(totals: dict, key, values: Iterable) -> None:
    current = totals.setdefault(key, [0] * len(FIGURES))
    for i, value in enumerate(values):
        current[i] += int(value or 0)


def area_health_of(split: DaySplit, periods: list[Period]) -> list[Health]:
    """The district's figures for several periods (the overview's weeks): one rollup query for all."""
    rolled = {day for period in periods for day in split.split(period)[0]}
    per_day = {row[0]: row[1:] for row in db.session.execute(
        select(ServiceDayArea.day, *(func.sum(getattr(ServiceDayArea, name)) for name in FIGURES))
        .where(ServiceDayArea.day.in_(rolled)).group_by(ServiceDayArea.day))} if rolled else {}
    result = []
    for period in periods:
        totals: dict = {}
        days, live = split.split(period)
        for day in days:
            _add(totals, None, per_day.get(day, ()))
        for start, end in live:
            for values in split.live_by_subdistrict(start, end).values():
                _add(totals, None, values)
        result.append(Health(period.days, *totals.get(None, [0] * len(FIGURES))))
    return result


def area_health(split: DaySplit, period: Period, *, by_subdistrict: bool = False) -> Health | dict[int, Health]:
    """The period's figures for the district, or per subdistrict id."""
    rolled, live = split.split(period)
    totals: dict = {}
    key = [ServiceDayArea.subdistrict_id] if by_subdistrict else []
    if rolled:
        for row in db.session.execute(select(*key, *(func.sum(getattr(ServiceDayArea, name)) for name in FIGURES))
                                      .where(ServiceDayArea.day.in_(rolled)).group_by(*key)):
            _add(totals, row[0] if by_subdistrict else None, row[len(key):])
    for start, end in live:
        for subdistrict_id, values in split.live_by_subdistrict(start, end).items():
            _add(totals, subdistrict_id if by_subdistrict else None, values)
    if by_subdistrict:
        return {sid: Health(period.days, *values) for sid, values in totals.items()}
    return Health(period.days, *totals.get(None, [0] * len(FIGURES)))


def crew_health(split: DaySplit, period: Period, group: str, *, service_type_id=None, crew_id=None) -> dict:
    """The period's figures per crew id or per assignee id (`group` is "crew_id" or "assignee_id"),
    narrowed by service type and crew as the crews page's filter is. Both come from one reading per
    (crew, assignee), kept on `split`: the crews page shows the crews and their operators together."""
    key = (period.first, period.last, service_type_id, crew_id)
    if key not in split.by_crew_and_assignee:
        rolled, live = split.split(period)

        def grouped(model, figures, where):
            query = (select(model.crew_id, model.assignee_id, *figures).where(where)
                     .group_by(model.crew_id, model.assignee_id))
            if service_type_id:
                query = query.where(model.service_type_id == service_type_id)
            if crew_id:
                query = query.where(model.crew_id == crew_id)
            return db.session.execute(query).all()

        rows = ROLLED_SUMS.get(split.kept_key("crew", rolled, service_type_id, crew_id), lambda: grouped(
            ServiceDayCrew, [func.sum(getattr(ServiceDayCrew, n)) for n in FIGURES],
            ServiceDayCrew.day.in_(rolled))) if rolled else []
        for start, end in live:
            rows = rows + grouped(Task, health_columns(), due_between(start, end))
        split.by_crew_and_assignee[key] = rows
    column = ("crew_id", "assignee_id").index(group)
    totals: dict = {}
    for row in split.by_crew_and_assignee[key]:
        _add(totals, row[column], row[2:])
    return {key: Health(period.days, *values) for key, values in totals.items()}


def compound_health(split: DaySplit, period: Period, *, subdistrict_id: int | None = None,
                    service_type_id: int | None = None, crew_id: int | None = None) -> dict[int, Health]:
    """The period's figures per compound id (of one subdistrict, or all), narrowed by service type and
    crew as the drill-down's and the crews page's filters are."""
    rolled, live = split.split(period)

    def grouped(model, figures, where):
        query = select(model.compound_id, *figures).where(where).group_by(model.compound_id)
        if subdistrict_id is not None:
            query = query.where(model.compound_id.in_(
                select(Compound.id).join(Community, Community.id == Compound.community_id)
                .where(Community.subdistrict_id == subdistrict_id)))
        if service_type_id:
            query = query.where(model.service_type_id == service_type_id)
        if crew_id:
            query = query.where(model.crew_id == crew_id)
        return db.session.execute(query).all()

    kept = split.kept_key("compound", rolled, subdistrict_id, service_type_id, crew_id)
    rows = ROLLED_SUMS.get(kept, lambda: grouped(
        ServiceDayCompound, [func.sum(getattr(ServiceDayCompound, n)) for n in FIGURES],
        ServiceDayCompound.day.in_(rolled))) if rolled else []
    for start, end in live:
        rows = rows + grouped(Task, health_columns(), due_between(start, end))
    totals: dict = {}
    for row in rows:
        _add(totals, row[0], row[1:])
    return {key: Health(period.days, *values) for key, values in totals.items()}
