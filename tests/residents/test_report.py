"""Reporting without an account, following the case by its code, rating or reopening it."""
from html import escape

from sqlalchemy import func, select

from propmgmt.complaints.models import Complaint, ComplaintPhoto, ReportHit
from propmgmt.complaints.services import acknowledge, dispatch, resolve

from ..conftest import jpeg
from .conftest import in_chinese, report


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_report_with_photo_gives_a_code_and_a_tracking_page(client, db, compound):
    response = report(client, compound.public_code, photo=jpeg())
    assert response.status_code == 302
    case = db.session.scalar(select(Complaint).where(Complaint.compound_id == compound.id))
    assert response.headers["Location"].endswith(f"/r/track/{case.tracking_code}")
    assert (case.source, case.status, case.severity, case.contact_phone) == ("resident", "received", "urgent",
                                                                            "13903531234")
    assert case.acknowledge_due_at - case.received_at == __import__("datetime").timedelta(hours=1)
    assert case.resolve_due_at - case.received_at == __import__("datetime").timedelta(hours=4)
    assert _count(db, ComplaintPhoto) == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert case.tracking_code in page and "3号楼门口污水外溢" in page
    assert "13903531234" not in page and "1390" not in page  # the phone never shows on public pages
    assert case.tracking_code in page.split('id="sms"')[1]  # a text ready to keep or send by SMS


def test_script_in_the_description_is_escaped(client, db, compound):
    script = "<script>alert(1)</script>"
    response = report(client, compound.public_code, description=script)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert script not in page and escape(script) in page


def test_bad_input_is_refused_with_a_message_and_nothing_is_written(client, app, db, compound):
    cases = [
        ({"category": "arson"}, 422, "Choose what kind of problem it is."),
        ({"description": "   "}, 422, "Describe the problem."),
        ({"contact_phone": "call me maybe"}, 422,
         "The phone number is not valid; leave it empty or write digits only."),
        ({"website": "http://spam.example"}, 422, "The report could not be accepted."),
    ]
    for fields, status, message in cases:
        response = report(client, compound.public_code, **fields)
        assert response.status_code == status, fields
        assert escape(in_chinese(app, message)) in response.get_data(as_text=True), fields
    response = report(client, compound.public_code, photo=b"%PDF-1.4 not an image")
    assert response.status_code == 400
    assert escape(in_chinese(app, "This file is not a readable photo.")) in response.get_data(as_text=True)
    assert _count(db, Complaint) == 0 and _count(db, ReportHit) == 0 and _count(db, ComplaintPhoto) == 0


def test_the_form_keeps_what_was_typed_after_an_error(client, compound):
    page = report(client, compound.public_code, category="", description="楼道灯坏了").get_data(as_text=True)
    assert "楼道灯坏了" in page


def test_without_csrf_token_nothing_is_stored(client, db, compound):
    response = client.post(f"/r/{compound.public_code}/report",
                           data={"category": "cleaning", "description": "x"})
    assert response.status_code in (302, 400)
    assert _count(db, Complaint) == 0


def test_unknown_compound_code_is_not_found(client, db):
    assert client.get("/r/NOSUCHCODE/report").status_code == 404


def test_flood_from_one_address_gets_429_with_a_clear_message(client, app, db, compound, monkeypatch):
    monkeypatch.setitem(app.config, "REPORTS_PER_ADDRESS_PER_HOUR", 2)
    for _ in range(2):
        assert report(client, compound.public_code).status_code == 302
    response = report(client, compound.public_code)
    assert response.status_code == 429
    message = in_chinese(app, "Too many reports from this device in the last hour. Please try again later, "
                              "or call the service phone on this page.")
    assert escape(message) in response.get_data(as_text=True)
    assert report(client, compound.public_code, address="10.0.0.2").status_code == 302  # another address
    assert _count(db, Complaint) == 3
    assert db.session.scalar(select(ReportHit.client_key)).find("10.0.0") == -1  # the address is not kept


def test_over_its_limit_a_device_is_refused_before_any_photo_is_read(client, app, db, compound, monkeypatch):
    """The limit comes first: past it, the uploads are not even decoded (a flood of 40 MP photos cost
    seconds and a gigabyte each, although it was refused in the end)."""
    monkeypatch.setitem(app.config, "REPORTS_PER_ADDRESS_PER_HOUR", 1)
    assert report(client, compound.public_code, photo=jpeg()).status_code == 302
    response = report(client, compound.public_code, photo=b"%PDF-1.4 not an image")  # read, it would be a 400
    assert response.status_code == 429
    assert _count(db, Complaint) == 1 and _count(db, ComplaintPhoto) == 1 and _count(db, ReportHit) == 1


def test_flood_on_one_compound_from_many_addresses_gets_429(client, app, db, compound, monkeypatch):
    monkeypatch.setitem(app.config, "REPORTS_PER_COMPOUND_PER_HOUR", 3)
    for n in range(3):
        assert report(client, compound.public_code, address=f"10.0.1.{n}").status_code == 302
    assert report(client, compound.public_code, address="10.0.1.99").status_code == 429


