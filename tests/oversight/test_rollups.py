"""The daily rollups equal the live counts: after a refresh, before one (a changed day is read live),
after a compound moves, run twice or by two schedulers at once."""
import random
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from propmgmt.extensions import db as _db
from propmgmt.oversight.models import RollupDay, RollupStale, ServiceDayArea, ServiceDayCrew
from propmgmt.oversight.queries import health_in, weekly_periods
from propmgmt.oversight.rollups import (
    DaySplit,
    area_health,
    area_health_of,
    compound_health,
    crew_health,
    refresh_rollups,
)
from propmgmt.periods import Period
from propmgmt.plans.models import Task
from propmgmt.plans.outcomes import health_columns
from propmgmt.scheduler.jobs import JOBS

from ..concurrency import race, wipe
from ..factories import CommunityFactory, CompoundFactory, CrewFactory, ServiceTypeFactory, UserFactory

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)  # 12:00 in the district
STATUSES = ("scheduled", "in_progress", "done", "verified", "rejected", "missed", "cancelled")
PERIODS = [Period.last_days(7, now=NOW), Period.last_days(30, now=NOW), Period(date(2026, 10, 20), date(2026, 11, 2)),
           Period(date(2026, 11, 24), date(2026, 11, 24))]


def _random_tasks(seed: int, count: int = 120):
    rng = random.Random(seed)
    types = [ServiceTypeFactory(), ServiceTypeFactory(code="garbage_sorting", name_zh="垃圾分类督导")]
    crews = [CrewFactory(), CrewFactory(), None]
    people = [UserFactory(role="operator"), UserFactory(role="operator"), None]
    compounds = [CompoundFactory(), CompoundFactory(), CompoundFactory(community=CommunityFactory())]
    tasks = []
    for _ in range(count):
        # Windows end anywhere from 40 days ago to tomorrow, some exactly at local midnight.
        end = NOW - timedelta(hours=rng.randrange(-24, 40 * 24))
        if rng.random() < 0.1:
            end = end.replace(hour=16, minute=0, second=0, microsecond=0)
        status = rng.choice(STATUSES)
        finished = end + timedelta(minutes=rng.choice((-30, 5, 90))) if status in ("done", "verified", "rejected") \
            else None
        tasks.append(Task(compound_id=rng.choice(compounds).id, service_type_id=rng.choice(types).id,
                          crew_id=(rng.choice(crews) or _Nothing).id, assignee_id=(rng.choice(people) or _Nothing).id,
                          status=status, window_start=end - timedelta(hours=2), window_end=end,
                          device_completed_at=finished, rejections=rng.choice((0, 0, 1))))
    _db.session.add_all(tasks)
    _db.session.flush()
    return tasks, rng


class _Nothing:
    id = None


def _live_by(group):
    return lambda start, end: {row[0]: tuple(int(v or 0) for v in row[1:]) for row in _db.session.execute(
        select(group, *health_columns()).where(Task.window_end > start, Task.window_end <= end,
                                               Task.status != "cancelled").group_by(group))}


def _figures(h):
    return (h.due, h.completed, h.on_time, h.missed, h.verified, h.first_pass)


def assert_rollups_equal_live(now=NOW):
    split = DaySplit(date(2026, 9, 1), date(2026, 11, 25), now)
    for period in PERIODS:
        assert _figures(area_health(split, period)) == _figures(health_in(period, now)), period
        start, end = period.bounds(now)
        by_area = area_health(split, period, by_subdistrict=True)
        from propmgmt.compounds.models import Community, Compound
        live = {row[0]: tuple(int(v or 0) for v in row[1:]) for row in _db.session.execute(
            select(Community.subdistrict_id, *health_columns()).join(Compound, Compound.id == Task.compound_id)
            .join(Community, Community.id == Compound.community_id)
            .where(Task.window_end > start, Task.window_end <= end, Task.status != "cancelled")
            .group_by(Community.subdistrict_id))}
        assert {k: _figures(h) for k, h in by_area.items()} == live, period
        for group in ("crew_id", "assignee_id"):
            assert {k: _figures(h) for k, h in crew_health(split, period, group).items()} == \
                _live_by(getattr(Task, group))(start, end), (period, group)
        assert {k: _figures(h) for k, h in compound_health(split, period).items()} == \
            _live_by(Task.compound_id)(start, end), period
        for subdistrict_id in live:  # one subdistrict's compounds, and narrowed by a service type
            in_it = {row[0] for row in _db.session.execute(
                select(Compound.id).join(Community).where(Community.subdistrict_id == subdistrict_id))}
            assert {k: _figures(h) for k, h in compound_health(split, period, subdistrict_id=subdistrict_id).items()} \
                == {k: v for k, v in _live_by(Task.compound_id)(start, end).items() if k in in_it}, period
        some_type = _db.session.scalar(select(func.min(Task.service_type_id)))
        narrowed = {row[0]: tuple(int(v or 0) for v in row[1:]) for row in _db.session.execute(
            select(Task.compound_id, *health_columns()).where(Task.window_end > start, Task.window_end <= end,
                                                            Task.status != "cancelled",
                                                            Task.service_type_id == some_type)
            .group_by(Task.compound_id))}
        assert {k: _figures(h) for k, h in compound_health(split, period, service_type_id=some_type).items()} \
            == narrowed, period
    weeks = weekly_periods(now)
    assert [_figures(h) for h in area_health_of(split, weeks)] == [_figures(health_in(w, now)) for w in weeks]
    return split


