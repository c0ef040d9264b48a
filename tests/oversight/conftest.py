"""A small known dataset of due tasks, shared by the drill-down and task-list tests."""
from datetime import date, datetime, timedelta, timezone

import pytest

from propmgmt.periods import Period
from propmgmt.plans.models import Task

from ..factories import CompoundFactory, CrewFactory, ServiceTypeFactory, UserFactory

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)  # 12:00 in the district
LAST_30 = Period(date(2026, 10, 27), date(2026, 11, 25))  # the last 30 days, today included


def _task(db, compound, service_type, crew, status, days_ago, *, late=False, rejections=0, assignee=None):
    end = NOW - timedelta(days=days_ago, hours=1)
    done = status in ("done", "verified", "rejected")
    db.session.add(Task(compound_id=compound.id, service_type_id=service_type.id, crew_id=crew.id if crew else None,
                        assignee_id=assignee.id if assignee else None, status=status, rejections=rejections,
                        window_start=end - timedelta(hours=2), window_end=end,
                        device_completed_at=(end + timedelta(minutes=30) if late else end - timedelta(minutes=5))
                        if done else None))


@pytest.fixture
def dataset(db):
    cleaning = ServiceTypeFactory()
    sorting = ServiceTypeFactory(code="garbage_sorting", name_zh="垃圾分类督导", name_en="Garbage sorting")
    east, west = CrewFactory(name="东片一组"), CrewFactory(name="西片二组")
    wang = UserFactory(role="operator", display_name="王师傅", crew=east)
    li = UserFactory(role="operator", display_name="李师傅", crew=west)
    a = CompoundFactory(management_mode="fallback", name="甲小区", households=100)
    b = CompoundFactory(management_mode="unmanaged", name="乙小区", households=40, community=a.community)
    elsewhere = CompoundFactory(management_mode="fallback", name="别处小区")  # another subdistrict
    # 甲: east cleaning 3 due (2 on time, 1 late), west sorting 2 due (1 missed, 1 verified with a redo).
    _task(db, a, cleaning, east, "verified", 1, assignee=wang)
    _task(db, a, cleaning, east, "done", 2, assignee=wang)
    _task(db, a, cleaning, east, "done", 3, late=True, assignee=wang)
    _task(db, a, sorting, west, "missed", 4, assignee=li)
    _task(db, a, sorting, west, "verified", 5, rejections=1, assignee=li)
    _task(db, a, cleaning, east, "verified", 40, assignee=wang)  # before the last 30 days
    _task(db, a, cleaning, east, "cancelled", 1, assignee=wang)  # never counts
    # Overdue now: the window opened an hour ago and nobody has started.
    db.session.add(Task(compound_id=a.id, service_type_id=cleaning.id, crew_id=east.id, status="scheduled",
                        window_start=NOW - timedelta(hours=1), window_end=NOW + timedelta(hours=1)))
    # 别处: 10 due tasks, 4 late -> persistently late; no crew.
    for i in range(10):
        _task(db, elsewhere, cleaning, None, "done", i + 1, late=i < 4)
    db.session.commit()
    return {"a": a, "b": b, "elsewhere": elsewhere, "east": east, "west": west, "cleaning": cleaning,
            "sorting": sorting}


