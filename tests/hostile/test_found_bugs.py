"""What the fuzzers found on the pages, one plain test each: refused with a message, never a 500."""
import pytest
from sqlalchemy import func, select

from propmgmt.complaints.models import Complaint
from propmgmt.compounds.models import Compound
from propmgmt.handovers.models import Handover, OwnersDecision

from .world import build_world

HUGE = "99999999999999999999999"


@pytest.fixture
def w(app, db, setting, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    return build_world(db, setting, app.config["UPLOAD_DIR"])


def _sign_in(client, user):
    assert client.post("/login", data={"username": user.username, "password": "password123"}).status_code == 302


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_huge_number_of_households_is_refused_with_a_message(client, db, w):
    _sign_in(client, w["admin"])
    compound = w["served"]
    response = client.post(f"/compounds/{compound.id}/edit", data={
        "name": compound.name, "community_id": compound.community_id, "households": HUGE, "buildings": "4"})
    assert response.status_code in (200, 400) and "数值过大" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Compound, compound.id).households == 120


def test_a_vote_with_an_area_past_the_column_is_refused(client, db, w):
    _sign_in(client, w["admin"])
    handover = w["deciding"]
    response = client.post(f"/handovers/{handover.id}/decision", data={
        "total_owners": "300", "total_area": HUGE, "participating_owners": "200", "participating_area": "20000",
        "favour_owners": "101", "favour_area": "10000.01", "decided_on": "2026-11-20"})
    assert response.status_code < 500
    assert _count(db, OwnersDecision) == 2  # the two the world's handovers already had
    db.session.expire_all()
    assert db.session.get(Handover, handover.id).stage == "owners_decision"


@pytest.mark.parametrize("firm_id", [HUGE, "2147483648", "²", "-1"])
def test_a_firm_id_that_is_no_id_is_refused(client, db, w, firm_id):
    _sign_in(client, w["admin"])
    handover = w["selecting"]
    response = client.post(f"/handovers/{handover.id}/firm", data={"firm_id": firm_id})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Handover, handover.id).firm_id is None


@pytest.mark.parametrize("value", [HUGE, "²", "١"])
def test_complaint_ids_that_are_no_ids(client, db, w, value):
    _sign_in(client, w["dispatcher"])
    assert client.post(f"/complaints/{w['unmatched'].id}/match", data={"compound_id": value}).status_code == 302
    assert client.post(f"/complaints/{w['acknowledged'].id}/dispatch",
                       data={"assignee_id": value, "crew_id": value}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Complaint, w["unmatched"].id).compound_id is None


@pytest.mark.parametrize("value", ["<script>alert(1)</script>", HUGE, "²"])
def test_a_field_report_for_no_compound(client, db, w, value):
    _sign_in(client, w["operator"])
    before = _count(db, Complaint)
    response = client.post("/field/report", data={"compound_id": value, "category": "garbage_not_collected",
                                                  "note": "垃圾", "key": f"report-{len(value)}-{ord(value[0])}"})
    assert response.status_code < 500
    assert _count(db, Complaint) == before


def test_proposing_compounds_that_are_no_ids(client, db, w):
    _sign_in(client, w["admin"])
    response = client.post("/assignments/propose", data={"compound_ids": ["²", HUGE]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/assignments/unmanaged")


def test_back_to_the_notification_page_that_is_no_page(client, db, w):
    _sign_in(client, w["admin"])
    response = client.post("/notifications/read-all", data={"page": "²"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications")


@pytest.mark.parametrize("url", ["/compounds", "/assignments", "/assignments/unmanaged", "/notifications",
                                 "/oversight/tasks", "/field/verify"])
def test_a_page_number_past_any_database_integer_is_an_empty_page_not_a_500(client, login_as, url):
    login_as("admin")
    assert client.get(url, query_string={"page": "99999999999999999999"}).status_code in (200, 400), url


@pytest.mark.parametrize("target", ["/compounds\r\nSet-Cookie: x=1", "/\\\\evil.example", "/x\ty"])
def test_a_next_address_with_a_line_break_or_backslash_goes_home(client, target):
    response = client.get("/lang/zh", query_string={"next": target})
    assert response.status_code == 302 and "\n" not in response.headers["Location"]
    assert "evil" not in response.headers["Location"]
