"""The 12345 hotline's own steps on a ticket: 签收 (signed: we tell the hotline we have it), 退单 (sent
back, with a reason, within the hotline's window and only where it allows), 延期 (an extension asked
for with a reason and a new date; the hotline approves or refuses), 催办 (the hotline urges: the
responsible leader hears of it), the hotline's follow-up call (回访), and what the reply sheet says
(承办人, when the caller was contacted).

Dispatchers record steps on the case page; the hotline's export brings its decisions, reminders and
follow-up results (apply_hotline_update). A step is unique per (case, kind, moment), so an export
imported twice records nothing twice. Functions flush, never commit.
"""
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..assignments.models import Assignment
from ..audit.services import record
from ..auth.models import User
from ..errors import Conflict, DomainError
from ..extensions import db
from ..outbox.services import notify_users
from .models import EXTENSION_DECISIONS, VISIT_RESULTS, Complaint, HotlineStep
from .policy import OPEN_CASE_STATUSES, limit
from .services import _require_handler

REASON_MAX = 500


def steps_of(complaint_id: int) -> list[HotlineStep]:
    return db.session.scalars(select(HotlineStep).where(HotlineStep.complaint_id == complaint_id)
                              .order_by(HotlineStep.at, HotlineStep.id)).all()


def _hotline_case(complaint: Complaint) -> None:
    if complaint.source != "hotline":
        raise DomainError(_l("Only a 12345 ticket has the hotline's steps."))


def _reason(text: str, field: str = "reason") -> str:
    text = " ".join((text or "").split())
    if not text:
        raise DomainError(_l("Give the reason."), field=field)
    if len(text) > REASON_MAX:
        raise DomainError(_l("The reason is too long (at most %(n)d characters).", n=REASON_MAX), field=field)
    return text


def _step(complaint: Complaint, kind: str, at: datetime, actor=None, **values) -> HotlineStep | None:
    """Adds the step unless the same (case, kind, moment) is there already; None then."""
    at = at.astimezone(timezone.utc)
    if db.session.scalar(select(HotlineStep.id).where(HotlineStep.complaint_id == complaint.id,
                                                      HotlineStep.kind == kind, HotlineStep.at == at)):
        return None
    step = HotlineStep(complaint_id=complaint.id, kind=kind, at=at, actor_id=actor.id if actor else None, **values)
    db.session.add(step)
    db.session.flush()
    return step


def sign(actor, complaint: Complaint, *, now: datetime) -> HotlineStep:
    """签收: the ticket is acknowledged to the hotline (once)."""
    _require_handler(actor)
    _hotline_case(complaint)
    if any(s.kind == "signed" for s in steps_of(complaint.id)):
        raise Conflict(_l("This ticket was already signed for."))
    step = _step(complaint, "signed", now, actor)
    record(actor, "complaint", complaint.id, "hotline_signed", now=now, compound_id=complaint.compound_id)
    return step


def return_window_ends(complaint: Complaint) -> datetime:
    return complaint.received_at + timedelta(hours=limit("HOTLINE_RETURN_HOURS"))


def send_back(actor, complaint: Complaint, reason: str, *, now: datetime) -> HotlineStep:
    """退单: the ticket is not ours (e.g. a professional firm serves the compound). Only before any work
    was sent out, within the hotline's window and where the ticket allows it; the case closes."""
    _require_handler(actor)
    _hotline_case(complaint)
    reason = _reason(reason)
    if complaint.hotline_return_allowed is False:
        raise DomainError(_l("The hotline does not allow this ticket to be sent back (是否允许退回: 否)."))
    if now > return_window_ends(complaint):
        raise DomainError(_l("The time to send the ticket back has passed (%(hours)d hours after the call).",
                             hours=limit("HOTLINE_RETURN_HOURS")))
    won = db.session.execute(update(Complaint).where(Complaint.id == complaint.id,
                                                     Complaint.status.in_(("received", "acknowledged")))
                             .values(status="closed", closed_at=now, resolution_note=reason[:2000])
                             .execution_options(synchronize_session=False)).rowcount
    if not won:
        db.session.refresh(complaint)
        raise Conflict(_l("Only a ticket not yet dispatched can be sent back."))
    previous = complaint.status
    db.session.refresh(complaint)
    step = _step(complaint, "returned", now, actor, reason=reason)
    record(actor, "complaint", complaint.id, "hotline_returned", now=now, compound_id=complaint.compound_id,
           from_state=previous, to_state="closed", reason=reason)
    return step


