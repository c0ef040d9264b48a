"""The residents' voice as people see it: the consultation on the compound's public page and its form on a
phone, the tally and the texts on the project page (texts and rooms for officials only), supervision notes
with photos followed by tracking code, and the stage form that lists them."""
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from propmgmt.clock import local_today
from propmgmt.complaints.models import ReportHit
from propmgmt.renovation.consultation import ItemData, open_consultation
from propmgmt.renovation.models import ProgressEntry, TeamMember
from propmgmt.renovation.voice_models import Opinion, SupervisionNote, SupervisionPhoto

from ..conftest import jpeg
from ..factories import CompoundFactory, RenovationProjectFactory, UserFactory
from ..residents.conftest import in_chinese


@pytest.fixture
def consultation(db, frozen_clock):
    project = RenovationProjectFactory(name="众康北区改造", compounds=[CompoundFactory(name="南庄村众康北区"),
                                                                   CompoundFactory(name="南庄村众康南区")])
    official = UserFactory(role="official")
    consultation = open_consultation(official, project, title="改造方案征求意见",
                                     ends_on=local_today(frozen_clock) + timedelta(days=7),
                                     items=[ItemData("整修小区道路"), ItemData("新建口袋公园")], now=frozen_clock,
                                     upload_dir="/nonexistent")
    db.session.commit()
    return consultation


def _sign_out(client):
    client.post_form("/logout", {}, page="/compounds")


def _give(client, compound, consultation, *, room="3-2-501", votes=("support", "oppose"), text="路灯也要修",
          address="10.0.0.1", token=None):
    url = f"/r/{compound.public_code}/consultations/{consultation.id}"
    data = {"room": room, "text": text, "csrf_token": token or client.csrf_token(url)}
    data |= {f"item-{item.id}": vote for item, vote in zip(consultation.items, votes, strict=True)}
    return client.post(url, data=data, environ_base={"REMOTE_ADDR": address})


def test_a_resident_gives_an_opinion_once_from_the_public_page(app, client, db, consultation):
    compound = consultation.project.compounds[0]
    page = client.get(f"/r/{compound.public_code}").get_data(as_text=True)
    assert "改造方案征求意见" in page and "整修小区道路" in page
    assert f"/r/{compound.public_code}/consultations/{consultation.id}" in page
    response = _give(client, compound, consultation)
    assert response.status_code == 303
    again = _give(client, compound, consultation, room="5-1-101", votes=("oppose", "oppose"))
    assert again.status_code == 409
    assert in_chinese(app, "An opinion was already given from this phone in this consultation. One opinion per "
                           "household: the first one is kept.") in again.get_data(as_text=True)
    client.delete_cookie("pm_device")  # another phone of the same household
    client.get(f"/r/{compound.public_code}/consultations/{consultation.id}")
    same_room = _give(client, compound, consultation, room="3号楼2单元501")
    assert same_room.status_code == 409 and "3-2-501" in same_room.get_data(as_text=True)
    opinions = db.session.scalars(select(Opinion)).all()
    assert len(opinions) == 1 and {v.support for v in opinions[0].votes} == {True, False}


def test_a_refused_opinion_keeps_what_was_typed_and_says_why(app, client, db, consultation):
    compound = consultation.project.compounds[0]
    client.get(f"/r/{compound.public_code}/consultations/{consultation.id}")
    response = _give(client, compound, consultation, room="", text="希望保留大树")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "希望保留大树" in html
    assert in_chinese(app, "Give your room number as building-entrance-room, e.g. 3-2-501.") in html
    assert db.session.scalar(select(func.count(Opinion.id))) == 0


def test_over_the_reports_limit_an_opinion_gets_429(app, client, db, consultation, monkeypatch):
    monkeypatch.setitem(app.config, "REPORTS_PER_ADDRESS_PER_HOUR", 1)
    north, south = consultation.project.compounds
    client.get(f"/r/{north.public_code}/consultations/{consultation.id}")
    assert _give(client, north, consultation).status_code == 303
    client.delete_cookie("pm_device")
    client.get(f"/r/{south.public_code}/consultations/{consultation.id}")
    assert _give(client, south, consultation, room="1-1-101").status_code == 429
    assert db.session.scalar(select(func.count(Opinion.id))) == 1


def test_a_closed_consultation_leaves_the_public_page_and_its_answer_shows(client, db, consultation, login_as,
                                                                          frozen_clock):
    compound = consultation.project.compounds[0]
    login_as("official")
    assert client.post_form(f"/renovation/consultations/{consultation.id}/close", {},
                            page=f"/renovation/{consultation.project_id}").status_code == 302
    _sign_out(client)
    assert "改造方案征求意见" not in client.get(f"/r/{compound.public_code}").get_data(as_text=True)
    closed = _give(client, compound, consultation, token=client.csrf_token(f"/r/{compound.public_code}/report"))
    assert closed.status_code == 409
    assert db.session.scalar(select(func.count(Opinion.id))) == 0
    from propmgmt.renovation.consultation import record_plan_change

    record_plan_change(UserFactory(role="official"), consultation, "口袋公园移到北侧", now=frozen_clock)
    db.session.commit()
    assert "口袋公园移到北侧" in client.get(f"/r/{compound.public_code}").get_data(as_text=True)


