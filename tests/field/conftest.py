"""A compound in fallback with today's tasks, and an operator of its crew."""
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import select

from propmgmt.assignments.services import approve_assignment, propose_assignment
from propmgmt.plans.generation import generate_tasks
from propmgmt.plans.models import Task

from ..factories import CompoundFactory, UserFactory


def jpeg(width=800, height=600, color=(90, 140, 200), exif_gps=False) -> bytes:
    image = Image.new("RGB", (width, height), color)
    buffer = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (37.0, 51.0, 0.0), 3: "E", 4: (113.0, 34.0, 0.0)}  # GPS IFD
        exif[0x010F] = "TestCam"
        image.save(buffer, "JPEG", exif=exif)
    else:
        image.save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def field_day(db, setting):
    now = datetime.now(timezone.utc)
    compound = CompoundFactory(name="育英小区")
    approve_assignment(setting.official, propose_assignment(setting.official, compound, setting.proposal(
        start_date=date.today(), review_date=None), now=now), now=now)
    operator = UserFactory(role="operator", crew=setting.crew, display_name="赵师傅")
    # Tasks of yesterday's windows so that every window is open "now" for these tests.
    generate_tasks(date.today() + timedelta(days=1), now=now - timedelta(days=1))
    tasks = db.session.scalars(select(Task).where(Task.compound_id == compound.id).order_by(Task.window_start)).all()
    for task in tasks:  # move every window around now, so none is over
        task.window_start, task.window_end = now - timedelta(minutes=30), now + timedelta(hours=2)
        now += timedelta(seconds=1)
    db.session.commit()
    return {"compound": compound, "operator": operator, "tasks": tasks}
