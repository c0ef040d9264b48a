"""The life of a case: opened by a resident, the hotline or the field; acknowledged, dispatched
(a task in the operator's day), resolved, closed with the resident's rating, or reopened.

Every change is a conditional update (UPDATE ... WHERE status = expected), so two dispatchers
acting at once get one success and one clear message, and every change is audited. Functions
flush, never commit.
"""
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..auth.models import User
from ..auth.roles import CASE_HANDLERS
from ..compounds.models import Compound
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from ..orgs.models import Crew, crew_compound
from ..photos import store_photo
from ..plans.models import ServicePlan, ServiceType, Task
from ..plans.transitions import create_task_for_case, task_completed
from .models import HOTLINE_NATURES, Complaint, ComplaintPhoto, LookupMiss, ReportHit
from .policy import (
    FIELD_CATEGORIES,
    LOCATION_MAX,
    RESIDENT_CATEGORIES,
    TRANSITIONS,
    HotlineDeadline,
    deadlines,
    hotline_deadlines,
    limit,
    service_type_codes_for,
    sla_for,
)

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud over the phone
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")
MAX_PHOTOS = 4
HANDLERS = CASE_HANDLERS


class TooManyReports(DomainError):
    status_code = 429
    code = "too_many_reports"


def new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def client_key(address: str | None) -> str:
    """A hash of the client's address: enough to count its reports, without keeping the address."""
    return hashlib.sha256(f"report:{address or 'unknown'}".encode()).hexdigest()


def mask_phone(phone: str) -> str:
    """139****1234: what everyone but dispatchers sees of a resident's phone."""
    digits = (phone or "").strip()
    if len(digits) < 7:
        return "****" if digits else ""
    return f"{digits[:3]}****{digits[-4:]}"


def mask_name(name: str) -> str:
    """王** : what everyone but dispatchers sees of a caller's name (联系人), like the phone."""
    name = (name or "").strip()
    return f"{name[0]}{'*' * max(len(name) - 1, 1)}" if name else ""


def _clean_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if phone and not PHONE_RE.match(phone):
        raise DomainError(_l("The phone number is not valid; leave it empty or write digits only."),
                          field="contact_phone")
    return phone


def _clean_location(location: str) -> str:
    location = " ".join((location or "").split())
    if len(location) > LOCATION_MAX:
        raise DomainError(_l("The place is too long (at most %(n)d characters): say the building, the entrance or "
                             "a landmark.", n=LOCATION_MAX), field="location")
    return location


def open_case(*, compound_id: int | None, source: str, category: str, description: str, now: datetime,
              contact_phone: str = "", location: str = "", reported_by_id: int | None = None,
              hotline_ticket_no: str | None = None, resolve_hours: float | None = None,
              received_at: datetime | None = None, deadline: HotlineDeadline | None = None, **extra) -> Complaint:
    """A new case with its severity and deadlines from the policy (or the hotline's `deadline`)."""
    received_at = (received_at or now).astimezone(timezone.utc)  # the hotline's times come in local time
    if deadline is not None:
        acknowledge_due, resolve_due = deadline.acknowledge_due_at, deadline.resolve_due_at
    else:
        acknowledge_due, resolve_due = deadlines(category, received_at, resolve_hours)
    complaint = Complaint(tracking_code=new_tracking_code(), compound_id=compound_id, source=source,
                          category=category, description=description, contact_phone=contact_phone,
                          location=location, severity=sla_for(category).severity, status="received",
                          received_at=received_at, acknowledge_due_at=acknowledge_due, resolve_due_at=resolve_due,
                          reported_by_id=reported_by_id, hotline_ticket_no=hotline_ticket_no, **extra)
    db.session.add(complaint)
    db.session.flush()
    return complaint


@dataclass(frozen=True)
class TooMany:
    """What a public post refused by the residents' limits says, in its kind's words (a report, a note, an
    opinion, a survey answer): the limits count every kind together."""
    from_address: object  # lazy strings, translated when raised
    at_compound: object


REPORT_LIMITS = TooMany(
    from_address=_l("Too many reports from this device in the last hour. Please try again later, or call the "
                    "service phone on this page."),
    at_compound=_l("This compound has received very many reports in the last hour; the dispatcher already "
                   "knows. Please try again later, or call the service phone on this page."))


