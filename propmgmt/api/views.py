"""JSON API v1: compounds and assignments. One response shape: {"data", "meta"} or {"error"}."""
from datetime import date

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy import func, select

from ..assignments.models import ASSIGNMENT_STATUSES
from ..assignments.queries import LedgerFilter, days_in_fallback, ledger_count, ledger_query
from ..assignments.services import PROPOSERS, Proposal, propose_assignment
from ..auth.access import public
from ..auth.roles import CASE_HANDLERS, HANDOVER_DECIDERS, STAFF
from ..clock import local_today, utcnow
from ..compounds.models import MANAGEMENT_MODES, RENOVATION_STATUSES, Compound
from ..compounds.queries import RegisterFilter, register_query, register_totals
from ..extensions import csrf, db
from ..plans.models import ServiceType
from ..request_args import MAX_ID, choice_arg, date_arg, int_arg, text_arg
from .access import api_error, api_roles
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
READERS = STAFF
MAX_PER_PAGE = 200


def _page_args() -> tuple[int, int]:
    page = int_arg("page") or 1
    per_page = min(int_arg("per_page") or 50, MAX_PER_PAGE)
    return max(page, 1), max(per_page, 1)


def compound_json(c: Compound) -> dict:
    return {
        "id": c.id, "name": c.name, "subdistrict": c.community.subdistrict.name, "community": c.community.name,
        "address": c.address, "year_built": c.year_built, "buildings": c.buildings, "households": c.households,
        "floor_area": float(c.floor_area) if c.floor_area is not None else None,
        "renovation_tier": c.renovation_tier, "renovation_status": c.renovation_status,
        "renovation_completed_on": c.renovation_completed_on.isoformat() if c.renovation_completed_on else None,
        "management_mode": c.management_mode, "mode_since": c.mode_since.isoformat(),
    }


def assignment_json(a, today: date) -> dict:
    return {
        "id": a.id, "compound_id": a.compound_id, "compound": a.compound.name,
        "subdistrict": a.compound.community.subdistrict.name, "households": a.compound.households,
        "decision_no": a.decision_no, "reason": a.reason, "status": a.status,
        "service_types": [t.code for t in a.service_types],
        "responsible_leader": {"id": a.responsible_leader_id, "name": a.responsible_leader.label},
        "crew_id": a.crew_id, "start_date": a.start_date.isoformat(),
        "review_date": a.review_date.isoformat() if a.review_date else None,
        "end_date": a.end_date.isoformat() if a.end_date else None, "end_reason": a.end_reason,
        "days_in_fallback": days_in_fallback(a, today), "proposed_at": a.proposed_at.isoformat(),
    }


