"""The assignment workflow's rules, called directly."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from propmgmt.assignments.models import Assignment
from propmgmt.assignments.queries import QueueFilter, unmanaged_queue
from propmgmt.assignments.services import (
    BulkRejected,
    approve_assignment,
    end_assignment,
    propose_assignment,
    propose_assignments,
    reject_assignment,
    release_compound,
)
from propmgmt.audit.models import AuditEntry
from propmgmt.errors import Conflict, DomainError
from propmgmt.orgs.models import crew_compound
from propmgmt.outbox.models import Notification
from propmgmt.plans.models import ServicePlan, Task

from ..factories import CompoundFactory, OrganisationFactory, UserFactory


def _count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_propose_records_a_proposal_without_changing_the_mode(db, setting, now):
    compound = CompoundFactory()
    assignment = propose_assignment(setting.dispatcher, compound, setting.proposal(), now=now)
    assert assignment.status == "proposed" and compound.management_mode == "unmanaged"
    assert [t.code for t in assignment.service_types] == ["cleaning", "garbage_sorting"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "assignment_proposed")).one()
    assert (entry.actor_id, entry.compound_id, entry.to_state) == (setting.dispatcher.id, compound.id, "proposed")


@pytest.mark.parametrize("overrides, field", [
    ({"decision_no": "  "}, "decision_no"),
    ({"start_date": None}, "start_date"),
    ({"review_date": date(2026, 11, 30)}, "review_date"),
    ({"service_type_ids": []}, "service_type_ids"),
    ({"service_type_ids": [999999]}, "service_type_ids"),
    ({"leader_id": None}, "leader_id"),
    ({"crew_id": 999999}, "crew_id"),
])
def test_propose_refuses_bad_proposals(db, setting, now, overrides, field):
    compound = CompoundFactory()
    with pytest.raises(DomainError) as error:
        propose_assignment(setting.official, compound, setting.proposal(**overrides), now=now)
    assert error.value.field == field
    assert _count(db, Assignment) == 0


def test_leader_must_be_an_official(db, setting, now):
    with pytest.raises(DomainError, match="责任领导"):
        propose_assignment(setting.official, CompoundFactory(), setting.proposal(leader_id=setting.operator_user.id),
                           now=now)


def test_start_date_before_the_compound_was_built(db, setting, now):
    compound = CompoundFactory(year_built=2020)
    with pytest.raises(DomainError, match="建成年份"):
        propose_assignment(setting.official, compound, setting.proposal(start_date=date(2019, 5, 1),
                                                                        review_date=None), now=now)


@pytest.mark.parametrize("mode", ["fallback", "professional", "self_managed"])
def test_only_unmanaged_compounds_can_be_proposed(db, setting, now, mode):
    with pytest.raises(DomainError, match="不是无人管理小区"):
        propose_assignment(setting.official, CompoundFactory(management_mode=mode), setting.proposal(), now=now)


def test_unknown_compound(db, setting, now):
    with pytest.raises(DomainError, match="未知小区"):
        propose_assignment(setting.official, None, setting.proposal(), now=now)


def test_operators_and_firms_cannot_propose(db, setting, now):
    for role in ("operator", "firm"):
        with pytest.raises(DomainError):
            propose_assignment(UserFactory(role=role), CompoundFactory(), setting.proposal(), now=now)


def test_one_open_assignment_per_compound(db, setting, now):
    compound = CompoundFactory()
    propose_assignment(setting.official, compound, setting.proposal(), now=now)
    with pytest.raises(Conflict, match="已有待审批或进行中的托底"):
        propose_assignment(setting.official, compound, setting.proposal(decision_no="另一个文号"), now=now)
    assert _count(db, Assignment) == 1


def test_the_database_itself_refuses_a_second_open_assignment(db, setting, now):
    compound = CompoundFactory()
    first = propose_assignment(setting.official, compound, setting.proposal(), now=now)
    db.session.flush()
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(Assignment(compound_id=compound.id, operator_org_id=first.operator_org_id,
                                      decision_no="x", status="active", responsible_leader_id=setting.official.id,
                                      start_date=date(2026, 12, 1)))


def test_approval_starts_fallback_service(db, setting, now):
    compound = CompoundFactory()
    assignment = propose_assignment(setting.dispatcher, compound, setting.proposal(), now=now)
    approve_assignment(setting.official, assignment, now=now)
    assert assignment.status == "active" and assignment.decided_by_id == setting.official.id
    assert compound.management_mode == "fallback" and compound.mode_since == now
    plans = db.session.scalars(select(ServicePlan).where(ServicePlan.assignment_id == assignment.id)
                               .order_by(ServicePlan.service_type_id)).all()
    assert [(p.rrule, len(p.windows), p.crew_id) for p in plans] == [
        ("FREQ=DAILY", 1, setting.crew.id), ("FREQ=DAILY", 2, setting.crew.id)]
    assert _count(db, crew_compound, crew_compound.c.compound_id == compound.id) == 1
    told = db.session.scalars(select(Notification).where(Notification.kind == "assigned")).all()
    assert [n.recipient_id for n in told] == [setting.dispatcher.id]
    review = db.session.scalars(select(Notification).where(Notification.kind == "review_due")).one()
    assert review.recipient_id == setting.official.id
    assert review.next_attempt_at == datetime(2027, 5, 18, 1, 0, tzinfo=timezone.utc)  # 14 days before, 09:00 local
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "assignment_approved")).one()
    assert (entry.from_state, entry.to_state, entry.actor_id) == ("unmanaged", "fallback", setting.official.id)


def test_approval_is_once_and_by_officials_only(db, setting, now):
    assignment = propose_assignment(setting.dispatcher, CompoundFactory(), setting.proposal(), now=now)
    with pytest.raises(DomainError):
        approve_assignment(setting.dispatcher, assignment, now=now)
    approve_assignment(setting.official, assignment, now=now)
    with pytest.raises(Conflict, match="已有他人先行处理"):
        approve_assignment(setting.official, assignment, now=now)
    assert _count(db, ServicePlan) == 2
    assert _count(db, Notification, Notification.kind == "assigned") == 1


def test_rejection_needs_a_reason_and_frees_the_compound(db, setting, now):
    compound = CompoundFactory()
    assignment = propose_assignment(setting.dispatcher, compound, setting.proposal(), now=now)
    with pytest.raises(DomainError, match="驳回理由"):
        reject_assignment(setting.official, assignment, "  ", now=now)
    reject_assignment(setting.official, assignment, "文号有误", now=now)
    assert assignment.status == "rejected" and assignment.rejection_reason == "文号有误"
    assert compound.management_mode == "unmanaged"
    with pytest.raises(Conflict):
        approve_assignment(setting.official, assignment, now=now)
    propose_assignment(setting.dispatcher, compound, setting.proposal(), now=now)  # may be proposed again


def test_revoking_makes_the_compound_unmanaged_and_cancels_future_tasks(db, setting, now):
    compound = CompoundFactory()
    assignment = propose_assignment(setting.official, compound, setting.proposal(start_date=date(2026, 11, 1)),
                                    now=now)
    approve_assignment(setting.official, assignment, now=now)
    plan = db.session.scalars(select(ServicePlan).where(ServicePlan.assignment_id == assignment.id)).first()
    past = Task(plan_id=plan.id, compound_id=compound.id, service_type_id=plan.service_type_id, status="done",
                window_start=now - timedelta(days=1), window_end=now - timedelta(days=1) + timedelta(hours=2))
    future = Task(plan_id=plan.id, compound_id=compound.id, service_type_id=plan.service_type_id,
                  window_start=now + timedelta(days=1), window_end=now + timedelta(days=1, hours=2))
    db.session.add_all([past, future])
    db.session.flush()
    with pytest.raises(DomainError, match="理由"):
        end_assignment(setting.official, assignment, "revoked", "", now=now)
    end_assignment(setting.official, assignment, "revoked", "区里决定撤销", now=now)
    db.session.refresh(past)
    db.session.refresh(future)
    assert assignment.status == "ended" and assignment.end_reason == "revoked"
    assert compound.management_mode == "unmanaged"
    assert (past.status, future.status) == ("done", "cancelled")
    assert _count(db, ServicePlan, ServicePlan.status == "ended") == 2
    assert compound in db.session.scalars(unmanaged_queue(QueueFilter())).all()
    with pytest.raises(Conflict):
        end_assignment(setting.official, assignment, "revoked", "again", now=now)


def test_handing_over_makes_the_compound_professional(db, setting, now):
    compound = CompoundFactory()
    assignment = propose_assignment(setting.official, compound, setting.proposal(), now=now)
    approve_assignment(setting.official, assignment, now=now)
    with pytest.raises(DomainError, match="物业企业"):
        end_assignment(setting.official, assignment, "handed_over", "移交", now=now)
    firm = OrganisationFactory()
    end_assignment(setting.official, assignment, "handed_over", "移交示例物业", now=now, end_date=date(2026, 12, 31),
                   firm_id=firm.id)
    assert compound.management_mode == "professional" and assignment.end_date == date(2026, 12, 31)
    assert compound.firm_id == firm.id


def test_a_firm_leaving_puts_the_compound_back_in_the_queue(db, setting, now):
    compound = CompoundFactory(management_mode="professional")
    with pytest.raises(DomainError):
        release_compound(setting.official, compound, "", now=now)
    long_waiting = CompoundFactory(mode_since=now - timedelta(days=400))
    release_compound(setting.official, compound, "物业公司合同到期撤出", now=now)
    assert compound.management_mode == "unmanaged" and compound.released_at == now
    assert db.session.scalars(unmanaged_queue(QueueFilter())).all() == [compound, long_waiting]  # at the top
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mode_changed")).one()
    assert (entry.from_state, entry.to_state, entry.reason) == ("professional", "unmanaged", "物业公司合同到期撤出")
    with pytest.raises(DomainError):
        release_compound(setting.official, CompoundFactory(management_mode="fallback"), "x", now=now)


def test_queue_puts_the_longest_waiting_first(db, now):
    recent = CompoundFactory(mode_since=now - timedelta(days=3))
    oldest = CompoundFactory(mode_since=now - timedelta(days=300))
    CompoundFactory(management_mode="fallback", mode_since=now - timedelta(days=900))
    assert db.session.scalars(unmanaged_queue(QueueFilter())).all() == [oldest, recent]


def test_bulk_proposal_with_one_decision_number(db, setting, now):
    compounds = [CompoundFactory() for _ in range(3)]
    created = propose_assignments(setting.official, [c.id for c in compounds], setting.proposal(), now=now,
                                  approve=True)
    assert {a.decision_no for a in created} == {"城住建物管〔2026〕7号"}
    assert {c.management_mode for c in compounds} == {"fallback"}


def test_bulk_proposal_with_one_bad_compound_assigns_none(db, setting, now):
    good = [CompoundFactory() for _ in range(2)]
    bad = CompoundFactory(name="已有物业小区", management_mode="professional")
    with pytest.raises(BulkRejected) as rejected:
        propose_assignments(setting.official, [good[0].id, bad.id, good[1].id, 999999], setting.proposal(),
                            now=now)
    failed = {(c.name if c else None) for c, _message in rejected.value.failures}
    assert failed == {"已有物业小区", None}
    assert _count(db, Assignment) == 0


def test_dispatchers_cannot_bulk_approve(db, setting, now):
    with pytest.raises(DomainError):
        propose_assignments(setting.dispatcher, [CompoundFactory().id], setting.proposal(), now=now, approve=True)
    assert _count(db, Assignment) == 0