def _check_rate(compound: Compound, key: str, now: datetime, too_many: TooMany) -> None:
    """Counts in the database so every web process shares the limits. On PostgreSQL two reports of
    one address or one compound queue on transaction locks, so a burst cannot slip past the count
    (SQLite's BEGIN IMMEDIATE already makes writers queue)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(key[:15], 16)})
        db.session.execute(text("SELECT pg_advisory_xact_lock(9, :compound)"), {"compound": compound.id})
    since = now - timedelta(hours=1)
    by_client = db.session.scalar(select(func.count(ReportHit.id)).where(ReportHit.client_key == key,
                                                                          ReportHit.at > since))
    if by_client >= limit("REPORTS_PER_ADDRESS_PER_HOUR"):
        raise TooManyReports(too_many.from_address)
    by_compound = db.session.scalar(select(func.count(ReportHit.id)).where(ReportHit.compound_id == compound.id,
                                                                            ReportHit.at > since))
    if by_compound >= limit("REPORTS_PER_COMPOUND_PER_HOUR"):
        raise TooManyReports(too_many.at_compound)


def check_report_rate(compound: Compound, address: str | None, now: datetime, *, too_many: TooMany) -> str:
    """The residents' limits on what the public page accepts (reports, and the renovation project's opinions
    and supervision notes and the survey answers share them): the client's key to count the post with, or
    TooManyReports saying `too_many`'s words."""
    key = client_key(address)
    _check_rate(compound, key, now, too_many)
    return key


def count_report(key: str, compound: Compound, now: datetime) -> None:
    """Counts an accepted public post against the limits of check_report_rate."""
    db.session.add(ReportHit(client_key=key, compound_id=compound.id, at=now))


def submit_report(compound: Compound, *, category: str, description: str, contact_phone: str,
                  photos: list | Callable[[], list], address: str | None, now: datetime, upload_dir: str,
                  honeypot: str = "", location: str = "") -> Complaint:
    """A resident's report from the public page (no account). `photos`: checked images, or what reads
    and checks the uploads — called only once the report has passed its checks and the rate limits,
    so a device over its limit cannot make the server decode anything."""
    if honeypot:
        raise DomainError(_l("The report could not be accepted."), field="website", code="rejected")
    if category not in RESIDENT_CATEGORIES:
        raise DomainError(_l("Choose what kind of problem it is."), field="category")
    description = (description or "").strip()
    if not description:
        raise DomainError(_l("Describe the problem."), field="description")
    if len(description) > 2000:
        raise DomainError(_l("The description is too long (at most 2000 characters)."), field="description")
    phone = _clean_phone(contact_phone)
    location = _clean_location(location)
    key = check_report_rate(compound, address, now, too_many=REPORT_LIMITS)
    if callable(photos):
        photos = photos()
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_l("At most %(n)d photos.", n=MAX_PHOTOS), field="photos")
    complaint = open_case(compound_id=compound.id, source="resident", category=category, description=description,
                          contact_phone=phone, location=location, now=now)
    for image in photos:
        stored = store_photo(image, upload_dir, f"complaints/{complaint.id}")
        db.session.add(ComplaintPhoto(complaint_id=complaint.id, path=stored.path, thumb_path=stored.thumb_path,
                                      created_at=now))
    count_report(key, compound, now)
    record(None, "complaint", complaint.id, "complaint_received", now=now, compound_id=compound.id,
           to_state="received", changes={"source": [None, "resident"], "category": [None, category]})
    return complaint


class TooManyLookups(DomainError):
    status_code = 429
    code = "too_many_lookups"


def find_case(code: str, *, address: str | None, now: datetime) -> Complaint:
    """A resident's case by its tracking code, for the public pages; guessing codes is throttled.

    A code that matches nothing is counted for the address (the caller commits the count even though
    it answers 404); past the hour's limit every lookup from that address is refused, found or not,
    so the answer tells a guesser nothing more.
    """
    check_lookups(address, now)
    try:
        return by_code(code)
    except NotFound:
        count_lookup_miss(address, now)
        raise


def check_lookups(address: str | None, now: datetime) -> None:
    """Refuses every tracking-code lookup from an address past the hour's misses (cases and the renovation
    project's supervision notes share the count)."""
    misses = db.session.scalar(select(func.count(LookupMiss.id)).where(
        LookupMiss.client_key == client_key(f"track:{address}"), LookupMiss.at > now - timedelta(hours=1)))
    if misses >= limit("TRACK_MISSES_PER_ADDRESS_PER_HOUR"):
        raise TooManyLookups(_l("Too many tracking codes that match no case were tried from this device. "
                                "Please try again in an hour, or call the service phone of your compound."))