@bp.route("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document())


@bp.route("/compounds")
@api_roles(*READERS)
def list_compounds():
    page, per_page = _page_args()
    f = RegisterFilter(subdistrict_id=int_arg("subdistrict"), community_id=int_arg("community"),
                       mode=choice_arg("mode", MANAGEMENT_MODES),
                       renovation_status=choice_arg("renovation_status", RENOVATION_STATUSES), q=text_arg("q"),
                       sort="name")
    rows = db.session.scalars(register_query(f).limit(per_page).offset((page - 1) * per_page)).all()
    total, _households = register_totals(f)
    return jsonify(data=[compound_json(c) for c in rows], meta={"page": page, "per_page": per_page, "total": total})


@bp.route("/assignments")
@api_roles(*READERS)
def list_assignments():
    page, per_page = _page_args()
    f = LedgerFilter(status=choice_arg("status", ASSIGNMENT_STATUSES), subdistrict_id=int_arg("subdistrict"),
                     leader_id=int_arg("leader"), start_from=date_arg("start_from"), start_to=date_arg("start_to"),
                     q=text_arg("q"))
    rows = db.session.scalars(ledger_query(f).limit(per_page).offset((page - 1) * per_page)).all()
    today = local_today()
    return jsonify(data=[assignment_json(a, today) for a in rows],
                   meta={"page": page, "per_page": per_page, "total": ledger_count(f)})


class BadField(Exception):
    def __init__(self, field: str, message: str):
        self.field, self.message = field, message


def _date(body: dict, name: str, required: bool) -> date | None:
    value = body.get(name)
    if value in (None, ""):
        if required:
            raise BadField(name, f"{name} is required (YYYY-MM-DD).")
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise BadField(name, f"{name} must be a date as YYYY-MM-DD.")


def _int(body: dict, name: str, required: bool) -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise BadField(name, f"{name} is required.")
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadField(name, f"{name} must be an integer.")
    if not -MAX_ID <= value <= MAX_ID:  # no such row, and past what the id column holds
        raise BadField(name, f"{name} is out of range.")
    return value


def _proposal_from(body: dict) -> tuple[int, Proposal]:
    codes = body.get("service_types")
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise BadField("service_types", "service_types must be a list of service type codes.")
    type_ids = dict(db.session.execute(
        select(ServiceType.code, ServiceType.id).where(ServiceType.code.in_(codes))).all())
    unknown = [c for c in codes if c not in type_ids]
    if unknown:
        raise BadField("service_types", f"Unknown service types: {', '.join(unknown)}.")
    for name in ("decision_no", "reason"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise BadField(name, f"{name} must be a string.")
    return _int(body, "compound_id", True), Proposal(
        decision_no=body.get("decision_no") or "", reason=body.get("reason") or "",
        service_type_ids=[type_ids[c] for c in codes], leader_id=_int(body, "responsible_leader_id", True),
        start_date=_date(body, "start_date", True), review_date=_date(body, "review_date", False),
        crew_id=_int(body, "crew_id", False))


@bp.route("/assignments", methods=["POST"])
@api_roles(*PROPOSERS)
def create_assignment():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return api_error(400, "bad_request", "The body must be a JSON object.")
    try:
        compound_id, proposal = _proposal_from(body)
    except BadField as error:
        return api_error(400, "bad_request", error.message, field=error.field)
    compound = db.session.get(Compound, compound_id)
    if compound is None:
        return api_error(404, "not_found", f"No compound with id {compound_id}.", field="compound_id")
    assignment = propose_assignment(g.api_user, compound, proposal, now=utcnow())
    current_app.logger.info("assignment %s proposed through the API by %s", assignment.id, g.api_user.username)
    return jsonify(data=assignment_json(assignment, local_today())), 201


@bp.route("/complaints", methods=["POST"])
@api_roles(*CASE_HANDLERS)
def create_complaint():
    """A 12345 hotline ticket; its number deduplicates (a repeat answers 200 with the existing case)."""
    from ..complaints.services import receive_hotline_ticket
    from .complaints import BadTicket, complaint_json, ticket_from
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return api_error(400, "bad_request", "The body must be a JSON object.")
    try:
        ticket = ticket_from(body)
    except BadTicket as error:
        return api_error(400, "bad_request", error.message, field=error.field)
    complaint, created, warnings = receive_hotline_ticket(g.api_user, ticket, now=utcnow())
    return jsonify(data=complaint_json(complaint, warnings)), 201 if created else 200


def handover_json(h) -> dict:
    return {"id": h.id, "compound_id": h.compound_id, "compound": h.compound.name, "stage": h.stage,
            "stage_owner_id": h.stage_owner_id, "stage_due_on": h.stage_due_on.isoformat() if h.stage_due_on else None,
            "stage_entered_at": h.stage_entered_at.isoformat(), "firm": h.firm.name if h.firm else None,
            "transition_end": h.transition_end.isoformat() if h.transition_end else None,
            "started_at": h.started_at.isoformat()}


@bp.route("/handovers")
@api_roles(*READERS)
def list_handovers():
    from ..handovers.models import HANDOVER_STAGES, Handover
    page, per_page = _page_args()
    query = select(Handover).order_by(Handover.started_at.desc(), Handover.id.desc())
    stage = choice_arg("stage", HANDOVER_STAGES)
    if stage:
        query = query.where(Handover.stage == stage)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return jsonify(data=[handover_json(h) for h in rows], meta={"page": page, "per_page": per_page, "total": total})


@bp.route("/handovers/<int:handover_id>/advance", methods=["POST"])
@api_roles(*HANDOVER_DECIDERS)
def advance_handover(handover_id: int):
    """Moves a handover to its next stage under the same rules as the page (no skipping)."""
    from ..handovers.models import Handover
    from ..handovers.services import advance
    handover = db.session.get(Handover, handover_id)
    if handover is None:
        return api_error(404, "not_found", f"No handover with id {handover_id}.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("to_stage"), str):
        return api_error(400, "bad_request", "The body must be a JSON object with to_stage.", field="to_stage")
    try:
        owner_id = _int(body, "owner_id", False)
        due_on = _date(body, "due_on", False)
        transition_end = _date(body, "transition_end", False)
    except BadField as error:
        return api_error(400, "bad_request", error.message, field=error.field)
    advance(g.api_user, handover, to_stage=body["to_stage"], owner_id=owner_id, due_on=due_on,
            transition_end=transition_end, now=utcnow())
    return jsonify(data=handover_json(handover))
