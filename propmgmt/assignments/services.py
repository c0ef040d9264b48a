"""The assignment workflow of the measures: propose, approve or reject, end; and release.

A compound's mode and its assignments always agree: only these functions change either,
each checks the state it starts from with a conditional UPDATE, so when two officials act on
the same compound at the same moment exactly one succeeds and the other gets a clear message.
They flush, never commit.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..auth.models import User
from ..auth.roles import ASSIGNMENT_DECIDERS, ASSIGNMENT_PROPOSERS, RESPONSIBLE_LEADERS
from ..clock import local_to_utc, to_local
from ..compounds.models import Compound
from ..errors import Conflict, DomainError, Forbidden
from ..extensions import db
from ..orgs.models import Crew, Organisation, crew_compound
from ..outbox.services import notify_users
from ..plans.generation import generate_tasks, horizon_end
from ..plans.models import ServicePlan, ServiceType
from ..plans.services import create_default_plans, end_plans_of_assignment
from .models import OPEN_ASSIGNMENT_STATUSES, Assignment

PROPOSERS = ASSIGNMENT_PROPOSERS
DECIDERS = ASSIGNMENT_DECIDERS
LEADER_ROLES = RESPONSIBLE_LEADERS
REVIEW_REMINDER_DAYS = 14


@dataclass
class Proposal:
    """What a proposal says, for one compound or many (bulk: one decision number)."""

    decision_no: str
    reason: str
    service_type_ids: list[int]
    leader_id: int | None
    start_date: date | None
    review_date: date | None
    crew_id: int | None = None


class BulkRejected(DomainError):
    """At least one compound of a bulk proposal failed; `failures` says which and why."""

    def __init__(self, failures: list[tuple[Compound, str]]):
        super().__init__(_l("%(n)d of the selected compounds cannot be assigned; nothing was assigned.",
                            n=len(failures)))
        self.failures = failures


def _require_role(actor, roles, message):
    if actor is None or actor.role not in roles:
        raise Forbidden(message)


def fallback_operator() -> Organisation:
    operator = db.session.scalar(select(Organisation).where(Organisation.kind == "fallback_operator"))
    if operator is None:
        raise DomainError(_l("No fallback operator is registered."))
    return operator


def _check_proposal(proposal: Proposal) -> tuple[User, list[ServiceType], Crew | None]:
    """The parts of a proposal that do not depend on the compound."""
    if not (proposal.decision_no or "").strip():
        raise DomainError(_l("The decision number is required."), field="decision_no")
    if len(proposal.decision_no.strip()) > 60:
        raise DomainError(_l("The decision number may have at most 60 characters."), field="decision_no")
    if proposal.start_date is None:
        raise DomainError(_l("The start date is required."), field="start_date")
    if proposal.review_date is not None and proposal.review_date < proposal.start_date:
        raise DomainError(_l("The review date must not be before the start date."), field="review_date")
    leader = db.session.get(User, proposal.leader_id) if proposal.leader_id else None
    if leader is None or not leader.active or leader.role not in LEADER_ROLES:
        raise DomainError(_l("Choose the responsible leader: an active official."), field="leader_id")
    ids = sorted(set(proposal.service_type_ids or []))
    types = db.session.scalars(select(ServiceType).where(ServiceType.id.in_(ids), ServiceType.active)
                               .order_by(ServiceType.id)).all()  # the relationship's order, before a reload too
    if not ids or len(types) != len(ids):
        raise DomainError(_l("Choose at least one service in the scope."), field="service_type_ids")
    crew = None
    if proposal.crew_id:
        crew = db.session.get(Crew, proposal.crew_id)
        if crew is None or crew.organisation.kind != "fallback_operator":
            raise DomainError(_l("Unknown crew."), field="crew_id")
    return leader, list(types), crew


def _check_compound(compound: Compound | None, proposal: Proposal) -> None:
    if compound is None:
        raise DomainError(_l("Unknown compound."), field="compound_id", code="not_found")
    if compound.management_mode != "unmanaged":
        from ..compounds.labels import MODE_LABELS
        raise DomainError(_l("%(name)s is not unmanaged (it is: %(mode)s); only unmanaged compounds can be "
                             "assigned to the fallback operator.", name=compound.name,
                             mode=MODE_LABELS[compound.management_mode]), field="compound_id")
    if compound.year_built and proposal.start_date.year < compound.year_built:
        raise DomainError(_l("The start date is before %(name)s was built (%(year)d).",
                             name=compound.name, year=compound.year_built), field="start_date")
    open_one = db.session.scalar(select(Assignment.id).where(
        Assignment.compound_id == compound.id, Assignment.status.in_(OPEN_ASSIGNMENT_STATUSES)))
    if open_one:
        raise Conflict(_l("%(name)s already has an open assignment.", name=compound.name), field="compound_id")


def propose_assignment(actor, compound: Compound | None, proposal: Proposal, *, now: datetime) -> Assignment:
    _require_role(actor, PROPOSERS, _l("Only dispatchers and officials may propose an assignment."))
    leader, types, crew = _check_proposal(proposal)
    _check_compound(compound, proposal)
    return _insert_proposal(actor, compound, proposal, leader, types, crew, now)


def _insert_proposal(actor, compound, proposal, leader, types, crew, now) -> Assignment:
    assignment = Assignment(
        compound_id=compound.id,
        operator_org_id=fallback_operator().id,
        decision_no=proposal.decision_no.strip(),
        reason=(proposal.reason or "").strip(),
        status="proposed",
        responsible_leader_id=leader.id,
        crew_id=crew.id if crew else None,
        proposed_by_id=actor.id,
        proposed_at=now,
        start_date=proposal.start_date,
        review_date=proposal.review_date,
        service_types=types,
    )
    try:
        with db.session.begin_nested():  # the partial unique index decides a race between proposers
            db.session.add(assignment)
    except IntegrityError:
        raise Conflict(_l("%(name)s already has an open assignment.", name=compound.name), field="compound_id")
    record(actor, "assignment", assignment.id, "assignment_proposed", now=now, compound_id=compound.id,
           to_state="proposed", reason=assignment.reason,
           changes={"decision_no": [None, assignment.decision_no]})
    return assignment


def propose_assignments(actor, compound_ids: list[int], proposal: Proposal, *, now: datetime,
                        approve: bool = False) -> list[Assignment]:
    """Bulk: one decision number for many compounds. Any failure raises BulkRejected, naming each."""
    _require_role(actor, PROPOSERS, _l("Only dispatchers and officials may propose an assignment."))
    if approve:
        _require_role(actor, DECIDERS, _l("Only officials may approve an assignment."))
    if not compound_ids:
        raise DomainError(_l("Select at least one compound."), field="compound_ids")
    leader, types, crew = _check_proposal(proposal)
    compounds = {c.id: c for c in db.session.scalars(select(Compound).where(Compound.id.in_(compound_ids)))}
    failures = []
    for compound_id in dict.fromkeys(compound_ids):
        compound = compounds.get(compound_id)
        try:
            _check_compound(compound, proposal)
        except DomainError as error:
            failures.append((compound, str(error.message)))
    if failures:
        raise BulkRejected(failures)
    assignments = []
    for compound_id in dict.fromkeys(compound_ids):
        assignment = _insert_proposal(actor, compounds[compound_id], proposal, leader, types, crew, now)
        if approve:
            approve_assignment(actor, assignment, now=now, generate=False)
        assignments.append(assignment)
    if approve:
        generate_first_tasks([a.id for a in assignments], now=now)
    return assignments


def generate_first_tasks(assignment_ids: list[int], *, now: datetime) -> dict:
    """The tasks of these assignments' plans through the horizon, as the scheduler would make them."""
    plan_ids = list(db.session.scalars(select(ServicePlan.id).where(ServicePlan.assignment_id.in_(assignment_ids))))
    if not plan_ids:
        return {"created": 0}
    return generate_tasks(horizon_end(now, current_app.config["PROPMGMT_HORIZON_DAYS"]), now=now, plan_ids=plan_ids)


