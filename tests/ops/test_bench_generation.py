"""`make bench` times generation beside a bare insert of the rows it makes (issue 22's ratios); here on
a few plans, so the code cannot rot, and nothing it generates is left behind."""
from datetime import date

import pytest
from sqlalchemy import func, select

from propmgmt.plans.models import Task
from tools.bench.cli import goal_rows
from tools.bench.measure import generation

from ..factories import ServicePlanFactory, ServiceStandardFactory

pytestmark = pytest.mark.slow  # make test-fast leaves it out


def test_generation_is_timed_beside_a_bare_insert_of_the_same_rows(db):
    standard = ServiceStandardFactory()
    for _n in range(3):
        ServicePlanFactory(service_type=standard.service_type, starts_on=date(2026, 5, 1))
    db.session.commit()
    results = generation(2, lambda text: None, scale="10x")
    day, day_limit, horizon, horizon_limit = results
    assert day.label == "generate one day (10x city)" and day.ratio_goal == 2.5
    assert horizon.label == "generate 14-day horizon from empty (10x city)" and horizon.ratio_goal == 2.0
    assert (day_limit.limit_for, horizon_limit.limit_for) == (day.label, horizon.label)
    assert day.rows == day_limit.rows == 3 and horizon.rows == horizon_limit.rows == 3 * 15
    assert all(len(m.timings_ms) == 2 and m.peak_mb is not None for m in results)
    goals = {figure: (limit, goal) for figure, _app, limit, _ratio, goal, _held in goal_rows(results)}
    assert goals["generate one day (10x city) / a bare insert of its 3 rows"][1] == "<= 2.5x"
    assert goals["generate 14-day horizon from empty (10x city) / a bare insert of its 45 rows"][1] == "<= 2.0x"
    assert goals["generate one day (10x city)"][0].endswith(" ms")  # its limit beside its time target too
    assert db.session.scalar(select(func.count(Task.id))) == 0


def test_a_bench_database_says_at_which_scale_it_was_built(tmp_path):
    """`bench --scale 10x` must not wipe the city's database (an hour's build) when pointed at it."""
    from datetime import datetime

    from sqlalchemy import create_engine

    from tools.bench.build import recipe
    from tools.bench.cache import built_scale, claim, record_build, state_of

    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        claim(connection)
    assert built_scale(url) is None  # claimed, nothing recorded: any scale may build here
    with engine.begin() as connection:
        record_build(connection, recipe("city"), 10, 1.0, datetime(2026, 12, 3))
    engine.dispose()
    assert built_scale(url) == "city"
    assert state_of(url, recipe("10x"), "0029")[0] == "incomplete"  # which the command refuses to wipe
