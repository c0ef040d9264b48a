"""The overview's 12-week trend: each week's figures equal an independent count; the chart gets them."""
import json
import re
from datetime import date, datetime, timedelta, timezone

from propmgmt.oversight import views
from propmgmt.oversight.queries import health, weekly_periods
from propmgmt.oversight.rollups import DaySplit, area_health_of
from propmgmt.plans.models import Task

from ..factories import CompoundFactory, ServiceTypeFactory

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)


def _task(db, compound, service_type, status, days_ago, late=False):
    end = NOW - timedelta(days=days_ago)
    done = status in ("done", "verified", "rejected")
    db.session.add(Task(compound_id=compound.id, service_type_id=service_type.id, status=status,
                        window_start=end - timedelta(hours=2), window_end=end,
                        device_completed_at=(end + timedelta(hours=1) if late else end) if done else None))


def test_weeks_hold_the_tasks_that_came_due_in_them(db):
    compound, cleaning = CompoundFactory(management_mode="fallback"), ServiceTypeFactory()
    _task(db, compound, cleaning, "done", 1)              # this week
    _task(db, compound, cleaning, "missed", 2)            # this week
    _task(db, compound, cleaning, "done", 8, late=True)   # last week
    _task(db, compound, cleaning, "verified", 7 * 11 + 3)  # the oldest week
    _task(db, compound, cleaning, "done", 7 * 12 + 1)     # too old: not shown
    _task(db, compound, cleaning, "scheduled", -1)        # not due
    db.session.commit()
    weeks = weekly_periods(NOW)  # as the overview reads them: rollups and live days together
    trend = list(zip(weeks, area_health_of(DaySplit(weeks[0].first, weeks[-1].last, NOW), weeks)))
    assert len(trend) == 12
    assert (trend[-1][0].first, trend[-1][0].last) == (date(2026, 11, 19), date(2026, 11, 25))  # today and 6 before
    assert (trend[0][0].first, trend[0][0].last) == (date(2026, 9, 3), date(2026, 9, 9))
    assert [(h.due, h.completed, h.on_time) for _, h in trend[-2:]] == [(1, 1, 0), (2, 1, 1)]
    assert (trend[0][1].due, trend[0][1].completed) == (1, 1)
    assert sum(h.due for _, h in trend) == health(NOW, 84).due == 4
    assert all(h.due == 0 and h.completion_rate is None for _, h in trend[1:10])


def test_the_overview_passes_the_figures_to_the_chart(client, login_as, db, monkeypatch):
    monkeypatch.setattr(views, "utcnow", lambda: NOW)
    compound, cleaning = CompoundFactory(management_mode="fallback"), ServiceTypeFactory()
    _task(db, compound, cleaning, "done", 1)
    _task(db, compound, cleaning, "missed", 2)
    db.session.commit()
    login_as("official", locale="en")
    html = client.get("/oversight").get_data(as_text=True)
    completion = json.loads(re.search(r"data-completion='([^']*)'", html).group(1))
    labels = json.loads(re.search(r"data-labels='([^']*)'", html).group(1))
    assert completion == [None] * 11 + [50.0] and labels[-1] == "11-25"
    assert "vendor/echarts/echarts.min.js" in html and "<script>" not in html


def test_no_chart_without_tasks(client, login_as, db):
    login_as("official", locale="en")
    html = client.get("/oversight").get_data(as_text=True)
    assert "no trend to show" in html and 'data-chart="trend"' not in html
