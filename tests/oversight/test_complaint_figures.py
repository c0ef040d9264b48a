"""Residents' problems on the overview: received, answered within the deadline, median time to answer,
open now; each equals a hand count and links to its cases, which never show contact details."""
import re
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest

from propmgmt.complaints.models import Complaint
from propmgmt.oversight import views
from propmgmt.oversight.complaints import complaint_figures
from propmgmt.periods import Period

from ..factories import CompoundFactory

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)


def _case(db, compound, n, *, days_ago, answered_after=None, deadline_hours=4, status="acknowledged"):
    received = NOW - timedelta(days=days_ago)
    db.session.add(Complaint(
        tracking_code=f"T{n:07d}", compound_id=compound.id, source="resident", category="cleaning",
        description="楼道垃圾", contact_phone="13912345678", status=status, received_at=received,
        acknowledge_due_at=received + timedelta(hours=deadline_hours),
        resolve_due_at=received + timedelta(hours=48),
        acknowledged_at=received + answered_after if answered_after is not None else None))


@pytest.fixture
def cases(db):
    compound = CompoundFactory(name="甲小区")
    _case(db, compound, 1, days_ago=1, answered_after=timedelta(minutes=30))            # in time
    _case(db, compound, 2, days_ago=2, answered_after=timedelta(minutes=90))            # in time
    _case(db, compound, 3, days_ago=3, answered_after=timedelta(hours=6))               # late
    _case(db, compound, 4, days_ago=4, status="received")                               # unanswered, past deadline
    _case(db, compound, 5, days_ago=0.05, status="received")                            # unanswered, not yet due
    _case(db, compound, 6, days_ago=40, answered_after=timedelta(minutes=10), status="closed")  # before the period
    db.session.commit()


def test_figures_equal_a_hand_count(cases):
    figures = complaint_figures(Period.last_days(30, now=NOW), NOW)
    assert (figures.received, figures.decided, figures.answered_in_time, figures.open_now) == (5, 4, 2, 5)
    assert figures.in_time_rate == 50.0
    assert figures.median_response_minutes == 90  # of 30, 90 and 360 minutes


def test_an_empty_month_shows_no_rate(db):
    figures = complaint_figures(Period.last_days(30, now=NOW), NOW)
    assert (figures.received, figures.in_time_rate, figures.median_response_minutes) == (0, None, None)


def test_the_overview_links_each_figure_to_its_cases(client, login_as, cases, monkeypatch):
    monkeypatch.setattr(views, "utcnow", lambda: NOW)
    login_as("official", locale="en")
    html = client.get("/oversight").get_data(as_text=True)
    assert "90 min" in html and "2 of 4 decided" in html
    links = dict((outcome, unescape(href)) for href, outcome in re.findall(
        r'href="(/oversight/complaints\?outcome=(\w+)[^"]*)"', html))
    for outcome, expected in (("open", 5), ("received", 5), ("answered_in_time", 2)):
        page = client.get(links[outcome]).get_data(as_text=True)
        assert f"· {expected} cases</h1>" in page, outcome
        assert "13912345678" not in page and "139****5678" not in page  # no contact details at all
    late = client.get(links["received"].replace("outcome=received", "outcome=answered_late")).get_data(as_text=True)
    assert "· 2 cases</h1>" in late
    assert late.count("badge-late") == 2  # the one answered after its deadline, the one never answered


def test_an_unknown_figure_is_refused_with_a_message(client, login_as, cases):
    login_as("official", locale="en")
    response = client.get("/oversight/complaints?outcome=everything")
    assert response.status_code == 400 and "Unknown figure" in response.get_data(as_text=True)