def count_lookup_miss(address: str | None, now: datetime) -> None:
    db.session.add(LookupMiss(client_key=client_key(f"track:{address}"), at=now))
    db.session.flush()


def by_code(code: str) -> Complaint:
    complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_code == (code or "").strip().upper()))
    if complaint is None:
        raise NotFound(_l("No case has this tracking code. Please check the code and try again."))
    return complaint


def _require_handler(actor) -> None:
    if actor is None or actor.role not in HANDLERS:
        raise Forbidden(_l("Only dispatchers handle cases."))


def _move(actor, complaint: Complaint, transition: str, action: str, *, now: datetime,
          message, reason: str = "", **values) -> Complaint:
    """Moves the case along TRANSITIONS[transition], if it is still in one of its states."""
    previous, rule = complaint.status, TRANSITIONS[transition]
    to_state = rule.to_state
    won = db.session.execute(update(Complaint).where(Complaint.id == complaint.id,
                                                     Complaint.status.in_(rule.from_states))
                             .values(status=to_state, **values)
                             .execution_options(synchronize_session=False)).rowcount
    if not won:
        db.session.refresh(complaint)
        raise Conflict(message)
    db.session.refresh(complaint)
    record(actor, "complaint", complaint.id, action, now=now, compound_id=complaint.compound_id,
           from_state=previous, to_state=to_state, reason=reason)
    return complaint


def acknowledge(actor, complaint: Complaint, *, now: datetime) -> Complaint:
    _require_handler(actor)
    return _move(actor, complaint, "acknowledge", "complaint_acknowledged", now=now,
                 acknowledged_at=now, message=_l("Only a newly received case can be acknowledged."))


def _default_crew(compound_id: int) -> int | None:
    """The crew of the compound's active plan, else a crew that serves the compound."""
    crew = db.session.scalar(select(ServicePlan.crew_id).where(
        ServicePlan.compound_id == compound_id, ServicePlan.status == "active", ServicePlan.crew_id.is_not(None))
        .order_by(ServicePlan.id).limit(1))
    return crew or db.session.scalar(select(crew_compound.c.crew_id).where(crew_compound.c.compound_id == compound_id)
                                     .order_by(crew_compound.c.crew_id).limit(1))


def _service_type_for(category: str) -> ServiceType | None:
    """The service the case is done as: the policy's first type that exists, else any type."""
    codes = service_type_codes_for(category)
    found = {t.code: t for t in db.session.scalars(select(ServiceType).where(ServiceType.code.in_(codes),
                                                                             ServiceType.active))}
    return next((found[code] for code in codes if code in found), None) or \
        db.session.scalar(select(ServiceType).order_by(ServiceType.id).limit(1))


def dispatch(actor, complaint: Complaint, *, now: datetime, crew_id: int | None = None,
             assignee_id: int | None = None) -> Task:
    """Sends the case to the field: a task (no plan) from now to the resolve deadline."""
    _require_handler(actor)
    if complaint.compound_id is None:
        raise DomainError(_l("Match the case to a compound before dispatching it."), field="compound_id")
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    if assignee_id and (assignee is None or assignee.role != "operator" or not assignee.active):
        raise DomainError(_l("Choose an active operator."), field="assignee_id")
    crew_id = crew_id or (assignee.crew_id if assignee else None) or _default_crew(complaint.compound_id)
    if crew_id and db.session.get(Crew, crew_id) is None:
        raise DomainError(_l("Choose a crew."), field="crew_id")
    if not crew_id and not assignee:
        raise DomainError(_l("No crew serves this compound; choose an operator."), field="assignee_id")
    service_type = _service_type_for(complaint.category)
    if service_type is None:
        raise DomainError(_l("No service type exists yet."))
    _move(actor, complaint, "dispatch", "complaint_dispatched", now=now,
          dispatched_at=now, acknowledged_at=func.coalesce(Complaint.acknowledged_at, now),
          message=_l("This case cannot be dispatched in its current state."))
    return create_task_for_case(actor, compound_id=complaint.compound_id, service_type_id=service_type.id,
                                crew_id=crew_id, assignee_id=assignee.id if assignee else None,
                                complaint_id=complaint.id, now=now,
                                window_end=max(complaint.resolve_due_at or now, now + timedelta(hours=1)))


