"""`make bench` times generation beside a bare insert of the rows it makes (issue 22's ratios); here on
a few plans, so the code cannot rot, and nothing it generates is left behind."""
from datetime import date

import pytest
from sqlalchemy import func, select

from propmgmt.plans.models import Task
from tools.bench.measure import generation, insert_ratios

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
    lines = insert_ratios(results)
    assert len(lines) == 2 and lines[0].startswith("generate one day (10x city): ")
    assert "bare insert of its 3 rows" in lines[0] and "goal <= 2.5x" in lines[0]
    assert db.session.scalar(select(func.count(Task.id))) == 0
