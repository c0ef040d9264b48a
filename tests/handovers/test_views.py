"""Handover pages: readiness, pipeline and export, a handover driven through the browser forms."""
import io
from datetime import date

from openpyxl import load_workbook

from propmgmt.assignments.services import approve_assignment, propose_assignment
from propmgmt.handovers.models import Handover

from ..factories import CompoundFactory, OrganisationFactory, UserFactory


def _served(setting, now, name="育英小区"):
    compound = CompoundFactory(name=name, renovation_status="completed")
    approve_assignment(setting.official, propose_assignment(setting.official, compound, setting.proposal(
        start_date=date(2026, 11, 25), review_date=None), now=now), now=now)
    return compound


def _sign_in(client, user):
    client.post_form("/login", {"username": user.username, "password": "password123"})


def test_readiness_start_and_pipeline(client, setting, db, now):
    compound = _served(setting, now)
    db.session.commit()
    _sign_in(client, setting.official)
    page = client.get("/handovers/readiness").get_data(as_text=True)
    assert "育英小区" in page and "启动移交" in page
    response = client.post_form(f"/handovers/readiness/{compound.id}", {"owners_committee": "yes",
                                                                       "fee_willingness": "150", "evidence": ""},
                                page=f"/handovers/readiness/{compound.id}")
    assert response.status_code == 400 and "0 到 100" in response.get_data(as_text=True)
    client.post_form(f"/handovers/readiness/{compound.id}", {"owners_committee": "yes", "fee_willingness": "72.5",
                                                             "evidence": "2026年10月入户调查"},
                     page=f"/handovers/readiness/{compound.id}")
    page = client.get("/handovers/readiness").get_data(as_text=True)
    assert "72.50% / 60" in page
    response = client.post_form(f"/handovers/start/{compound.id}", page="/handovers/readiness")
    handover = db.session.query(Handover).one()
    assert response.headers["Location"].endswith(f"/handovers/{handover.id}")
    detail = client.get(f"/handovers/{handover.id}").get_data(as_text=True)
    assert "进入下一阶段：业主表决" in detail
    assert "移交进行中" in client.get(f"/compounds/{compound.id}").get_data(as_text=True)
    client.post_form(f"/handovers/{handover.id}/advance", {"to_stage": "joint_inspection", "owner_id": "0"},
                     page=f"/handovers/{handover.id}")
    assert handover.stage == "assessing"
    client.post_form(f"/handovers/{handover.id}/advance", {"to_stage": "owners_decision", "owner_id": "0"},
                     page=f"/handovers/{handover.id}")
    assert handover.stage == "owners_decision"
    bad = client.post_form(f"/handovers/{handover.id}/decision", {
        "total_owners": "100", "total_area": "9000", "participating_owners": "120", "participating_area": "8000",
        "favour_owners": "60", "favour_area": "5000", "decided_on": "2026-11-20"}, page=f"/handovers/{handover.id}",
        follow_redirects=True)
    assert "参与表决的业主人数超过业主总人数" in bad.get_data(as_text=True)
    pipeline = client.get("/handovers").get_data(as_text=True)
    assert "育英小区" in pipeline and "业主表决" in pipeline
    sheet = load_workbook(io.BytesIO(client.get("/handovers/export.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    rows = rows[2:]  # below the title and its line of filters and as-of time
    assert rows[0][:3] == ("小区", "街道", "阶段") and rows[1][0] == "育英小区" and rows[1][2] == "业主表决"
    # The funnel's counts lead to the handovers of each stage (from the overview too).
    assert 'href="/handovers?stage=owners_decision"' in client.get("/oversight").get_data(as_text=True)
    assert "育英小区" in client.get("/handovers?stage=owners_decision").get_data(as_text=True)
    assert "该阶段没有移交" in client.get("/handovers?stage=completed").get_data(as_text=True)


def test_a_firm_sees_only_its_own_handovers(client, setting, db, now):
    firm = OrganisationFactory()
    mine = Handover(compound_id=_served(setting, now, "甲").id, stage="joint_inspection", firm_id=firm.id,
                    stage_entered_at=now, started_at=now)
    other = Handover(compound_id=_served(setting, now, "乙").id, stage="joint_inspection",
                     firm_id=OrganisationFactory().id, stage_entered_at=now, started_at=now)
    db.session.add_all([mine, other])
    db.session.commit()
    _sign_in(client, UserFactory(role="firm", organisation=firm))
    assert client.get(f"/handovers/{mine.id}").status_code == 200
    assert client.get(f"/handovers/{other.id}").status_code == 404
    response = client.post_form(f"/handovers/{mine.id}/sign", page=f"/handovers/{mine.id}", follow_redirects=True)
    assert "承接查验" in response.get_data(as_text=True)  # nothing recorded yet: refused with the reason
    assert mine.firm_signed_at is None


def test_api_reads_and_moves_handovers(client, setting, db, now):
    from propmgmt.auth.services import create_token
    handover = Handover(compound_id=_served(setting, now).id, stage="assessing", stage_entered_at=now,
                        started_at=now)
    db.session.add(handover)
    db.session.commit()
    official = {"Authorization": f"Bearer {create_token(setting.official)}"}
    listed = client.get("/api/v1/handovers?stage=assessing", headers=official).json
    assert listed["meta"]["total"] == 1 and listed["data"][0]["stage"] == "assessing"
    skip = client.post(f"/api/v1/handovers/{handover.id}/advance", json={"to_stage": "transition"}, headers=official)
    assert skip.status_code == 422 and skip.json["error"]["field"] == "to_stage"
    moved = client.post(f"/api/v1/handovers/{handover.id}/advance", json={"to_stage": "owners_decision"},
                        headers=official)
    assert moved.status_code == 200 and moved.json["data"]["stage"] == "owners_decision"
    dispatcher = {"Authorization": f"Bearer {create_token(setting.dispatcher)}"}
    assert client.post(f"/api/v1/handovers/{handover.id}/advance", json={"to_stage": "firm_selection"},
                       headers=dispatcher).status_code == 403
    assert client.post("/api/v1/handovers/999999/advance", json={"to_stage": "x"}, headers=official).status_code == 404


def test_policy_is_read_by_officials_and_changed_by_admins(client, setting, db):
    from propmgmt.handovers.models import ReadinessPolicy
    _sign_in(client, setting.official)
    assert "60" in client.get("/handovers/policy").get_data(as_text=True)
    assert client.post_form("/handovers/policy", {"fee_willingness_min": "70", "months_in_fallback_min": "6",
                                                  "stuck_after_days": "30"}).status_code == 403
    client.post_form("/logout", page="/handovers/policy")
    _sign_in(client, UserFactory(role="admin"))
    bad = client.post_form("/handovers/policy", {"fee_willingness_min": "170", "months_in_fallback_min": "6",
                                                 "stuck_after_days": "30"})
    assert bad.status_code == 400 and "0 到 100" in bad.get_data(as_text=True)
    client.post_form("/handovers/policy", {"fee_willingness_min": "70", "months_in_fallback_min": "3",
                                           "stuck_after_days": "20", "survey_satisfaction_min": "75"})
    saved = db.session.query(ReadinessPolicy).one()
    assert saved.months_in_fallback_min == 3 and saved.survey_satisfaction_min == 75


def test_inspection_defect_with_photo(client, setting, db, now):
    from propmgmt.handovers.models import InspectionItem

    from ..conftest import jpeg
    firm = OrganisationFactory()
    handover = Handover(compound_id=_served(setting, now).id, stage="joint_inspection", firm_id=firm.id,
                        stage_entered_at=now, started_at=now)
    db.session.add(handover)
    db.session.commit()
    _sign_in(client, setting.official)
    url = f"/handovers/{handover.id}"
    data = {"facility": "drains", "result": "defect", "defect": "3号井盖破损", "blocking": "y", "fixer": "洁诚物业",
            "fix_by": "2026-12-01"}
    bad = client.post_form(f"{url}/inspection", {**data, "photo": (io.BytesIO(b"not an image"), "x.jpg")}, page=url,
                           content_type="multipart/form-data", follow_redirects=True)
    assert "不是可读取的照片" in bad.get_data(as_text=True)
    assert db.session.query(InspectionItem).count() == 0
    client.post_form(f"{url}/inspection", {**data, "photo": (io.BytesIO(jpeg()), "well.jpg")}, page=url,
                     content_type="multipart/form-data")
    item = db.session.query(InspectionItem).one()
    assert item.blocking and item.photo_path
    photo = client.get(f"{url}/inspection/{item.id}/photo?size=thumb")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert "3号井盖破损" in client.get(url).get_data(as_text=True)


def test_residents_ratings_feed_readiness(setting, db, now):
    from propmgmt.complaints.models import Complaint
    from propmgmt.handovers.queries import readiness
    compound = _served(setting, now, "满意小区")
    for code, rating in (("A1", 5), ("A2", 3)):
        db.session.add(Complaint(tracking_code=code, compound_id=compound.id, source="resident", category="cleaning",
                                 description="x", status="closed", rating=rating))
    db.session.flush()
    row = next(r for r in readiness(now=now) if r.compound.id == compound.id)
    assert row.criteria["satisfaction"] == (True, "4.0 / 5")


def _at_owners_decision(client, setting, db, now):
    compound = _served(setting, now)
    db.session.commit()
    _sign_in(client, setting.official)
    client.post_form(f"/handovers/readiness/{compound.id}", {"owners_committee": "yes", "fee_willingness": "72.5",
                                                             "evidence": "入户调查"},
                     page=f"/handovers/readiness/{compound.id}")
    client.post_form(f"/handovers/start/{compound.id}", page="/handovers/readiness")
    handover = db.session.query(Handover).one()
    client.post_form(f"/handovers/{handover.id}/advance", {"to_stage": "owners_decision", "owner_id": "0"},
                     page=f"/handovers/{handover.id}")
    assert handover.stage == "owners_decision"
    return handover


def _field_html(html: str, name: str) -> str:
    """The field's block of the form: its input and the errors under it."""
    start = html.rindex('<div class="field', 0, html.index(f'id="{name}"'))
    return html[start:html.index("</div>", start)]


VOTE = {"total_owners": "100", "total_area": "9000.50", "participating_owners": "120", "participating_area": "8000",
        "favour_owners": "60", "favour_area": "5000", "decided_on": "2026-11-20", "note": "第一次表决"}


def test_the_vote_form_keeps_what_was_typed_and_shows_the_error_at_its_field(client, setting, db, now):
    handover = _at_owners_decision(client, setting, db, now)
    bad = client.post_form(f"/handovers/{handover.id}/decision", VOTE, page=f"/handovers/{handover.id}")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    for name in ("total_owners", "total_area", "participating_owners", "participating_area", "favour_owners",
                 "favour_area", "decided_on"):
        assert f'value="{VOTE[name]}"' in _field_html(html, name), name
    assert "参与表决的业主人数超过业主总人数" in _field_html(html, "participating_owners")
    assert "第一次表决" in html


def test_the_vote_form_keeps_a_number_it_could_not_read(client, setting, db, now):
    handover = _at_owners_decision(client, setting, db, now)
    bad = client.post_form(f"/handovers/{handover.id}/decision", VOTE | {"favour_owners": "六十"},
                           page=f"/handovers/{handover.id}")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    favour = _field_html(html, "favour_owners")
    assert 'value="六十"' in favour and 'class="error"' in favour
    assert 'value="9000.50"' in _field_html(html, "total_area")