def test_triggers_mark_the_days_a_change_touches(db):
    task, = _random_tasks(1, count=1)[0]
    day = task.window_end.date().isoformat()
    assert db.session.get(RollupStale, day) is not None  # inserted
    db.session.execute(RollupStale.__table__.delete())
    db.session.execute(update(Task).where(Task.id == task.id).values(note="a note only"))
    assert db.session.scalar(select(func.count()).select_from(RollupStale)) == 0
    db.session.execute(update(Task).where(Task.id == task.id).values(status="verified"))
    assert db.session.get(RollupStale, day) is not None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_the_live_counts_before_and_after_each_refresh(db, seed):
    tasks, rng = _random_tasks(seed)
    refresh_rollups(NOW)
    split = assert_rollups_equal_live()
    assert len(split.rolled) >= 35  # the rollups really are read: 40 days of history, today excluded
    assert db.session.scalar(select(func.count()).select_from(RollupStale).where(
        RollupStale.utc_day < "2026-11-24")) == 0
    for _ in range(15):  # verifications, redos and late syncs of past days, refreshed only now and then
        task = rng.choice(tasks)
        db.session.execute(update(Task).where(Task.id == task.id).values(
            status=rng.choice(STATUSES), rejections=rng.choice((0, 1, 2)),
            device_completed_at=task.window_end + timedelta(minutes=rng.choice((-10, 10)))))
        assert_rollups_equal_live()
        if rng.random() < 0.4:
            refresh_rollups(NOW)
            assert_rollups_equal_live()


def test_a_change_early_this_morning_leaves_yesterday_rolled_up_after_a_refresh(db):
    """A window that ends at 06:00 in the district ends on yesterday's UTC date: its mark covers yesterday
    and today. The refresh recomputes yesterday and lets the mark go (today is always read live)."""
    tasks, _ = _random_tasks(7)
    refresh_rollups(NOW)
    yesterday = date(2026, 11, 24)
    early = tasks[0]
    db.session.execute(update(Task).where(Task.id == early.id).values(
        window_start=datetime(2026, 11, 24, 20, 0, tzinfo=timezone.utc),
        window_end=datetime(2026, 11, 24, 22, 0, tzinfo=timezone.utc), status="verified"))  # 04:00-06:00 today
    assert yesterday not in DaySplit(yesterday, yesterday, NOW).rolled  # marked: read live until the refresh
    assert refresh_rollups(NOW)["days"] >= 1  # yesterday, and the day the window moved from
    assert yesterday in DaySplit(yesterday, yesterday, NOW).rolled
    assert db.session.scalar(select(func.count()).select_from(RollupStale).where(
        RollupStale.utc_day <= "2026-11-24")) == 0
    assert_rollups_equal_live()


def test_a_refresh_twice_changes_nothing(db):
    _random_tasks(4)
    refresh_rollups(NOW)
    rows = sorted(tuple(r) for r in db.session.execute(select(
        ServiceDayArea.day, ServiceDayArea.subdistrict_id, ServiceDayArea.due, ServiceDayArea.completed)))
    assert refresh_rollups(NOW) == {"days": 0}
    again = sorted(tuple(r) for r in db.session.execute(select(
        ServiceDayArea.day, ServiceDayArea.subdistrict_id, ServiceDayArea.due, ServiceDayArea.completed)))
    assert rows == again and rows


def test_a_compound_moving_subdistrict_is_read_live_until_rebuilt(db):
    tasks, _ = _random_tasks(5)
    refresh_rollups(NOW)
    moved = db.session.get(type(tasks[0].compound), tasks[0].compound_id)
    moved.community_id = CommunityFactory().id
    db.session.flush()
    assert db.session.get(RollupStale, "all") is not None
    assert DaySplit(date(2026, 9, 1), date(2026, 11, 25), NOW).rolled == set()
    assert_rollups_equal_live()
    refresh_rollups(NOW)
    assert db.session.get(RollupStale, "all") is None
    assert len(assert_rollups_equal_live().rolled) >= 35