def test_officials_read_the_texts_and_rooms_others_only_the_tally(app, client, db, consultation, login_as):
    compound = consultation.project.compounds[0]
    client.get(f"/r/{compound.public_code}/consultations/{consultation.id}")
    _give(client, compound, consultation, text="希望增加停车位")
    login_as("dispatcher")
    page = client.get(f"/renovation/{consultation.project_id}").get_data(as_text=True)
    assert "整修小区道路" in page and "希望增加停车位" not in page and "3-2-501" not in page
    _sign_out(client)
    login_as("official")
    page = client.get(f"/renovation/{consultation.project_id}").get_data(as_text=True)
    assert "希望增加停车位" in page and "3-2-501" in page
    response = client.post_form(f"/renovation/consultations/{consultation.id}/plan-change",
                                {"plan_change": "增加 20 个停车位"}, page=f"/renovation/{consultation.project_id}")
    assert response.status_code == 302
    assert "增加 20 个停车位" in client.get(f"/renovation/{consultation.project_id}").get_data(as_text=True)
    _sign_out(client)
    public = client.get(f"/r/{compound.public_code}").get_data(as_text=True)
    assert "增加 20 个停车位" in public and "希望增加停车位" not in public  # the answer, not the residents' words


def test_an_official_opens_a_consultation_with_an_image_and_a_wrong_date_is_refused(app, client, db, login_as,
                                                                                     frozen_clock):
    project = RenovationProjectFactory()
    login_as("official")
    url = f"/renovation/{project.id}/consultations/new"
    base = {"title": "方案征求意见", "items-0-text": "外墙保温", "items-1-text": "", "items-2-text": "",
            "items-3-text": ""}
    late = client.post_form(url, base | {"ends_on": str(local_today(frozen_clock) - timedelta(days=1))})
    assert late.status_code == 400
    assert in_chinese(app, "The last day cannot be before today.") in late.get_data(as_text=True)
    data = base | {"ends_on": str(local_today(frozen_clock) + timedelta(days=10)), "csrf_token": client.csrf_token(url),
                   "items-0-image": (io.BytesIO(jpeg()), "plan.jpg")}
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    item = project.consultations[0].items[0]
    assert item.thumb_path
    image = client.get(f"/r/{project.compounds[0].public_code}/consultations/{project.consultations[0].id}"
                       f"/items/{item.id}")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"


@pytest.fixture
def building(db, frozen_clock):
    project = RenovationProjectFactory(name="义东沟村南苑改造", stage="under_construction", contractor="城建公司",
                                       actual_new_start_on=date(2026, 10, 1),
                                       actual_under_construction_on=date(2026, 10, 15))
    db.session.add(ProgressEntry(project_id=project.id, month=date(2026, 11, 1), percent=100, done="完工"))
    db.session.commit()
    return project


def _note(client, compound, project, *, photo=None, address="10.0.0.2", text="3号楼管线没有盖好"):
    url = f"/r/{compound.public_code}/supervise/{project.id}"
    data = {"text": text, "csrf_token": client.csrf_token(url)}
    if photo is not None:
        data["photos"] = (io.BytesIO(photo), "p.jpg")
    return client.post(url, data=data, content_type="multipart/form-data", environ_base={"REMOTE_ADDR": address})


def test_a_supervision_note_with_a_photo_is_answered_and_read_by_its_code(app, client, db, building, login_as):
    compound = building.compounds[0]
    page = client.get(f"/r/{compound.public_code}").get_data(as_text=True)
    assert "义东沟村南苑改造" in page and f'id="progress-{building.id}">100%' in page
    response = _note(client, compound, building, photo=jpeg())
    assert response.status_code == 303
    note = db.session.scalar(select(SupervisionNote))
    assert response.headers["Location"].endswith(f"/r/notes/{note.tracking_code}")
    assert db.session.scalar(select(func.count(SupervisionPhoto.id))) == 1
    waiting = client.get(f"/r/notes/{note.tracking_code}").get_data(as_text=True)
    assert in_chinese(app, "Not answered yet. The team answers every note before the works are accepted.") in waiting
    member = login_as("dispatcher")
    db.session.add(TeamMember(project_id=building.id, user_id=member.id, duty="现场协调"))
    db.session.commit()
    detail = client.get(f"/renovation/{building.id}").get_data(as_text=True)
    assert note.tracking_code in detail and f"/renovation/notes/{note.id}/photos/" in detail
    assert client.get(f"/renovation/notes/{note.id}/photos/{note.photos[0].id}").status_code == 200
    response = client.post_form(f"/renovation/notes/{note.id}/answer", {"answer": "已安排当晚覆盖"},
                                page=f"/renovation/{building.id}")
    assert response.status_code == 302
    _sign_out(client)
    assert "已安排当晚覆盖" in client.get(f"/r/notes/{note.tracking_code}").get_data(as_text=True)


