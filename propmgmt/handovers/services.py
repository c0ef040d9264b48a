"""The handover workflow: from fallback service to a professional firm, stage by stage.

Each stage has an owner and a due date; moving on requires that stage's conditions. Completion
ends the fallback assignment as "handed over" in the same transaction, so the compound is never
without someone responsible. Functions flush, never commit.
"""
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..assignments.models import Assignment
from ..assignments.services import end_assignment
from ..audit.services import record
from ..auth.models import User
from ..auth.roles import HANDOVER_DECIDERS
from ..clock import local_to_utc, to_local
from ..compounds.models import Compound
from ..errors import Conflict, DomainError, Forbidden
from ..extensions import db
from ..orgs.models import Organisation
from ..outbox.services import notify_users
from ..photos import store_photo
from .models import HANDOVER_STAGES, OPEN_STAGES, CompoundReadiness, Handover, InspectionItem, OwnersDecision
from .rules import Vote, evaluate, vote_errors

DECIDERS = HANDOVER_DECIDERS
FACILITIES = ("roads", "drains", "lighting", "access_control", "cameras", "fire_equipment", "greenery")
NEXT_STAGE = {stage: HANDOVER_STAGES[i + 1] for i, stage in enumerate(OPEN_STAGES[:-1])}
STAGE_REMINDER_DAYS = 3


def _require_official(actor) -> None:
    if actor is None or actor.role not in DECIDERS:
        raise Forbidden(_l("Only officials may move a handover."))


def _require_stage(handover: Handover, stage: str) -> None:
    if handover.stage != stage:
        from .labels import STAGE_LABELS
        raise Conflict(_l("This can only be done in the stage “%(stage)s”; the handover is in “%(current)s”.",
                          stage=STAGE_LABELS[stage], current=STAGE_LABELS[handover.stage]))


def _owner(owner_id: int | None) -> User | None:
    if not owner_id:
        return None
    owner = db.session.get(User, owner_id)
    if owner is None or not owner.active or owner.role not in ("admin", "official", "dispatcher"):
        raise DomainError(_l("The stage owner must be an active official or dispatcher."), field="owner_id")
    return owner


def _remind_owner(handover: Handover, owner: User | None, due_on: date | None, now: datetime) -> None:
    """The stage owner hears a few days before the stage is due (through the outbox)."""
    if owner is None or due_on is None:
        return
    due_at = max(now, local_to_utc(due_on - timedelta(days=STAGE_REMINDER_DAYS), time(9, 0)))
    notify_users([owner], kind=f"handover_{handover.stage}", subject_type="handover", subject_id=handover.id,
                 payload={"compound": handover.compound.name, "stage": handover.stage,
                          "due_on": due_on.isoformat()}, due_at=due_at, now=now)


def firm_users(firm_id: int | None) -> list[User]:
    if not firm_id:
        return []
    return list(db.session.scalars(select(User).where(User.organisation_id == firm_id, User.role == "firm",
                                                      User.active)))


def _tell_firm(handover: Handover, kind: str, now: datetime, *, subject_type: str = "handover",
               subject_id: int | None = None, **payload) -> None:
    """The incoming firm's users hear (in the app, and by email or robot where they chose it)."""
    notify_users(firm_users(handover.firm_id), kind=kind, subject_type=subject_type,
                 subject_id=subject_id or handover.id, payload={"compound": handover.compound.name,
                                                                "handover_id": handover.id,
                                                                "firm_id": handover.firm_id, **payload},
                 due_at=now, now=now)


def _tell_firm_if_ready_to_sign(handover: Handover, now: datetime) -> None:
    if handover.awaits_firm_signature:
        _tell_firm(handover, "handover_ready_to_sign", now)