def test_backfill_rolls_up_the_newest_days_first_a_batch_at_a_time(db):
    _random_tasks(6)
    db.session.execute(RollupStale.__table__.delete())
    assert refresh_rollups(NOW, backfill=10) == {"days": 10}
    assert min(db.session.scalars(select(RollupDay.day))) == date(2026, 11, 15)
    assert_rollups_equal_live()


def test_the_scheduler_job_refreshes(app, db):
    _random_tasks(7)
    assert JOBS["refresh_rollups"](app, NOW)["days"] >= 35


@pytest.fixture
def committed(app):
    with app.app_context():
        _random_tasks(8)
        _db.session.commit()
        _db.session.remove()
    yield
    wipe(app)


def test_two_schedulers_refreshing_at_once_write_each_day_once(app, committed):
    results = race(app, [lambda: refresh_rollups(NOW), lambda: refresh_rollups(NOW)])
    assert results == ["ok", "ok"]
    with app.app_context():
        per_day = _db.session.execute(select(ServiceDayCrew.day, ServiceDayCrew.crew_id, ServiceDayCrew.assignee_id,
                                             ServiceDayCrew.service_type_id, func.count())
                                      .group_by(ServiceDayCrew.day, ServiceDayCrew.crew_id,
                                                ServiceDayCrew.assignee_id, ServiceDayCrew.service_type_id)).all()
        assert per_day and all(row[-1] == 1 for row in per_day)
        assert_rollups_equal_live()
        _db.session.remove()


def test_the_analyze_job_gives_sqlite_table_statistics(app, db):
    _random_tasks(9, count=5)
    counts = JOBS["analyze"](app, NOW)
    if db.engine.dialect.name == "sqlite":
        assert counts == {"analyzed": 1}
        assert db.session.execute(select(func.count()).select_from(
            _db.text("sqlite_stat1")).where(_db.text("tbl = 'task'"))).scalar() > 0
    else:
        assert counts == {"analyzed": 0}  # PostgreSQL: autovacuum keeps the statistics


def test_the_task_lists_count_from_the_rollups_what_they_list(db):
    from propmgmt.oversight.tasklist import OUTCOME_LABELS, TaskList, count_rows

    tasks, rng = _random_tasks(10)
    refresh_rollups(NOW)
    db.session.execute(update(Task).where(Task.id == tasks[0].id).values(status="missed"))  # one stale day
    sample = tasks[1]
    subdistrict = db.session.get(type(sample.compound), sample.compound_id).community.subdistrict_id
    narrowings = [{}, {"subdistrict_id": subdistrict}, {"crew_id": sample.crew_id},
                  {"assignee_id": sample.assignee_id}, {"service_type_id": sample.service_type_id},
                  {"crew_id": sample.crew_id, "service_type_id": sample.service_type_id},
                  {"subdistrict_id": subdistrict, "crew_id": sample.crew_id}, {"compound_id": sample.compound_id}]
    for period in PERIODS:
        for outcome in OUTCOME_LABELS:
            for narrowing in narrowings:
                chosen = TaskList(period, outcome, **{k: v for k, v in narrowing.items() if v})
                live = db.session.scalar(select(func.count(Task.id)).where(*chosen.condition(NOW)))
                assert count_rows(chosen, NOW) == live, (period, outcome, narrowing)


def test_the_sums_of_unchanged_days_are_kept_and_a_rewritten_day_is_read_again(db, count_queries):
    """The crews page adds up a month of rollup rows that change once a night: the sums are kept under
    the days' versions (RolledSums), and a day the refresh rewrote has a new one."""
    tasks, rng = _random_tasks(4)
    refresh_rollups(NOW)
    period = PERIODS[1]

    def read():
        split = DaySplit(period.first, period.last, NOW)
        with count_queries() as counted:
            figures = ({k: _figures(h) for k, h in compound_health(split, period).items()},
                       {k: _figures(h) for k, h in crew_health(split, period, "crew_id").items()})
        return figures, [s for s in counted.statements if "service_day_" in s]

    first, read_rollups = read()
    assert len(read_rollups) == 2  # the compounds' and the crews' month, once each
    again, read_again = read()
    assert again == first and read_again == []  # kept: the same days, the same versions
    start, end = period.bounds(NOW)
    past = next(t for t in tasks if start < t.window_end <= NOW - timedelta(days=2) and t.status == "missed")
    db.session.execute(update(Task).where(Task.id == past.id).values(status="verified"))
    refresh_rollups(NOW)  # the same moment: only the day's new version tells the sums apart
    changed, read_changed = read()
    assert len(read_changed) == 2 and changed != first
    assert changed[0] == _live_by(Task.compound_id)(start, end)
