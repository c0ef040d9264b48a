"""Response policy: severity and deadlines per category, and the limits on public reports.

Data, not scattered constants: the district changes these numbers, not the code around them.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context

from ..auth.roles import CASE_HANDLERS, CONTACT_READERS
from ..clock import to_local
from ..workdays import workday_deadline

RESIDENT = "resident"  # the resident, who has no account: the tracking page acts for them


@dataclass(frozen=True)
class Transition:
    from_states: tuple[str, ...]
    to_state: str
    by: tuple[str, ...]  # roles, or (RESIDENT,)


# A case's life as data: the services move a case only along these, and the case page offers a
# dispatcher exactly the actions available_actions finds here, so the page cannot drift from the rules.
TRANSITIONS = {
    "acknowledge": Transition(("received",), "acknowledged", CASE_HANDLERS),
    "dispatch": Transition(("received", "acknowledged", "reopened"), "dispatched", CASE_HANDLERS),
    "resolve": Transition(("acknowledged", "dispatched", "reopened"), "resolved", CASE_HANDLERS),
    "close": Transition(("resolved",), "closed", CASE_HANDLERS),
    "rate": Transition(("resolved",), "closed", (RESIDENT,)),
    "reopen": Transition(("resolved",), "reopened", (RESIDENT,)),
}


def available_actions(case, user) -> list[str]:
    """What `user` may do to `case` now: the transitions open to their role from its state, and
    matching an unmatched ticket to a compound. Dispatching needs a compound."""
    role = getattr(user, "role", RESIDENT)
    actions = ["match"] if case.compound_id is None and role in CASE_HANDLERS else []
    actions += [name for name, t in TRANSITIONS.items()
                if case.status in t.from_states and role in t.by and (name != "dispatch" or case.compound_id)]
    return actions


def may_see_contact(user) -> bool:
    """Residents' phone numbers: shown in full only to the roles that call them back."""
    return getattr(user, "role", None) in CONTACT_READERS


@dataclass(frozen=True)
class Sla:
    severity: str
    acknowledge_hours: float
    resolve_hours: float


# "Sewage overflow at 新华西街二区 must get a response at once": acknowledge in 1 h, on site in 4 h.
SLA = {
    "sewage_overflow": Sla("urgent", 1, 4),
    "blocked_shaft": Sla("urgent", 1, 8),
    "garbage_not_collected": Sla("high", 2, 24),
    "cleaning": Sla("normal", 4, 48),
    "lighting": Sla("normal", 4, 72),
    "facility_damage": Sla("normal", 4, 72),
    "other": Sla("normal", 8, 72),
}
# What an operator may choose when reporting a problem found on site (the tablet's form).
FIELD_CATEGORIES = ("sewage_overflow", "blocked_shaft", "garbage_not_collected", "cleaning", "lighting",
                    "facility_damage", "other")
# What a resident may choose on the public form.
RESIDENT_CATEGORIES = ("sewage_overflow", "blocked_shaft", "garbage_not_collected", "cleaning", "lighting", "other")
OPEN_CASE_STATUSES = ("received", "acknowledged", "dispatched", "reopened")
LOCATION_MAX = 120  # where in the compound: "3号楼2单元门口", a line, not a paragraph

# The service a dispatched case is done as (service type codes, the first that exists is used): the
# sewage and the shaft need the repair crew's tools, uncollected garbage the garbage-sorting round.
CASE_SERVICE_TYPES = {
    "sewage_overflow": ("repair",),
    "blocked_shaft": ("repair",),
    "garbage_not_collected": ("garbage_sorting",),
}
DEFAULT_CASE_SERVICE_TYPE = "cleaning"  # every other category, and a fallback when the above is missing

# The hotline's classification words (工单分类) for our categories: the defaults under the officials'
# own table (complaints.models.HotlineCategoryMap, /complaints/hotline/categories), which wins.
DEFAULT_HOTLINE_CATEGORY = "other"
HOTLINE_CATEGORIES = {
    "污水外溢": "sewage_overflow", "污水": "sewage_overflow",
    "井道堵塞": "blocked_shaft", "下水道堵塞": "blocked_shaft",
    "堵塞": "blocked_shaft", "垃圾清运": "garbage_not_collected", "垃圾": "garbage_not_collected",
    "保洁": "cleaning", "卫生": "cleaning", "照明": "lighting", "路灯": "lighting",
    "设施损坏": "facility_damage", "健身器材": "facility_damage", "损坏": "facility_damage",
}

DEFAULT_LIMITS = {
    "REPORTS_PER_ADDRESS_PER_HOUR": 5,
    "REPORTS_PER_COMPOUND_PER_HOUR": 30,
    # Tracking codes that match no case, per address: a resident mistypes a few; a guesser many.
    "TRACK_MISSES_PER_ADDRESS_PER_HOUR": 20,
    # How long before a deadline the dispatchers hear of it.
    "COMPLAINT_WARN_MINUTES": 30,
    # How long after the call a ticket may be sent back to the hotline (退单), if it allows that at all.
    "HOTLINE_RETURN_HOURS": 24,
}


def limit(name: str) -> int:
    value = current_app.config.get(name) if has_app_context() else None
    return int(value if value is not None else DEFAULT_LIMITS[name])


def service_type_codes_for(category: str) -> tuple[str, ...]:
    """The service type codes a case of `category` may be dispatched as, in order of preference."""
    return CASE_SERVICE_TYPES.get(category, ()) + (DEFAULT_CASE_SERVICE_TYPE,)


def sla_for(category: str) -> Sla:
    return SLA.get(category, SLA["other"])


def deadlines(category: str, received_at: datetime, resolve_hours: float | None = None) -> tuple[datetime, datetime]:
    """(acknowledge by, resolve by); a hotline ticket may bring its own, stricter, resolve time."""
    sla = sla_for(category)
    hours = sla.resolve_hours if resolve_hours is None else min(resolve_hours, sla.resolve_hours)
    return received_at + timedelta(hours=sla.acknowledge_hours), received_at + timedelta(hours=hours)


@dataclass(frozen=True)
class HotlineDeadline:
    acknowledge_due_at: datetime
    resolve_due_at: datetime
    rule: str  # models.DEADLINE_RULES: what set resolve_due_at
    basis: str  # the hotline's value as given ("4", "3个工作日", "2026-11-05 17:00"), for the case page
    estimated_years: tuple[int, ...] = ()  # working days counted Monday-Friday: that year's calendar is unknown


def hotline_deadlines(category: str, received_at: datetime, *, hours: float | None = None,
                      workdays: int | None = None, due: datetime | None = None) -> HotlineDeadline:
    """The policy's deadlines, unless the hotline's (hours, working days or a date-time; the strictest
    of those given) is stricter for resolving: then the hotline's rule is named on the case."""
    acknowledge, resolve = deadlines(category, received_at)
    candidates, estimated = [], ()
    if hours is not None:
        candidates.append((received_at + timedelta(hours=hours), "hotline_hours", f"{hours:g}"))
    if workdays is not None:
        at, estimated = workday_deadline(received_at, workdays)
        candidates.append((at, "hotline_workdays", str(workdays)))
    if due is not None:
        candidates.append((due.astimezone(received_at.tzinfo), "hotline_due", to_local(due).strftime("%Y-%m-%d %H:%M")))
    if candidates:
        at, rule, basis = min(candidates, key=lambda c: c[0])
        if at < resolve:
            return HotlineDeadline(min(acknowledge, max(at, received_at)), max(at, received_at), rule, basis,
                                   estimated if rule == "hotline_workdays" else ())
    return HotlineDeadline(acknowledge, resolve, "policy", "")