def test_unknown_tracking_code_says_so(client, app, db):
    response = client.get("/r/track/ZZZZZZZZZZ")
    assert response.status_code == 404
    assert escape(in_chinese(app, "No case has this tracking code. Please check the code and try again.")) in \
        response.get_data(as_text=True)
    assert client.get("/r/track?code=abc").status_code == 302


def _resolved_case(db, client, compound, setting, now):
    response = report(client, compound.public_code)
    case = db.session.scalar(select(Complaint).where(Complaint.compound_id == compound.id))
    acknowledge(setting.dispatcher, case, now=now)
    dispatch(setting.dispatcher, case, now=now)
    resolve(setting.dispatcher, case, now=now, note="已疏通并清理")
    db.session.commit()
    return response.headers["Location"], case


def test_resident_rates_once(client, app, db, compound, setting, now):
    url, case = _resolved_case(db, client, compound, setting, now)
    page = client.get(url).get_data(as_text=True)
    assert "已疏通并清理" in page and 'name="rating"' in page
    token = client.csrf_token(url)
    response = client.post(f"{url}/rate", data={"rating": "4", "comment": "<b>快</b>", "csrf_token": token})
    assert response.status_code == 303
    db.session.refresh(case)
    assert (case.status, case.rating, case.rating_comment) == ("closed", 4, "<b>快</b>")
    page = client.get(url).get_data(as_text=True)
    assert "★★★★☆" in page and "&lt;b&gt;快" in page and 'name="rating"' not in page
    client.post(f"{url}/rate", data={"rating": "5", "csrf_token": token})
    assert escape(in_chinese(app, "This case has already been rated. Thank you!")) in \
        client.get(url).get_data(as_text=True)
    db.session.refresh(case)
    assert case.rating == 4


def test_rating_out_of_range_or_before_resolution_is_refused(client, app, db, compound, setting, now):
    response = report(client, compound.public_code)
    url = response.headers["Location"]
    token = client.csrf_token(f"/r/{compound.public_code}/report")  # no rating form before resolution
    client.post(f"{url}/rate", data={"rating": "9", "csrf_token": token})
    assert escape(in_chinese(app, "Choose a rating from 1 to 5 stars.")) in client.get(url).get_data(as_text=True)
    client.post(f"{url}/rate", data={"rating": "5", "csrf_token": token})
    assert escape(in_chinese(app, "The case can be rated once it is resolved.")) in \
        client.get(url).get_data(as_text=True)
    assert db.session.scalar(select(Complaint.rating)) is None


def test_resident_may_reopen_instead(client, db, compound, setting, now):
    url, case = _resolved_case(db, client, compound, setting, now)
    token = client.csrf_token(url)
    assert client.post(f"{url}/reopen", data={"reason": "", "csrf_token": token}).status_code == 303
    db.session.refresh(case)
    assert case.status == "resolved"
    client.post(f"{url}/reopen", data={"reason": "还是有味道", "csrf_token": token})
    db.session.refresh(case)
    assert case.status == "reopened" and case.resolved_at is None
    page = client.get(url).get_data(as_text=True)
    assert 'name="rating"' not in page


def test_huge_photo_is_refused_clearly(client, app, db, compound):
    response = report(client, compound.public_code, photo=b"\xff\xd8" + b"0" * (8 * 1024 * 1024 + 10))
    assert response.status_code == 400
    assert escape(in_chinese(app, "The photo is larger than 8 MB.")) in response.get_data(as_text=True)
    assert _count(db, Complaint) == 0


def test_guessing_tracking_codes_is_throttled_per_address(app, client, db, compound, monkeypatch):
    """300 guesses took 2.3 s before: past the hour's misses, the address learns nothing more."""
    monkeypatch.setitem(app.config, "TRACK_MISSES_PER_ADDRESS_PER_HOUR", 3)
    case_page = report(client, compound.public_code).headers["Location"]
    guesser, resident = {"REMOTE_ADDR": "10.9.9.9"}, {"REMOTE_ADDR": "10.0.0.1"}
    assert client.get("/r/track/AAAAAAAAAA", environ_base=guesser).status_code == 404
    assert client.get("/r/track/BBBBBBBBBB/photos/1", environ_base=guesser).status_code == 404
    assert client.get("/r/track/CCCCCCCCCC", environ_base=guesser).status_code == 404
    refused = client.get(case_page, environ_base=guesser)  # even the right code: nothing is told
    assert refused.status_code == 429
    assert escape(in_chinese(app, "Too many tracking codes that match no case were tried from this device. "
                                  "Please try again in an hour, or call the service phone of your compound.")) \
        in refused.get_data(as_text=True)
    assert client.get(case_page, environ_base=resident).status_code == 200  # others are not held up