def request_extension(actor, complaint: Complaint, reason: str, until: datetime | None, *,
                      now: datetime) -> HotlineStep:
    """延期: asks the hotline for a later resolve deadline; it stays as it is until the hotline approves."""
    _require_handler(actor)
    _hotline_case(complaint)
    reason = _reason(reason)
    if until is None:
        raise DomainError(_l("Choose the new date."), field="until")
    if complaint.status not in OPEN_CASE_STATUSES:
        raise Conflict(_l("Only an open case can be extended."))
    if complaint.resolve_due_at and until <= complaint.resolve_due_at:
        raise DomainError(_l("The new date must be after the current deadline."), field="until")
    if any(s.kind == "extension" and s.decision is None for s in steps_of(complaint.id)):
        raise Conflict(_l("An extension is already waiting for the hotline's decision."))
    step = _step(complaint, "extension", now, actor, reason=reason, new_due_at=until.astimezone(timezone.utc))
    record(actor, "complaint", complaint.id, "hotline_extension_requested", now=now,
           compound_id=complaint.compound_id, reason=reason)
    return step


def decide_extension(actor, complaint: Complaint, decision: str, *, now: datetime,
                     decided_at: datetime | None = None, until: datetime | None = None) -> HotlineStep:
    """The hotline's answer to the open extension; an approval moves the resolve deadline."""
    if decision not in EXTENSION_DECISIONS:
        raise DomainError(_l("Choose approved or refused."), field="decision")
    pending = next((s for s in reversed(steps_of(complaint.id)) if s.kind == "extension" and s.decision is None), None)
    if pending is None:
        if until is None:
            raise Conflict(_l("No extension is waiting for a decision."))
        pending = _step(complaint, "extension", decided_at or now, actor, new_due_at=until.astimezone(timezone.utc))
        if pending is None:
            raise Conflict(_l("No extension is waiting for a decision."))
    pending.decision, pending.decided_at = decision, (decided_at or now).astimezone(timezone.utc)
    if until is not None:
        pending.new_due_at = until.astimezone(timezone.utc)
    if decision == "approved" and pending.new_due_at:
        complaint.resolve_due_at, complaint.deadline_rule = pending.new_due_at, "extension"
    db.session.flush()
    record(actor, "complaint", complaint.id, f"hotline_extension_{decision}", now=now,
           compound_id=complaint.compound_id)
    return pending


def urge(actor, complaint: Complaint, *, at: datetime, now: datetime, note: str = "") -> HotlineStep | None:
    """催办: the hotline urges. The compound's responsible leader (and the dispatchers) hear of it at once.
    None when this reminder was recorded before."""
    _hotline_case(complaint)
    step = _step(complaint, "urged", at, actor, reason=" ".join((note or "").split())[:REASON_MAX])
    if step is None:
        return None
    leader = None
    if complaint.compound_id:
        assignment = db.session.scalar(select(Assignment).options(joinedload(Assignment.responsible_leader))
                                       .where(Assignment.compound_id == complaint.compound_id,
                                              Assignment.status == "active"))
        leader = assignment.responsible_leader if assignment else None
    people = list(db.session.scalars(select(User).where(User.role == "dispatcher", User.active))) + \
        ([leader] if leader else [])
    count = sum(1 for s in steps_of(complaint.id) if s.kind == "urged")
    # The outbox sends one row per (subject, kind, recipient): each further reminder has a kind of its own.
    kind = "hotline_urged" if count == 1 else f"hotline_urged_{count}"
    notify_users(people, kind=kind, subject_type="complaint", subject_id=complaint.id,
                 payload={"code": complaint.tracking_code, "ticket": complaint.hotline_ticket_no or "",
                          "compound": (complaint.compound.name if complaint.compound
                                       else complaint.hotline_compound_name),
                          "count": count, "complaint_id": complaint.id, "step_id": step.id},
                 due_at=now, now=now)
    record(actor, "complaint", complaint.id, "hotline_urged", now=now, compound_id=complaint.compound_id,
           reason=step.reason)
    return step