def resolve(actor, complaint: Complaint, *, now: datetime, note: str = "") -> Complaint:
    _require_handler(actor)
    note = (note or "").strip()[:2000]
    return _move(actor, complaint, "resolve", "complaint_resolved",
                 now=now, resolved_at=now, resolution_note=note, reason=note,
                 message=_l("This case cannot be resolved in its current state."))


@task_completed.connect
def resolve_from_task(task: Task, *, user, now: datetime) -> None:
    """The operator completed the task made for a case: the case is resolved (plans.transitions'
    task_completed signal, in the completion's transaction)."""
    if not task.complaint_id:
        return
    complaint = db.session.get(Complaint, task.complaint_id)
    if complaint is None or complaint.status != "dispatched":
        return
    note = task.note or str(_l("Handled on site."))
    db.session.execute(update(Complaint).where(Complaint.id == complaint.id, Complaint.status == "dispatched")
                       .values(status="resolved", resolved_at=now, resolution_note=note[:2000])
                       .execution_options(synchronize_session=False))
    db.session.refresh(complaint)
    record(user, "complaint", complaint.id, "complaint_resolved", now=now, compound_id=complaint.compound_id,
           from_state="dispatched", to_state="resolved", reason=note[:200])


def close(actor, complaint: Complaint, *, now: datetime) -> Complaint:
    """Closes a resolved case the resident did not rate (a dispatcher's decision, audited)."""
    _require_handler(actor)
    return _move(actor, complaint, "close", "complaint_closed", now=now, closed_at=now,
                 message=_l("Only a resolved case can be closed."))


def rate(complaint: Complaint, rating, comment: str, *, now: datetime) -> Complaint:
    """The resident's rating closes the case; once only."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise DomainError(_l("Choose a rating from 1 to 5 stars."), field="rating")
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise DomainError(_l("The comment is too long (at most 1000 characters)."), field="comment")
    if complaint.rating is not None:
        raise Conflict(_l("This case has already been rated. Thank you!"))
    rule = TRANSITIONS["rate"]
    won = db.session.execute(update(Complaint).where(Complaint.id == complaint.id,
                                                     Complaint.status.in_(rule.from_states), Complaint.rating.is_(None))
                             .values(status=rule.to_state, rating=rating, rating_comment=comment, rated_at=now,
                                     closed_at=now).execution_options(synchronize_session=False)).rowcount
    if not won:
        db.session.refresh(complaint)
        if complaint.rating is not None:
            raise Conflict(_l("This case has already been rated. Thank you!"))
        raise Conflict(_l("The case can be rated once it is resolved."))
    db.session.refresh(complaint)
    record(None, "complaint", complaint.id, "complaint_rated", now=now, compound_id=complaint.compound_id,
           from_state="resolved", to_state="closed", changes={"rating": [None, rating]})
    return complaint


def reopen(complaint: Complaint, reason: str, *, now: datetime) -> Complaint:
    """The resident is not satisfied: the case goes back to the dispatcher with a new deadline."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say what is still wrong."), field="reason")
    if len(reason) > 1000:
        raise DomainError(_l("The text is too long (at most 1000 characters)."), field="reason")
    acknowledge_due, resolve_due = deadlines(complaint.category, now)
    return _move(None, complaint, "reopen", "complaint_reopened", now=now, reason=reason,
                 acknowledge_due_at=acknowledge_due, resolve_due_at=resolve_due, resolved_at=None,
                 message=_l("Only a resolved case that has not been rated can be reopened."))


def match_to_compound(actor, complaint: Complaint, compound_id: int, *, now: datetime) -> Complaint:
    """A dispatcher matches an unmatched hotline ticket to a compound by hand."""
    _require_handler(actor)
    compound = db.session.get(Compound, compound_id or 0)
    if compound is None:
        raise DomainError(_l("Choose the compound."), field="compound_id")
    won = db.session.execute(update(Complaint).where(Complaint.id == complaint.id, Complaint.compound_id.is_(None))
                             .values(compound_id=compound.id).execution_options(synchronize_session=False)).rowcount
    if not won:
        raise Conflict(_l("This case was already matched to a compound."))
    db.session.refresh(complaint)
    record(actor, "complaint", complaint.id, "complaint_matched", now=now, compound_id=compound.id,
           changes={"compound_id": [None, compound.id]})
    return complaint


