"""A compound taken through every stage to a professional firm, and the way back."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from propmgmt.assignments.models import Assignment
from propmgmt.assignments.services import approve_assignment, propose_assignment
from propmgmt.errors import Conflict, DomainError
from propmgmt.handovers.rules import Vote
from propmgmt.handovers.services import (
    Forbidden,
    abort_handover,
    advance,
    complete_handover,
    mark_fixed,
    record_inspection,
    record_owners_decision,
    select_firm,
    sign_inspection,
    start_handover,
)
from propmgmt.plans.generation import generate_tasks
from propmgmt.plans.models import ServicePlan, Task

from ..factories import CompoundFactory, OrganisationFactory, UserFactory

PASSING = Vote(300, Decimal("30000"), 200, Decimal("20000"), 101, Decimal("10000.01"))


@pytest.fixture
def served(db, setting, now):
    compound = CompoundFactory(name="育英小区")
    approve_assignment(setting.official, propose_assignment(setting.official, compound, setting.proposal(
        start_date=date(2026, 11, 25), review_date=None), now=now), now=now)
    generate_tasks(date(2026, 12, 5), now=now)
    firm = OrganisationFactory(name="示例物业服务有限公司")
    return {"compound": compound, "firm": firm, "firm_user": UserFactory(role="firm", organisation=firm)}


def _move(official, handover, stage, now, **kwargs):
    return advance(official, handover, to_stage=stage, owner_id=official.id, due_on=date(2026, 12, 31), now=now,
                   **kwargs)


def _to_inspection(setting, served, now):
    official = setting.official
    handover = start_handover(official, served["compound"], owner_id=official.id, due_on=None, now=now)
    _move(official, handover, "owners_decision", now)
    record_owners_decision(official, handover, PASSING, decided_on=date(2026, 11, 20), note="", now=now)
    _move(official, handover, "firm_selection", now)
    select_firm(official, handover, firm_id=served["firm"].id, contract_start=date(2027, 1, 1),
                contract_end=date(2029, 12, 31), fee_standard="0.8元/㎡·月", now=now)
    _move(official, handover, "joint_inspection", now)
    return handover


def test_every_stage_to_professional(db, setting, served, now):
    official, compound = setting.official, served["compound"]
    handover = _to_inspection(setting, served, now)
    record_inspection(official, handover, facility="roads", result="ok", defect="", blocking=False, fixer="",
                      fix_by=None, now=now)
    drain = record_inspection(official, handover, facility="drains", result="defect", defect="3号井盖破损",
                              blocking=True, fixer="洁诚物业", fix_by=date(2026, 12, 1), now=now)
    with pytest.raises(DomainError, match="阻断"):
        sign_inspection(served["firm_user"], handover, now=now)
    mark_fixed(official, drain, now=now)
    sign_inspection(served["firm_user"], handover, now=now)
    sign_inspection(official, handover, now=now)
    _move(official, handover, "transition", now, transition_end=date(2026, 11, 25))
    assert compound.management_mode == "fallback"  # both serve during the transition
    complete_handover(official, handover, now=now)

    assert handover.stage == "completed"
    assert compound.management_mode == "professional" and compound.firm_id == served["firm"].id
    assignment = db.session.scalars(select(Assignment).where(Assignment.compound_id == compound.id)).one()
    assert (assignment.status, assignment.end_reason) == ("ended", "handed_over")
    assert {p.status for p in db.session.scalars(select(ServicePlan))} == {"ended"}
    future = db.session.scalars(select(Task).where(Task.window_start > now)).all()
    assert future and {t.status for t in future} == {"cancelled"}


def test_stages_cannot_be_skipped(db, setting, served, now):
    handover = start_handover(setting.official, served["compound"], owner_id=None, due_on=None, now=now)
    with pytest.raises(DomainError, match="不能跳过"):
        _move(setting.official, handover, "firm_selection", now)
    _move(setting.official, handover, "owners_decision", now)
    with pytest.raises(DomainError, match="业主表决"):
        _move(setting.official, handover, "firm_selection", now)
    failing = Vote(300, Decimal("30000"), 199, Decimal("20000"), 150, Decimal("15000"))
    record_owners_decision(setting.official, handover, failing, decided_on=date(2026, 11, 20), note="", now=now)
    with pytest.raises(DomainError, match="第二百七十八条"):
        _move(setting.official, handover, "firm_selection", now)
    assert handover.stage == "owners_decision"


def test_impossible_votes_are_refused(db, setting, served, now):
    handover = start_handover(setting.official, served["compound"], owner_id=None, due_on=None, now=now)
    _move(setting.official, handover, "owners_decision", now)
    with pytest.raises(DomainError, match="参与表决的业主人数超过"):
        record_owners_decision(setting.official, handover, Vote(10, Decimal(100), 11, Decimal(90), 8, Decimal(80)),
                               decided_on=date(2026, 11, 20), note="", now=now)
    with pytest.raises(DomainError, match="同意的面积超过"):
        record_owners_decision(setting.official, handover, Vote(10, Decimal(100), 9, Decimal(90), 8, Decimal(95)),
                               decided_on=date(2026, 11, 20), note="", now=now)
    assert handover.owners_decision is None


def test_a_firm_user_cannot_sign_someone_elses_inspection(db, setting, served, now):
    handover = _to_inspection(setting, served, now)
    record_inspection(setting.official, handover, facility="roads", result="ok", defect="", blocking=False,
                      fixer="", fix_by=None, now=now)
    other_firm_user = UserFactory(role="firm", organisation=OrganisationFactory())
    with pytest.raises(Forbidden):
        sign_inspection(other_firm_user, handover, now=now)
    assert handover.firm_signed_at is None
    with pytest.raises(DomainError):
        _move(setting.official, handover, "transition", now, transition_end=date(2026, 12, 31))


def test_completion_waits_for_the_end_of_the_transition(db, setting, served, now):
    handover = _to_inspection(setting, served, now)
    record_inspection(setting.official, handover, facility="roads", result="ok", defect="", blocking=False,
                      fixer="", fix_by=None, now=now)
    sign_inspection(served["firm_user"], handover, now=now)
    sign_inspection(setting.official, handover, now=now)
    _move(setting.official, handover, "transition", now, transition_end=date(2026, 12, 15))
    with pytest.raises(DomainError, match="过渡期"):
        complete_handover(setting.official, handover, now=now)
    assert served["compound"].management_mode == "fallback"


def test_abort_at_any_stage_and_one_open_handover(db, setting, served, now):
    handover = start_handover(setting.official, served["compound"], owner_id=None, due_on=None, now=now)
    with pytest.raises(Conflict):
        start_handover(setting.official, served["compound"], owner_id=None, due_on=None, now=now)
    with pytest.raises(DomainError):
        abort_handover(setting.official, handover, "", now=now)
    abort_handover(setting.official, handover, "业主意见分歧", now=now)
    assert handover.stage == "aborted"
    start_handover(setting.official, served["compound"], owner_id=None, due_on=None, now=now)  # may start again


def test_dispatchers_cannot_move_handovers(db, setting, served, now):
    with pytest.raises(Forbidden):
        start_handover(setting.dispatcher, served["compound"], owner_id=None, due_on=None, now=now)


def test_the_way_back_in_one_step(client, db, setting, served, now):
    """Handed over, the firm leaves, and the official re-assigns it with one submit."""
    compound = served["compound"]
    handover = _to_inspection(setting, served, now)
    record_inspection(setting.official, handover, facility="roads", result="ok", defect="", blocking=False,
                      fixer="", fix_by=None, now=now)
    sign_inspection(served["firm_user"], handover, now=now)
    sign_inspection(setting.official, handover, now=now)
    _move(setting.official, handover, "transition", now, transition_end=date(2026, 11, 25))
    complete_handover(setting.official, handover, now=now)
    db.session.commit()
    client.post_form("/login", {"username": setting.official.username, "password": "password123"})
    response = client.post_form(f"/assignments/release/{compound.id}", {"reason": "物业合同到期撤出"})
    assert response.headers["Location"].endswith(f"/assignments/propose?compound_ids={compound.id}")
    assert compound.management_mode == "unmanaged" and compound.firm_id is None
    queue = client.get("/assignments/unmanaged").get_data(as_text=True)
    assert "育英小区" in queue.split("<tbody>")[1].split("</tr>")[0]  # at the top of the queue
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "物业企业已撤出" in page and '<input checked id="approve_now"' in page
    form = {"compound_ids": compound.id, "decision_no": "城住建物管〔2027〕1号", "reason": "物业撤出，重新托底",
            "service_type_ids": [t.id for t in setting.types], "leader_id": setting.official.id,
            "crew_id": setting.crew.id, "start_date": "2026-11-25", "review_date": "", "approve_now": "y"}
    client.post_form("/assignments/propose", form, page=response.headers["Location"])
    assert compound.management_mode == "fallback"