def record_reply(actor, complaint: Complaint, *, handler_name: str, contacted_at: datetime | None,
                 now: datetime) -> Complaint:
    """What the reply sheet tells the hotline besides the result: who handled it and when the caller was called."""
    _require_handler(actor)
    handler_name = " ".join((handler_name or "").split())
    if len(handler_name) > 40:
        raise DomainError(_l("The name is too long (at most 40 characters)."), field="handler_name")
    if contacted_at is not None and not complaint.received_at <= contacted_at <= now + timedelta(minutes=10):
        raise DomainError(_l("The time the caller was contacted must lie between the call and now."),
                          field="contacted_at")
    complaint.handler_name = handler_name
    complaint.caller_contacted_at = contacted_at.astimezone(timezone.utc) if contacted_at else None
    db.session.flush()
    record(actor, "complaint", complaint.id, "hotline_reply_recorded", now=now, compound_id=complaint.compound_id)
    return complaint


def record_visit(actor, complaint: Complaint, *, result: str | None, reached: bool | None,
                 at: datetime | None, now: datetime) -> bool:
    """The hotline's follow-up (回访): satisfied / basic / unsatisfied, and whether the caller was reached.
    True when it changed anything."""
    if result is not None and result not in VISIT_RESULTS:
        raise DomainError(_l("Unknown follow-up result."), field="visit_result")
    if reached is False:
        result = None  # a caller not reached gave no verdict
    if (complaint.visit_result, complaint.visit_reached) == (result, reached):
        return False
    complaint.visit_result, complaint.visit_reached = result, reached
    complaint.visited_at = (at or now).astimezone(timezone.utc)
    db.session.flush()
    record(actor, "complaint", complaint.id, "hotline_visit_recorded", now=now, compound_id=complaint.compound_id,
           changes={"visit_result": [None, result]})
    return True


def apply_hotline_update(actor, complaint: Complaint, ticket, *, now: datetime) -> list[str]:
    """What a row of the hotline's export says beyond the ticket: its reminder (催办时间), its decision on an
    extension (延期审核), the follow-up (回访). Returns what was recorded, as lines for the import report."""
    done = []
    if ticket.urged_at is not None and urge(actor, complaint, at=ticket.urged_at, now=now, note=ticket.urge_note):
        done.append(str(_l("Urged by the hotline: the responsible leader is told.")))
    if ticket.extension_decision:
        decided_at = ticket.extension_decided_at or now
        already = db.session.scalar(select(HotlineStep.id).where(
            HotlineStep.complaint_id == complaint.id, HotlineStep.kind == "extension",
            HotlineStep.decided_at == decided_at.astimezone(timezone.utc)))
        if not already:
            decide_extension(actor, complaint, ticket.extension_decision, now=now, decided_at=decided_at,
                             until=ticket.extension_until)
            done.append(str(_l("Extension approved by the hotline.") if ticket.extension_decision == "approved"
                            else _l("Extension refused by the hotline.")))
    if (ticket.visit_result or ticket.visit_reached is not None) and record_visit(
            actor, complaint, result=ticket.visit_result, reached=ticket.visit_reached, at=ticket.visited_at,
            now=now):
        done.append(str(_l("Follow-up result recorded.")))
    return done