@dataclass
class HotlineTicket:
    ticket_no: str
    category_text: str  # the classification (工单分类), or an older export's 诉求类型
    description: str
    compound_name: str
    subdistrict: str = ""
    address: str = ""
    contact_phone: str = ""
    received_at: datetime | None = None
    resolve_hours: float | None = None
    resolve_workdays: int | None = None
    resolve_due: datetime | None = None
    nature: str = ""  # models.HOTLINE_NATURES, or "" when the hotline did not say
    title: str = ""
    urgency: str = ""
    channel: str = ""
    place: str = ""
    lead_unit: str = ""
    assist_units: str = ""
    return_allowed: bool | None = None
    contact_name: str = ""
    # The hotline's side of a ticket it already sent (read by hotline_steps.apply_hotline_update).
    status_text: str = ""
    urged_at: datetime | None = None
    urge_note: str = ""
    extension_decision: str | None = None
    extension_until: datetime | None = None
    extension_decided_at: datetime | None = None
    visit_result: str | None = None
    visit_reached: bool | None = None
    visited_at: datetime | None = None


def match_compound(name: str, subdistrict: str = "") -> tuple[Compound | None, str]:
    """The compound a hotline caller named (by name, then by alias), and a warning if any."""
    from .hotline import find_compound  # the matching rules live with the hotline import
    return find_compound(name, subdistrict)


def _hotline_location(address: str, compound_name: str) -> str:
    """The hotline's 地址 without the compound's name it usually starts with (育英小区北门垃圾站 → 北门垃圾站);
    cut rather than refused, so a long address cannot hold back a ticket."""
    address, name = " ".join((address or "").split()), (compound_name or "").strip()
    if name and address.startswith(name) and len(address) > len(name):
        address = address[len(name):].strip(" ,，")
    return address[:LOCATION_MAX]


@dataclass
class HotlineReceipt:
    complaint: Complaint
    created: bool
    warnings: list[str]
    unmatched_classification: str = ""


def _ticket_extra(ticket: HotlineTicket, deadline: HotlineDeadline) -> dict:
    return {"hotline_subdistrict": (ticket.subdistrict or "")[:80],
            "hotline_compound_name": (ticket.compound_name or "")[:120],
            "hotline_nature": ticket.nature if ticket.nature in HOTLINE_NATURES else "",
            "hotline_classification": (ticket.category_text or "")[:80], "hotline_title": (ticket.title or "")[:200],
            "hotline_urgency": (ticket.urgency or "")[:20], "hotline_channel": (ticket.channel or "")[:20],
            "hotline_place": (ticket.place or "")[:200], "hotline_lead_unit": (ticket.lead_unit or "")[:120],
            "hotline_assist_units": (ticket.assist_units or "")[:200], "hotline_return_allowed": ticket.return_allowed,
            "contact_name": (ticket.contact_name or "").strip()[:40],
            "deadline_rule": deadline.rule, "deadline_basis": deadline.basis[:60]}


def receive_hotline(actor, ticket: HotlineTicket, *, now: datetime) -> HotlineReceipt:
    """The case of a ticket. The ticket number deduplicates: a repeat returns the existing case.

    The subject (category) comes from the classification through the officials' mapping; the deadline
    is the policy's unless the hotline's (hours, working days or a date-time) is stricter."""
    from .hotline import category_match
    ticket_no = (ticket.ticket_no or "").strip()
    if not ticket_no or len(ticket_no) > 40:
        raise DomainError(_l("The ticket number is missing or too long."), field="ticket_no")
    existing = db.session.scalar(select(Complaint).where(Complaint.hotline_ticket_no == ticket_no))
    if existing is not None:
        return HotlineReceipt(existing, False, [])
    description = (ticket.description or "").strip()
    if not description:
        raise DomainError(_l("The ticket has no text (诉求内容)."), field="description")
    compound, warning = match_compound(ticket.compound_name, ticket.subdistrict)
    warnings = [warning] if warning else []
    category, matched = category_match(ticket.category_text)
    received_at = (ticket.received_at or now).astimezone(timezone.utc)
    deadline = hotline_deadlines(category, received_at, hours=ticket.resolve_hours, workdays=ticket.resolve_workdays,
                                 due=ticket.resolve_due)
    if deadline.estimated_years:
        warnings.append(str(_l("The holidays of %(years)s are not yet published in the calendar this system has: "
                               "the deadline counts Monday to Friday as working days.",
                               years="、".join(str(y) for y in deadline.estimated_years))))
    try:
        with db.session.begin_nested():
            complaint = open_case(
                compound_id=compound.id if compound else None, source="hotline",
                category=category, description=description[:4000],
                contact_phone=(ticket.contact_phone or "").strip()[:30], hotline_ticket_no=ticket_no,
                received_at=received_at, now=now, deadline=deadline,
                location=_hotline_location(ticket.place or ticket.address, ticket.compound_name),
                **_ticket_extra(ticket, deadline))
    except IntegrityError:  # the same ticket arrived twice at once; the other one won
        existing = db.session.scalar(select(Complaint).where(Complaint.hotline_ticket_no == ticket_no))
        if existing is None:
            raise
        return HotlineReceipt(existing, False, [])
    record(actor, "complaint", complaint.id, "complaint_received", now=now, compound_id=complaint.compound_id,
           to_state="received", changes={"source": [None, "hotline"], "ticket": [None, ticket_no]})
    return HotlineReceipt(complaint, True, warnings, "" if matched or not ticket.category_text else
                          ticket.category_text)


