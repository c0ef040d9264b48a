"""The residents' voice on a project: the consultation before the works (one opinion per household, by room
and by device), supervision notes during them, and completion refused while a note is unanswered."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from propmgmt.audit.models import AuditEntry
from propmgmt.clock import local_today
from propmgmt.complaints.models import ReportHit
from propmgmt.compounds.rooms import Room, normalise_room
from propmgmt.errors import Conflict, DomainError, Forbidden
from propmgmt.renovation.consultation import (
    ItemData,
    close_consultation,
    give_opinion,
    open_consultation,
    record_plan_change,
)
from propmgmt.renovation.models import ProgressEntry, Project, TeamMember
from propmgmt.renovation.services import advance_stage
from propmgmt.renovation.supervision import answer_note, file_note
from propmgmt.renovation.voice_models import Opinion, SupervisionNote
from propmgmt.renovation.voice_queries import tally

from ..factories import CompoundFactory, RenovationProjectFactory, UserFactory

DEVICE_A, DEVICE_B = "a" * 32, "b" * 32


@pytest.fixture
def official(db):
    return UserFactory(role="official", display_name="王科长")


@pytest.fixture
def project(db):
    return RenovationProjectFactory(compounds=[CompoundFactory(name="南庄村众康北区"),
                                               CompoundFactory(name="南庄村众康南区")])


def _open(official, project, now, **overrides):
    values = dict(title="众康北区改造方案征求意见", ends_on=local_today(now) + timedelta(days=14),
                  items=[ItemData("整修小区道路"), ItemData("新建口袋公园")], now=now, upload_dir="/nonexistent")
    return open_consultation(official, project, **(values | overrides))


def _opinion(compound, consultation, now, *, room="3-2-501", device=DEVICE_A, support=(True, False), **kw):
    votes = {item.id: s for item, s in zip(consultation.items, support, strict=True)}
    return give_opinion(compound, consultation, room=room, votes=votes, text=kw.pop("text", "路灯也要修"),
                        device=device, address=kw.pop("address", "10.0.0.1"), now=now, **kw)


def test_room_numbers_are_read_one_way():
    assert normalise_room("3号楼2单元501室") == normalise_room(" 3-2-501 ") == normalise_room("3 2 501") == "3-2-501"
    assert normalise_room("") == normalise_room("<script>") == normalise_room("x" * 40) == ""


def test_a_household_gives_one_opinion_by_room_and_by_device_and_the_first_is_kept(db, official, project, now):
    consultation = _open(official, project, now)
    north = project.compounds[0]
    first = _opinion(north, consultation, now)
    with pytest.raises(Conflict, match="from this phone|这部手机"):
        _opinion(north, consultation, now, room="5-1-101", support=(False, False))
    with pytest.raises(Conflict, match="Room 3-2-501 has already|3-2-501 室已"):
        _opinion(north, consultation, now, room="3号楼2单元501", device=DEVICE_B, support=(False, False))
    kept = db.session.scalars(select(Opinion)).all()
    assert kept == [first] and {v.support for v in first.votes} == {True, False}
    # The same room number in the other compound of the project is another household.
    _opinion(project.compounds[1], consultation, now, device=DEVICE_B)
    result = tally(consultation)
    assert result.opinions == 2 and [(i.support, i.oppose) for i in result.items] == [(2, 0), (0, 2)]
    assert result.unverified_rooms == 2  # the register knows no rooms of these compounds: flagged
    assert db.session.scalar(select(func.count(ReportHit.id))) == 2  # counted with the reports' limits


def test_a_room_the_register_does_not_have_is_refused_where_it_knows_the_rooms(db, official, project, now):
    north = project.compounds[0]
    db.session.add_all([Room(compound_id=north.id, room="3-2-501"), Room(compound_id=north.id, room="3-2-502")])
    consultation = _open(official, project, now)
    with pytest.raises(DomainError, match="has no room 9-9-909|没有 9-9-909 室") as refused:
        _opinion(north, consultation, now, room="9-9-909")
    assert refused.value.field == "room"
    assert _opinion(north, consultation, now, room="3-2-502").room_verified is True
    assert db.session.scalar(select(func.count(Opinion.id))) == 1


def test_bad_opinions_are_refused_and_nothing_is_written(db, official, project, now):
    consultation = _open(official, project, now)
    north = project.compounds[0]
    for kwargs, field in (({"room": ""}, "room"), ({"device": None}, "device"), ({"text": "字" * 1001}, "text")):
        with pytest.raises(DomainError) as refused:
            _opinion(north, consultation, now, **kwargs)
        assert refused.value.field == field
    with pytest.raises(DomainError, match="each item|每个事项"):
        give_opinion(north, consultation, room="1-1-101", votes={consultation.items[0].id: True}, text="",
                     device=DEVICE_A, address=None, now=now)
    assert db.session.scalar(select(func.count(Opinion.id))) == 0


def test_closing_or_the_end_date_stops_opinions(db, official, project, now):
    consultation = _open(official, project, now, ends_on=local_today(now))
    north = project.compounds[0]
    with pytest.raises(Conflict, match="closed|已结束"):
        _opinion(north, consultation, now + timedelta(days=1))
    close_consultation(official, consultation, now=now)
    with pytest.raises(Conflict, match="closed|已结束"):
        _opinion(north, consultation, now)
    with pytest.raises(Conflict):
        close_consultation(official, consultation, now=now)
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "renovation_consultation_closed")) == 2  # one on each compound's timeline


def test_a_consultation_is_opened_by_officials_on_a_project_in_reserve_with_dates_in_order(db, official, project, now):
    with pytest.raises(DomainError, match="before today|不能早于今天") as refused:
        _open(official, project, now, ends_on=local_today(now) - timedelta(days=1))
    assert refused.value.field == "ends_on"
    with pytest.raises(DomainError, match="at least one item|至少列出一个"):
        _open(official, project, now, items=[ItemData("  ")])
    with pytest.raises(Forbidden):
        _open(UserFactory(role="dispatcher"), project, now)
    _open(official, project, now)
    with pytest.raises(Conflict, match="already has an open consultation|已有正在进行"):
        _open(official, project, now)
    building = RenovationProjectFactory(stage="new_start")
    with pytest.raises(Conflict, match="reserve|储备"):
        _open(official, building, now)


def test_how_the_plan_changed_is_recorded_and_audited(db, official, project, now):
    consultation = _open(official, project, now)
    with pytest.raises(DomainError):
        record_plan_change(official, consultation, "  ", now=now)
    record_plan_change(official, consultation, "口袋公园改为停车位", now=now)
    assert consultation.plan_change == "口袋公园改为停车位"
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "renovation_plan_changed")).all()
    assert len(entries) == 2  # on the timeline of each compound of the project
    assert entries[0].changes["plan_change"] == ["", "口袋公园改为停车位"]


def _building(db, **kw) -> Project:
    project = RenovationProjectFactory(stage="under_construction", contractor="阳泉市城建公司",
                                       actual_new_start_on=date(2026, 10, 1),
                                       actual_under_construction_on=date(2026, 10, 15), **kw)
    db.session.add(ProgressEntry(project_id=project.id, month=date(2026, 11, 1), percent=100, done="完工"))
    db.session.flush()
    db.session.expire(project)
    return project


def test_completion_is_refused_while_a_supervision_note_is_unanswered(db, official, now):
    member = UserFactory(role="dispatcher")
    project = _building(db)
    db.session.add(TeamMember(project_id=project.id, user_id=member.id, duty="现场协调"))
    compound = project.compounds[0]
    note = file_note(compound, project, text="3号楼管线夜里没有盖好", photos=[], address="10.0.0.9", now=now,
                     upload_dir="/nonexistent")
    assert len(note.tracking_code) == 10
    before = db.session.scalar(select(func.count(AuditEntry.id)))
    with pytest.raises(DomainError, match="supervision note must be answered|须先答复每一条"):
        advance_stage(official, project, to_stage="completed", on=local_today(now), now=now)
    db.session.refresh(project)
    assert project.stage == "under_construction" and project.actual_completed_on is None
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before  # nothing half-written
    with pytest.raises(Forbidden):
        answer_note(UserFactory(role="dispatcher"), note, "好的", now=now)  # not on the team
    answer_note(member, note, "已安排施工方当晚覆盖", now=now)
    with pytest.raises(Conflict):
        answer_note(official, note, "再答一次", now=now)
    advance_stage(official, project, to_stage="completed", on=local_today(now), now=now)
    assert project.stage == "completed"
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == project.id,
                                                                 AuditEntry.entity_type == "renovation_project"))
    assert {"renovation_note_filed", "renovation_note_answered"} <= set(actions)


def test_notes_are_taken_only_while_the_project_is_under_construction(db, now):
    project = RenovationProjectFactory()
    with pytest.raises(Conflict, match="under construction|在建"):
        file_note(project.compounds[0], project, text="施工噪音", photos=[], address=None, now=now,
                  upload_dir="/nonexistent")
    building = _building(db)
    with pytest.raises(Conflict):  # a compound the project does not cover
        file_note(CompoundFactory(), building, text="施工噪音", photos=[], address=None, now=now,
                  upload_dir="/nonexistent")
    with pytest.raises(DomainError, match="Write what you saw|写下您看到"):
        file_note(building.compounds[0], building, text=" ", photos=[], address=None, now=now,
                  upload_dir="/nonexistent")
    assert db.session.scalar(select(func.count(SupervisionNote.id))) == 0


def test_the_works_starting_end_the_consultation(db, official, project, now):
    consultation = _open(official, project, now)
    project.contractor = "城建公司"
    advance_stage(official, project, to_stage="new_start", on=local_today(now), now=now)
    assert not consultation.is_open(local_today(now))
    with pytest.raises(Conflict, match="closed|已结束"):
        _opinion(project.compounds[0], consultation, now)
