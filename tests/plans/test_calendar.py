"""The operator's private iCalendar feed."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from propmgmt.assignments.services import approve_assignment, propose_assignment
from propmgmt.plans.calendar import calendar_token
from propmgmt.plans.generation import generate_tasks
from propmgmt.plans.models import Task

from ..factories import CompoundFactory, UserFactory


def test_operator_subscribes_to_their_crews_tasks(client, setting, db):
    now = datetime.now(timezone.utc)
    compound = CompoundFactory(name="育英小区", address="育英路1号, 南区")
    approve_assignment(setting.official, propose_assignment(setting.official, compound, setting.proposal(
        start_date=date.today(), review_date=None), now=now), now=now)
    generate_tasks(date.today() + timedelta(days=3), now=now)
    operator = UserFactory(role="operator", crew=setting.crew)
    db.session.commit()
    client.post_form("/login", {"username": operator.username, "password": "password123"})
    page = client.get("/plans/my-calendar").get_data(as_text=True)
    assert "/plans/calendar/" in page and "育英小区" in page

    feed = client.get(f"/plans/calendar/{calendar_token(operator)}.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    body = feed.get_data(as_text=True)
    expected = db.session.scalars(select(Task).where(Task.window_end > now,
                                                     Task.window_start < now + timedelta(days=14))).all()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.count("BEGIN:VEVENT") == len(expected)
    assert "SUMMARY:保洁 · 育英小区" in body and "LOCATION:育英路1号\\, 南区" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_other_crews_and_bad_tokens_see_nothing(client, setting, db):
    stranger = UserFactory(role="operator")
    body = client.get(f"/plans/calendar/{calendar_token(stranger)}.ics").get_data(as_text=True)
    assert "BEGIN:VEVENT" not in body
    assert client.get("/plans/calendar/forged-token.ics").status_code == 404
    token = calendar_token(stranger)
    stranger.set_password("a-new-password")
    db.session.commit()
    assert client.get(f"/plans/calendar/{token}.ics").status_code == 404  # revoked by the password change