def approve_assignment(actor, assignment: Assignment, *, now: datetime, generate: bool = True) -> Assignment:
    """The compound comes under fallback service; its default plans have their first tasks at once.

    (Without them the crews' day stayed empty until the scheduler's next run.) Bulk approval
    passes generate=False and generates once for all.
    """
    _require_role(actor, DECIDERS, _l("Only officials may approve an assignment."))
    won = db.session.execute(
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.status == "proposed")
        .values(status="active", decided_by_id=actor.id, decided_at=now)
    ).rowcount
    if not won:
        raise Conflict(_l("This assignment is no longer awaiting a decision; someone else decided it first."))
    moved = db.session.execute(
        update(Compound)
        .where(Compound.id == assignment.compound_id, Compound.management_mode == "unmanaged")
        .values(management_mode="fallback", mode_since=now, updated_at=now, released_at=None)
    ).rowcount
    if not moved:
        raise Conflict(_l("The compound is no longer unmanaged; the assignment cannot start."))
    db.session.refresh(assignment)
    compound = assignment.compound
    db.session.refresh(compound)
    if assignment.crew_id:
        from ..database import insert_ignoring_duplicates
        insert_ignoring_duplicates(crew_compound, [{"crew_id": assignment.crew_id, "compound_id": compound.id}])
    create_default_plans(assignment, now=now)
    if generate:
        generate_first_tasks([assignment.id], now=now)
    record(actor, "assignment", assignment.id, "assignment_approved", now=now, compound_id=compound.id,
           from_state="unmanaged", to_state="fallback")
    _notify_on_start(assignment, compound, now)
    return assignment