def test_only_the_team_answers_and_completion_waits_for_every_answer(app, client, db, building, login_as,
                                                                    frozen_clock):
    compound = building.compounds[0]
    _note(client, compound, building)
    note = db.session.scalar(select(SupervisionNote))
    login_as("dispatcher")  # not on the project's team
    refused = client.post_form(f"/renovation/notes/{note.id}/answer", {"answer": "好"},
                               page=f"/renovation/{building.id}")
    assert refused.status_code == 302 and db.session.get(SupervisionNote, note.id).answered_at is None
    _sign_out(client)
    login_as("operator")
    assert client.post_form(f"/renovation/notes/{note.id}/answer", {"answer": "好"}, page="/field").status_code == 403
    client.post_form("/logout", {}, page="/field")
    login_as("official")
    detail = client.get(f"/renovation/{building.id}").get_data(as_text=True)
    assert 'id="notes-check"' in detail and note.tracking_code in detail.split('id="notes-check"')[1]
    today = str(local_today(frozen_clock))
    client.post_form(f"/renovation/{building.id}/advance", {"to_stage": "completed", "on": today},
                     page=f"/renovation/{building.id}")
    message = in_chinese(app, "Every residents' supervision note must be answered first: the acceptance rests on "
                              "them.")
    assert message in client.get(f"/renovation/{building.id}").get_data(as_text=True)
    db.session.refresh(building)
    assert building.stage == "under_construction"
    client.post_form(f"/renovation/notes/{note.id}/answer", {"answer": "已整改"}, page=f"/renovation/{building.id}")
    client.post_form(f"/renovation/{building.id}/advance", {"to_stage": "completed", "on": today},
                     page=f"/renovation/{building.id}")
    db.session.refresh(building)
    assert building.stage == "completed"


def test_over_its_limit_a_note_is_refused_before_any_photo_is_read(app, client, db, building, monkeypatch):
    monkeypatch.setitem(app.config, "REPORTS_PER_ADDRESS_PER_HOUR", 1)
    compound = building.compounds[0]
    assert _note(client, compound, building).status_code == 303
    response = _note(client, compound, building, photo=b"%PDF-1.4 not an image")  # read, it would be a 400
    assert response.status_code == 429
    assert db.session.scalar(select(func.count(SupervisionNote.id))) == 1
    assert db.session.scalar(select(func.count(ReportHit.id))) == 1


def test_an_unknown_note_code_says_so_and_guessing_is_throttled(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "TRACK_MISSES_PER_ADDRESS_PER_HOUR", 2)
    for _ in range(2):
        response = client.get("/r/notes/NOSUCHCODE")
        assert response.status_code == 404
    assert in_chinese(app, "No supervision note has this tracking code. Please check the code and try again.") \
        in response.get_data(as_text=True)
    assert client.get("/r/notes/NOSUCHCODE").status_code == 429


def test_an_official_lists_a_compounds_rooms_and_a_bad_one_is_refused(app, client, db, login_as, consultation):
    from propmgmt.compounds.rooms import room_list

    compound = consultation.project.compounds[0]
    login_as("official")
    bad = client.post_form(f"/compounds/{compound.id}/rooms", {"rooms": "3-2-501\n3号楼2单元502\n<地下室>"})
    assert bad.status_code == 422 and "&lt;地下室&gt;" in bad.get_data(as_text=True)
    assert room_list(compound.id) == []
    response = client.post_form(f"/compounds/{compound.id}/rooms", {"rooms": "3-2-501\n3号楼2单元502\n3-2-501"})
    assert response.status_code == 302 and room_list(compound.id) == ["3-2-501", "3-2-502"]
    assert 'id="rooms-known">2' in client.get(f"/compounds/{compound.id}").get_data(as_text=True)
    _sign_out(client)
    client.get(f"/r/{compound.public_code}/consultations/{consultation.id}")
    unknown = _give(client, compound, consultation, room="9-9-909")
    assert unknown.status_code == 422
    assert in_chinese(app, "%(compound)s has no room %(room)s in the register. Please check the number.",
                      compound=compound.name, room="9-9-909") in unknown.get_data(as_text=True)
    assert _give(client, compound, consultation, room="3-2-502").status_code == 303
    assert db.session.scalar(select(Opinion.room_verified)) is True
