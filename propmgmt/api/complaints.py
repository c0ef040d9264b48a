"""The 12345 hotline's side of the API: a ticket in, the case out (JSON shapes and parsing)."""
import math
from datetime import datetime

from ..clock import district_tz
from ..complaints.hotline import MAX_RESOLVE_HOURS, MAX_WORKDAYS, MAX_YEAR, MIN_YEAR, MULTILINE, nature_of
from ..complaints.models import Complaint
from ..complaints.services import HotlineTicket
from ..tables import cell_text, one_line

TEXT_FIELDS = {"ticket_no": 40, "category": 40, "description": 4000, "compound_name": 120, "subdistrict": 80,
               "address": 200, "contact_phone": 30, "nature": 12}


class BadTicket(Exception):
    def __init__(self, field: str, message: str):
        self.field, self.message = field, message


def _when(body: dict, name: str) -> datetime | None:
    """An ISO 8601 date-time field; without an offset it is the district's time (the hotline's clock)."""
    if body.get(name) in (None, ""):
        return None
    try:
        if not isinstance(body[name], str):
            raise ValueError
        moment = datetime.fromisoformat(body[name])
    except ValueError:
        raise BadTicket(name, f"{name} must be an ISO 8601 date-time.")
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise BadTicket(name, f"{name} must lie between the years {MIN_YEAR} and {MAX_YEAR}.")
    return moment.replace(tzinfo=district_tz()) if moment.tzinfo is None else moment


def ticket_from(body: dict) -> HotlineTicket:
    values = {}
    for name, max_length in TEXT_FIELDS.items():
        value = body.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise BadTicket(name, f"{name} must be a string.")
        if len(value) > max_length:
            raise BadTicket(name, f"{name} is longer than {max_length} characters.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate ("\ud800"): not text any database can store
            raise BadTicket(name, f"{name} is not valid text.")
        value = cell_text(value)  # control characters out, where the text enters
        values[name] = value if name in MULTILINE else one_line(value)
    for name in ("ticket_no", "description", "compound_name"):
        if not values[name]:
            raise BadTicket(name, f"{name} is required.")
    received_at = _when(body, "received_at")
    hours = body.get("resolve_hours")
    if hours is not None and (isinstance(hours, bool) or not isinstance(hours, (int, float))
                              or not math.isfinite(hours) or not 0 < hours <= MAX_RESOLVE_HOURS):
        raise BadTicket("resolve_hours", f"resolve_hours must be a number of hours above 0 and at most "
                                         f"{MAX_RESOLVE_HOURS}.")
    workdays = body.get("resolve_workdays")
    if workdays is not None and (isinstance(workdays, bool) or not isinstance(workdays, int)
                                 or not 0 < workdays <= MAX_WORKDAYS):
        raise BadTicket("resolve_workdays", f"resolve_workdays must be a whole number of working days from 1 to "
                                            f"{MAX_WORKDAYS}.")
    due = _when(body, "resolve_due")
    return HotlineTicket(ticket_no=values["ticket_no"], category_text=values["category"],
                         nature=nature_of(values["nature"]), resolve_workdays=workdays, resolve_due=due,
                         description=values["description"], compound_name=values["compound_name"],
                         subdistrict=values["subdistrict"], address=values["address"],
                         contact_phone=values["contact_phone"], received_at=received_at,
                         resolve_hours=float(hours) if hours is not None else None)


def complaint_json(c: Complaint, warnings: list[str] | None = None) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {"id": c.id, "tracking_code": c.tracking_code, "ticket_no": c.hotline_ticket_no,
            "compound_id": c.compound_id, "compound": c.compound.name if c.compound else None,
            "matched": c.compound_id is not None, "category": c.category, "severity": c.severity,
            "status": c.status, "received_at": iso(c.received_at), "acknowledge_due_at": iso(c.acknowledge_due_at),
            "resolve_due_at": iso(c.resolve_due_at), "resolved_at": iso(c.resolved_at),
            "resolution_note": c.resolution_note, "warnings": warnings or []}