def start_handover(actor, compound: Compound, *, owner_id: int | None, due_on: date | None,
                   now: datetime) -> Handover:
    _require_official(actor)
    if compound.management_mode != "fallback":
        raise DomainError(_l("Only a compound under fallback service can be handed over."), field="compound_id")
    owner = _owner(owner_id)
    handover = Handover(compound_id=compound.id, stage="assessing", stage_owner_id=owner.id if owner else None,
                        stage_due_on=due_on, stage_entered_at=now, started_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(handover)
    except IntegrityError:
        raise Conflict(_l("%(name)s already has a handover under way.", name=compound.name))
    record(actor, "handover", handover.id, "handover_started", now=now, compound_id=compound.id,
           to_state="assessing")
    _remind_owner(handover, owner, due_on, now)
    return handover


def stage_conditions(handover: Handover, today: date) -> list[str]:
    """What still stands between this stage and the next, in words an official can act on."""
    missing = []
    if handover.stage == "owners_decision":
        decision = handover.owners_decision
        if decision is None:
            missing.append(_l("Record the owners' decision."))
        elif not evaluate(vote_of(decision)).passes:
            missing.append(_l("The owners' decision does not meet Civil Code art. 278."))
    elif handover.stage == "firm_selection":
        if handover.firm_id is None or handover.contract_start is None or not handover.fee_standard:
            missing.append(_l("Choose the firm and record the contract start and the fee standard."))
    elif handover.stage == "joint_inspection":
        if not handover.inspection_items:
            missing.append(_l("Record the joint inspection of the common facilities."))
        if handover.open_blocking_defects:
            missing.append(_l("Blocking defects are still open."))
        if not (handover.firm_signed_at and handover.official_signed_at):
            missing.append(_l("The inspection needs the signatures of the firm and of an official."))
    elif handover.stage == "transition" and handover.transition_end and handover.transition_end > today:
        missing.append(_l("The transition period runs until %(day)s.", day=handover.transition_end.isoformat()))
    return missing


def advance(actor, handover: Handover, *, to_stage: str, owner_id: int | None, due_on: date | None,
            now: datetime, transition_end: date | None = None) -> Handover:
    """Moves to the next stage (never skips one); completion goes through complete_handover."""
    _require_official(actor)
    if not handover.is_open:
        raise Conflict(_l("This handover is finished."))
    expected = NEXT_STAGE.get(handover.stage)
    if to_stage != expected:
        from .labels import STAGE_LABELS
        raise DomainError(_l("Stages cannot be skipped: the next stage is “%(stage)s”.",
                             stage=STAGE_LABELS.get(expected, expected or "—")), field="to_stage")
    if to_stage == "completed":
        return complete_handover(actor, handover, now=now)
    missing = stage_conditions(handover, to_local(now).date())
    if missing:
        raise DomainError(" ".join(str(m) for m in missing), field="to_stage")
    if to_stage == "transition":
        if transition_end is None or transition_end < to_local(now).date():
            raise DomainError(_l("Give the last day of the transition period (today or later)."),
                              field="transition_end")
        handover.transition_end = transition_end
        due_on = due_on or transition_end
    owner = _owner(owner_id)
    previous = handover.stage
    won = db.session.execute(update(Handover).where(Handover.id == handover.id, Handover.stage == previous).values(
        stage=to_stage, stage_owner_id=owner.id if owner else handover.stage_owner_id, stage_due_on=due_on,
        stage_entered_at=now, transition_end=handover.transition_end)).rowcount
    if not won:
        raise Conflict(_l("The handover changed meanwhile; reload and try again."))
    db.session.refresh(handover)
    record(actor, "handover", handover.id, "handover_stage", now=now, compound_id=handover.compound_id,
           from_state=previous, to_state=to_stage)
    _remind_owner(handover, owner or handover.stage_owner, due_on, now)
    return handover


def vote_of(decision: OwnersDecision) -> Vote:
    return Vote(decision.total_owners, decision.total_area, decision.participating_owners,
                decision.participating_area, decision.favour_owners, decision.favour_area)


def record_owners_decision(actor, handover: Handover, vote: Vote, *, decided_on: date | None, note: str,
                           now: datetime) -> OwnersDecision:
    _require_official(actor)
    _require_stage(handover, "owners_decision")
    errors = vote_errors(vote)
    if errors:
        field, message = errors[0]
        raise DomainError(message, field=field)
    if decided_on is None or decided_on > to_local(now).date():
        raise DomainError(_l("Give the date of the vote (not in the future)."), field="decided_on")
    decision = handover.owners_decision or OwnersDecision(handover_id=handover.id)
    for name in ("total_owners", "total_area", "participating_owners", "participating_area", "favour_owners",
                 "favour_area"):
        setattr(decision, name, getattr(vote, name))
    decision.decided_on, decision.note = decided_on, (note or "").strip()[:2000]
    handover.owners_decision = decision
    db.session.flush()
    result = evaluate(vote)
    record(actor, "handover", handover.id, "owners_decision", now=now, compound_id=handover.compound_id,
           to_state="passed" if result.passes else "failed")
    return decision


def select_firm(actor, handover: Handover, *, firm_id: int | None, contract_start: date | None,
                contract_end: date | None, fee_standard: str, now: datetime) -> Handover:
    _require_official(actor)
    _require_stage(handover, "firm_selection")
    firm = db.session.get(Organisation, firm_id or 0)
    if firm is None or firm.kind != "property_firm" or not firm.active:
        raise DomainError(_l("Choose a professional firm from the registry."), field="firm_id")
    if contract_start is None:
        raise DomainError(_l("Give the contract start date."), field="contract_start")
    if contract_end is not None and contract_end <= contract_start:
        raise DomainError(_l("The contract must end after it starts."), field="contract_end")
    if not (fee_standard or "").strip():
        raise DomainError(_l("Give the fee standard."), field="fee_standard")
    handover.firm_id, handover.contract_start, handover.contract_end = firm.id, contract_start, contract_end
    handover.fee_standard = fee_standard.strip()[:120]
    db.session.flush()
    record(actor, "handover", handover.id, "firm_selected", now=now, compound_id=handover.compound_id,
           to_state=firm.name[:30])
    _tell_firm(handover, "handover_firm_selected", now, contract_start=contract_start.isoformat())
    return handover


def record_inspection(actor, handover: Handover, *, facility: str, result: str, defect: str, blocking: bool,
                      fixer: str, fix_by: date | None, now: datetime, photo=None,
                      upload_dir: str | None = None) -> InspectionItem:
    """Adds a checked facility; any change after a signature needs the signatures again."""
    _require_official(actor)
    _require_stage(handover, "joint_inspection")
    if facility not in FACILITIES:
        raise DomainError(_l("Choose a common facility."), field="facility")
    if result not in ("ok", "defect"):
        raise DomainError(_l("Choose the result of the check."), field="result")
    defect = (defect or "").strip()
    if result == "defect" and not (defect and (fixer or "").strip() and fix_by):
        raise DomainError(_l("A defect needs a description, who fixes it and by when."), field="defect")
    item = InspectionItem(handover_id=handover.id, facility=facility, result=result, defect=defect[:2000],
                          blocking=bool(blocking) and result == "defect", fixer=(fixer or "").strip()[:80],
                          fix_by=fix_by if result == "defect" else None, recorded_at=now)
    if photo is not None and upload_dir:
        stored = store_photo(photo, upload_dir, f"handovers/{handover.id}")
        item.photo_path, item.thumb_path = stored.path, stored.thumb_path
    db.session.add(item)
    _clear_signatures(handover)
    db.session.flush()
    record(actor, "handover", handover.id, "inspection_item_recorded", now=now, compound_id=handover.compound_id,
           reason=item.defect, changes={"facility": [None, facility], "result": [None, result]})
    db.session.refresh(handover)
    if result == "defect":
        _tell_firm(handover, "handover_defect", now, subject_type="inspection_item", subject_id=item.id,
                   facility=facility, defect=item.defect[:200], fixer=item.fixer, fix_by=item.fix_by.isoformat())
    _tell_firm_if_ready_to_sign(handover, now)
    return item


def mark_fixed(actor, item: InspectionItem, *, now: datetime) -> InspectionItem:
    """Re-inspection found the defect fixed."""
    _require_official(actor)
    _require_stage(item.handover, "joint_inspection")
    if item.result != "defect":
        raise Conflict(_l("Only an open defect can be marked fixed."))
    item.result, item.fixed_at = "fixed", now
    _clear_signatures(item.handover)
    db.session.flush()
    record(actor, "handover", item.handover_id, "defect_fixed", now=now, compound_id=item.handover.compound_id,
           reason=item.defect, changes={"facility": [None, item.facility], "result": ["defect", "fixed"]})
    _tell_firm_if_ready_to_sign(item.handover, now)
    return item


def _clear_signatures(handover: Handover) -> None:
    handover.firm_signed_by_id = handover.firm_signed_at = None
    handover.official_signed_by_id = handover.official_signed_at = None


def sign_inspection(actor, handover: Handover, *, now: datetime) -> Handover:
    """The incoming firm signs with one of its own users; the district with an official."""
    _require_stage(handover, "joint_inspection")
    if actor.role == "firm":
        if handover.firm_id is None or actor.organisation_id != handover.firm_id:
            raise Forbidden(_l("Only a user of the incoming firm can sign its inspection."))
        handover.firm_signed_by_id, handover.firm_signed_at = actor.id, now
    elif actor.role in DECIDERS:
        handover.official_signed_by_id, handover.official_signed_at = actor.id, now
    else:
        raise Forbidden(_l("Only the incoming firm and officials sign the inspection."))
    if handover.open_blocking_defects:
        raise DomainError(_l("Blocking defects are still open; fix them before signing."))
    if not handover.inspection_items:
        raise DomainError(_l("Record the joint inspection of the common facilities."))
    db.session.flush()
    record(actor, "handover", handover.id, "inspection_signed", now=now, compound_id=handover.compound_id,
           to_state=actor.role)
    return handover


def complete_handover(actor, handover: Handover, *, now: datetime) -> Handover:
    """One transaction: the assignment ends as handed over, the firm takes the compound."""
    _require_official(actor)
    _require_stage(handover, "transition")
    missing = stage_conditions(handover, to_local(now).date())
    if missing:
        raise DomainError(" ".join(str(m) for m in missing))
    assignment = db.session.scalar(select(Assignment).where(Assignment.compound_id == handover.compound_id,
                                                            Assignment.status == "active"))
    if assignment is None:
        raise Conflict(_l("The compound has no active fallback assignment to hand over."))
    won = db.session.execute(update(Handover).where(Handover.id == handover.id, Handover.stage == "transition")
                             .values(stage="completed", finished_at=now, stage_entered_at=now)).rowcount
    if not won:
        raise Conflict(_l("The handover changed meanwhile; reload and try again."))
    end_assignment(actor, assignment, "handed_over", _l("Handed over to %(firm)s.", firm=handover.firm.name),
                   now=now, end_date=to_local(now).date(), firm_id=handover.firm_id)
    db.session.refresh(handover)
    record(actor, "handover", handover.id, "handover_completed", now=now, compound_id=handover.compound_id,
           from_state="transition", to_state="completed")
    return handover


def abort_handover(actor, handover: Handover, reason: str, *, now: datetime) -> Handover:
    _require_official(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give the reason for stopping the handover."), field="reason")
    previous = handover.stage
    won = db.session.execute(update(Handover).where(Handover.id == handover.id, Handover.stage.in_(OPEN_STAGES))
                             .values(stage="aborted", abort_reason=reason[:2000], finished_at=now,
                                     stage_entered_at=now)).rowcount
    if not won:
        raise Conflict(_l("This handover is finished."))
    db.session.refresh(handover)
    record(actor, "handover", handover.id, "handover_aborted", now=now, compound_id=handover.compound_id,
           from_state=previous, to_state="aborted", reason=reason)
    return handover


def update_readiness(actor, compound: Compound, *, owners_committee: bool | None,
                     fee_willingness: Decimal | None, evidence: str, now: datetime) -> CompoundReadiness:
    _require_official(actor)
    if fee_willingness is not None and not (0 <= fee_willingness <= 100):
        raise DomainError(_l("Fee willingness is a percentage from 0 to 100."), field="fee_willingness")
    facts = db.session.get(CompoundReadiness, compound.id) or CompoundReadiness(compound_id=compound.id)
    changes = {key: [_audit_number(getattr(facts, key, None)), _audit_number(value)]
               for key, value in (("owners_committee", owners_committee), ("fee_willingness", fee_willingness))
               if getattr(facts, key, None) != value}
    facts.owners_committee, facts.fee_willingness = owners_committee, fee_willingness
    facts.evidence, facts.updated_at, facts.updated_by_id = (evidence or "").strip()[:2000], now, actor.id
    db.session.add(facts)
    db.session.flush()
    record(actor, "compound", compound.id, "readiness_recorded", now=now, compound_id=compound.id,
           reason=facts.evidence, changes=changes or None)
    return facts


def _audit_number(value):
    """JSON keeps no Decimal: a percentage as its text."""
    return str(value) if isinstance(value, Decimal) else value


def update_policy(actor, *, fee_willingness_min: Decimal, months_in_fallback_min: int, stuck_after_days: int,
                  now: datetime, survey_satisfaction_min: int | None = None):
    """Admins set the readiness thresholds; the change is audited like any other."""
    from .models import ReadinessPolicy
    if actor is None or actor.role != "admin":
        raise Forbidden(_l("Only administrators may change the readiness policy."))
    policy = db.session.scalar(select(ReadinessPolicy).limit(1)) or ReadinessPolicy()
    before = {"fee_willingness_min": str(policy.fee_willingness_min), "months_in_fallback_min":
              policy.months_in_fallback_min, "stuck_after_days": policy.stuck_after_days,
              "survey_satisfaction_min": policy.survey_satisfaction_min}
    policy.fee_willingness_min, policy.months_in_fallback_min = fee_willingness_min, months_in_fallback_min
    policy.stuck_after_days, policy.updated_at = stuck_after_days, now
    if survey_satisfaction_min is not None:
        if not 0 <= survey_satisfaction_min <= 100:
            raise DomainError(_l("Satisfaction is a percentage from 0 to 100."), field="survey_satisfaction_min")
        policy.survey_satisfaction_min = survey_satisfaction_min
    db.session.add(policy)
    db.session.flush()
    record(actor, "readiness_policy", policy.id, "policy_changed", now=now,
           changes={key: [value, str(getattr(policy, key))] for key, value in before.items()})
    return policy
