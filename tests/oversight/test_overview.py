"""The overview's figures equal independent counts of a small known dataset."""
from datetime import datetime, timedelta, timezone

from propmgmt.oversight.queries import by_subdistrict, coverage, health
from propmgmt.oversight.rollups import DaySplit, area_health
from propmgmt.periods import Period
from propmgmt.plans.models import Task

from ..factories import CompoundFactory, ServiceTypeFactory

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def _task(db, compound, service_type, status, hours_ago, finished_late=False, rejections=0):
    end = NOW - timedelta(hours=hours_ago)
    task = Task(compound_id=compound.id, service_type_id=service_type.id, status=status, rejections=rejections,
                window_start=end - timedelta(hours=2), window_end=end,
                device_completed_at=(end + timedelta(minutes=30) if finished_late else end - timedelta(minutes=5))
                if status in ("done", "verified", "rejected") else None)
    db.session.add(task)
    return task


def test_figures_match_a_known_dataset(client, login_as, db):
    login_as("official")
    a = CompoundFactory(management_mode="fallback", households=100)
    b = CompoundFactory(management_mode="fallback", households=50, community=a.community)
    CompoundFactory(management_mode="unmanaged", households=30)
    cleaning = ServiceTypeFactory()
    _task(db, a, cleaning, "verified", 5)                      # on time, first pass
    _task(db, a, cleaning, "verified", 30, rejections=1)       # on time, not first pass
    _task(db, b, cleaning, "done", 50, finished_late=True)     # late
    _task(db, b, cleaning, "missed", 60)
    _task(db, b, cleaning, "verified", 24 * 20)                # only in the 30-day window
    _task(db, b, cleaning, "scheduled", -5)                    # not due yet
    _task(db, b, cleaning, "cancelled", 10)                    # never counts
    db.session.commit()

    assert coverage()["fallback"] == (2, 150) and coverage()["unmanaged"] == (1, 30)
    week = health(NOW, 7)
    assert (week.due, week.completed, week.on_time, week.missed) == (4, 3, 2, 1)
    assert (week.completion_rate, week.on_time_rate, week.first_pass_rate) == (75.0, 50.0, 50.0)
    month = health(NOW, 30)
    assert (month.due, month.completed, month.on_time) == (5, 4, 3)
    month = Period.last_days(30, now=NOW)
    service = area_health(DaySplit(month.first, month.last, NOW), month, by_subdistrict=True)
    row = next(r for r in by_subdistrict(service) if r["id"] == a.community.subdistrict_id)
    assert (row["compounds"], row["households"], row["fallback"], row["due"], row["completion_rate"]) == \
        (2, 150, 2, 5, 80.0)

    html = client.get("/oversight").get_data(as_text=True)
    assert "概览" in html and "150 户" in html and "国有托底" in html


def test_empty_district_shows_an_empty_state_not_zeros(client, login_as):
    login_as("official")
    html = client.get("/oversight").get_data(as_text=True)
    assert "暂无可计算的比率" in html


def test_officials_land_on_the_overview(client, login_as):
    login_as("official")
    assert client.get("/").headers["Location"].endswith("/oversight")