def _notify_on_start(assignment: Assignment, compound: Compound, now: datetime) -> None:
    dispatchers = db.session.scalars(select(User).where(
        User.role == "dispatcher", User.active, User.organisation_id == assignment.operator_org_id)).all()
    payload = {"compound": compound.name, "decision_no": assignment.decision_no,
               "start_date": assignment.start_date.isoformat()}
    notify_users(dispatchers, kind="assigned", subject_type="assignment", subject_id=assignment.id,
                 payload=payload, due_at=now, now=now)
    if assignment.review_date:
        remind_on = assignment.review_date - timedelta(days=REVIEW_REMINDER_DAYS)
        due = max(now, local_to_utc(remind_on, time(9, 0)))
        notify_users([assignment.responsible_leader], kind="review_due", subject_type="assignment",
                     subject_id=assignment.id, payload=payload | {"review_date": assignment.review_date.isoformat()},
                     due_at=due, now=now)


def reject_assignment(actor, assignment: Assignment, reason: str, *, now: datetime) -> Assignment:
    _require_role(actor, DECIDERS, _l("Only officials may reject an assignment."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give the reason for the rejection."), field="reason")
    won = db.session.execute(
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.status == "proposed")
        .values(status="rejected", decided_by_id=actor.id, decided_at=now, rejection_reason=reason)
    ).rowcount
    if not won:
        raise Conflict(_l("This assignment is no longer awaiting a decision; someone else decided it first."))
    db.session.refresh(assignment)
    record(actor, "assignment", assignment.id, "assignment_rejected", now=now,
           compound_id=assignment.compound_id, from_state="proposed", to_state="rejected", reason=reason)
    return assignment


END_MODES = {"revoked": "unmanaged", "handed_over": "professional"}


def end_assignment(actor, assignment: Assignment, end_reason: str, note: str, *, now: datetime,
                   end_date: date | None = None, firm_id: int | None = None) -> Assignment:
    """Ends an active assignment: revoked (the compound is unmanaged again) or handed over to `firm_id`."""
    _require_role(actor, DECIDERS, _l("Only officials may end an assignment."))
    if end_reason not in END_MODES:
        raise DomainError(_l("Choose why the assignment ends."), field="end_reason")
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("Give the reason for ending the assignment."), field="note")
    # Revoked before it began: it ends on its first day, with no service days.
    if end_reason == "handed_over" and not firm_id:
        raise DomainError(_l("A handover needs the firm that takes over."), field="firm_id")
    end_date = end_date or max(to_local(now).date(), assignment.start_date)
    if end_date < assignment.start_date:
        raise DomainError(_l("The end date must not be before the start date."), field="end_date")
    won = db.session.execute(
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.status == "active")
        .values(status="ended", end_date=end_date, end_reason=end_reason, end_note=note)
    ).rowcount
    if not won:
        raise Conflict(_l("Only an active assignment can be ended."))
    new_mode = END_MODES[end_reason]
    db.session.execute(
        update(Compound).where(Compound.id == assignment.compound_id)
        .values(management_mode=new_mode, mode_since=now, updated_at=now, firm_id=firm_id,
                released_at=now if new_mode == "unmanaged" else None)
    )
    db.session.refresh(assignment)
    db.session.refresh(assignment.compound)
    end_plans_of_assignment(assignment.id, last_day=end_date, now=now)
    record(actor, "assignment", assignment.id, "assignment_ended", now=now, compound_id=assignment.compound_id,
           from_state="fallback", to_state=new_mode, reason=note)
    return assignment


def release_compound(actor, compound: Compound, reason: str, *, now: datetime) -> Compound:
    """A professional firm (or the owners' self-management) leaves: the compound is unmanaged again."""
    _require_role(actor, DECIDERS, _l("Only officials may change a compound's management mode."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give the reason why the compound is no longer managed."), field="reason")
    old_mode = compound.management_mode
    if old_mode not in ("professional", "self_managed"):
        raise DomainError(_l("Only a compound served by a firm or by its owners can be marked unmanaged; "
                             "fallback service ends by ending its assignment."))
    moved = db.session.execute(
        update(Compound).where(Compound.id == compound.id, Compound.management_mode == old_mode)
        .values(management_mode="unmanaged", mode_since=now, updated_at=now, released_at=now, firm_id=None)
    ).rowcount
    if not moved:
        raise Conflict(_l("The compound's mode was changed meanwhile; reload and try again."))
    db.session.refresh(compound)
    record(actor, "compound", compound.id, "mode_changed", now=now, compound_id=compound.id,
           from_state=old_mode, to_state="unmanaged", reason=reason)
    return compound