def receive_hotline_ticket(actor, ticket: HotlineTicket, *, now: datetime) -> tuple[Complaint, bool, list[str]]:
    """(case, created, warnings): receive_hotline for the API and the demo."""
    receipt = receive_hotline(actor, ticket, now=now)
    return receipt.complaint, receipt.created, receipt.warnings


def import_hotline_rows(actor, rows: list[tuple[int, dict | None, str]], *, now: datetime) -> list:
    """Each readable row becomes a case (or finds its existing one), and the hotline's steps and
    follow-up on it are recorded; a row report says which.

    Unlike the register import this is row by row: a bad row must not hold back an urgent ticket.
    """
    from .hotline import RowReport
    from .hotline_steps import apply_hotline_update
    _require_handler(actor)
    report = []
    for number, fields, error in rows:
        if fields is None:
            report.append(RowReport(number, "", "error", error))
            continue
        try:
            with db.session.begin_nested():
                ticket = HotlineTicket(**fields)
                receipt = receive_hotline(actor, ticket, now=now)
                changes = apply_hotline_update(actor, receipt.complaint, ticket, now=now)
        except DomainError as exc:
            report.append(RowReport(number, fields.get("ticket_no", ""), "error", str(exc.message)))
            continue
        complaint = receipt.complaint
        if receipt.created:
            outcome = "unmatched" if complaint.compound_id is None else "created"
        else:
            outcome = "updated" if changes else "duplicate"
        report.append(RowReport(number, complaint.hotline_ticket_no, outcome, complaint.tracking_code,
                                receipt.warnings + changes, receipt.unmatched_classification))
    return report


def report_from_field(user, compound_id: int, category: str, note: str, photos: list, *, now: datetime,
                      upload_dir: str, location: str = "") -> Complaint:
    """A problem found on site becomes a case in the dispatcher's queue (source: field)."""
    compound = db.session.get(Compound, compound_id or 0)
    if compound is None:
        raise DomainError(_l("Choose the compound."), field="compound_id")
    if category not in FIELD_CATEGORIES:
        raise DomainError(_l("Choose what kind of problem it is."), field="category")
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("Describe the problem."), field="note")
    location = _clean_location(location)
    acknowledge_due, resolve_due = deadlines(category, now)  # the same deadlines as residents' reports
    complaint = Complaint(tracking_code=new_tracking_code(), compound_id=compound.id, source="field",
                          category=category, description=note[:4000], location=location,
                          severity=sla_for(category).severity,
                          status="received", received_at=now, reported_by_id=user.id,
                          acknowledge_due_at=acknowledge_due, resolve_due_at=resolve_due)
    db.session.add(complaint)
    db.session.flush()
    for image in photos:
        stored = store_photo(image, upload_dir, f"complaints/{complaint.id}")
        db.session.add(ComplaintPhoto(complaint_id=complaint.id, path=stored.path, thumb_path=stored.thumb_path,
                                      created_at=now))
    record(user, "complaint", complaint.id, "problem_reported", now=now, compound_id=compound.id,
           to_state="received", reason=note[:200])
    return complaint
