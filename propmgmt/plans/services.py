"""Service plans: made from the standards when a fallback assignment starts, ended with it."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from ..audit.services import record
from ..auth.models import User
from ..auth.roles import PLAN_EDITORS, STANDARD_EDITORS
from ..compounds.models import Compound
from ..errors import DomainError, Forbidden
from ..extensions import db
from ..orgs.models import Crew
from .models import ServicePlan, ServiceStandard, ServiceType, Task
from .recurrence import parse_rule, parse_windows
from .transitions import cancel_future_tasks


def current_standard(service_type_id: int) -> ServiceStandard | None:
    return db.session.scalar(
        select(ServiceStandard)
        .where(ServiceStandard.service_type_id == service_type_id)
        .order_by(ServiceStandard.version.desc())
        .limit(1)
    )


def create_default_plans(assignment, *, now: datetime) -> list[ServicePlan]:
    """One plan per service type in the assignment's scope, from that type's current standard."""
    plans = []
    for service_type in assignment.service_types:
        standard = current_standard(service_type.id)
        if standard is None:
            continue
        plan = ServicePlan(
            compound_id=assignment.compound_id,
            service_type_id=service_type.id,
            assignment_id=assignment.id,
            crew_id=assignment.crew_id,
            rrule=standard.default_rrule,
            windows=list(standard.default_windows),
            starts_on=assignment.start_date,
            status="active",
            created_at=now,
        )
        db.session.add(plan)
        plans.append(plan)
    db.session.flush()
    return plans


def end_plans_of_assignment(assignment_id: int, *, last_day: date, now: datetime) -> int:
    """Ends the assignment's plans and cancels their tasks that have not started. Returns tasks cancelled."""
    db.session.execute(
        update(ServicePlan)
        .where(ServicePlan.assignment_id == assignment_id, ServicePlan.status != "ended")
        .values(status="ended", ends_on=last_day)
    )
    return cancel_future_tasks(select(ServicePlan.id).where(ServicePlan.assignment_id == assignment_id), now=now)


# --- editing plans -------------------------------------------------------------------------



def _check_plan(fields: dict, *, exclude_id: int | None = None):
    """The rules for a plan's fields; returns the compound and the parsed windows."""
    compound = db.session.get(Compound, fields.get("compound_id") or 0)
    if compound is None:
        raise DomainError(_l("Unknown compound."), field="compound_id")
    if compound.management_mode != "fallback":
        raise DomainError(_l("Service plans are for compounds under fallback service; %(name)s is not.",
                             name=compound.name), field="compound_id")
    if db.session.get(ServiceType, fields.get("service_type_id") or 0) is None:
        raise DomainError(_l("Unknown service type."), field="service_type_id")
    crew = db.session.get(Crew, fields.get("crew_id") or 0)
    if crew is None or crew.organisation.kind != "fallback_operator":
        raise DomainError(_l("Unknown crew."), field="crew_id")
    if fields.get("operator_id"):
        operator = db.session.get(User, fields["operator_id"])
        if operator is None or operator.role != "operator" or operator.crew_id != crew.id:
            raise DomainError(_l("The operator must belong to the chosen crew."), field="operator_id")
    starts_on, ends_on = fields.get("starts_on"), fields.get("ends_on")
    if starts_on is None:
        raise DomainError(_l("The start date is required."), field="starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(_l("The end date must not be before the start date."), field="ends_on")
    windows = parse_windows(fields.get("windows") or [])
    parse_rule(fields.get("rrule", ""), starts_on, tz=ZoneInfo(fields.get("timezone") or "Asia/Shanghai"),
               at=windows[0].start)
    overlapping = select(ServicePlan.id).where(
        ServicePlan.compound_id == compound.id, ServicePlan.service_type_id == fields["service_type_id"],
        ServicePlan.status != "ended",
        (ServicePlan.ends_on.is_(None)) | (ServicePlan.ends_on >= starts_on))
    if ends_on is not None:
        overlapping = overlapping.where(ServicePlan.starts_on <= ends_on)
    if exclude_id:
        overlapping = overlapping.where(ServicePlan.id != exclude_id)
    if db.session.scalar(overlapping.limit(1)):
        raise DomainError(_l("This compound already has a plan for this service in that period; edit it instead."),
                          field="service_type_id")
    return compound, windows


def _plan_values(fields: dict, windows) -> dict:
    return {
        "compound_id": fields["compound_id"], "service_type_id": fields["service_type_id"],
        "crew_id": fields["crew_id"], "operator_id": fields.get("operator_id") or None,
        "rrule": fields["rrule"].strip().upper().removeprefix("RRULE:"),
        "windows": [w.as_json() for w in windows], "starts_on": fields["starts_on"], "ends_on": fields.get("ends_on"),
        "skip_dates": sorted({d.isoformat() for d in fields.get("skip_dates") or []}),
    }


def _drop_future_untouched_tasks(plan_id: int, now: datetime) -> int:
    """Tasks nobody has started are regenerated from the plan as it is now; the rest stay."""
    return db.session.execute(delete(Task).where(
        Task.plan_id == plan_id, Task.status == "scheduled", Task.window_start > now)).rowcount


def _regenerate(plan: ServicePlan, now: datetime, through: date | None) -> None:
    if through is not None and plan.status == "active":
        from .generation import generate_tasks
        generate_tasks(through, now=now, plan_ids=[plan.id])


def create_plan(actor, fields: dict, *, now: datetime, generate_through: date | None = None,
                assignment_id: int | None = None) -> ServicePlan:
    """A new plan; `assignment_id` is the compound's active assignment, whose end ends the plan too."""
    _require_editor(actor)
    compound, windows = _check_plan(fields)
    plan = ServicePlan(**_plan_values(fields, windows), status="active", created_at=now,
                       timezone=fields.get("timezone") or "Asia/Shanghai", assignment_id=assignment_id)
    db.session.add(plan)
    db.session.flush()
    record(actor, "service_plan", plan.id, "plan_created", now=now, compound_id=compound.id, to_state="active")
    _regenerate(plan, now, generate_through)
    return plan


def update_plan(actor, plan: ServicePlan, fields: dict, *, now: datetime,
                generate_through: date | None = None) -> dict:
    """Changes a plan; only future tasks that have not started follow the change."""
    _require_editor(actor)
    fields = {**fields, "compound_id": plan.compound_id}
    _compound, windows = _check_plan(fields, exclude_id=plan.id)
    changes = {}
    for key, value in _plan_values(fields, windows).items():
        if getattr(plan, key) != value:
            changes[key] = [_jsonable(getattr(plan, key)), _jsonable(value)]
            setattr(plan, key, value)
    if changes:
        removed = _drop_future_untouched_tasks(plan.id, now)
        record(actor, "service_plan", plan.id, "plan_changed", now=now, compound_id=plan.compound_id,
               changes=changes | {"future_tasks_replaced": [removed, None]})
    db.session.flush()
    _regenerate(plan, now, generate_through)
    return changes


def set_plan_paused(actor, plan: ServicePlan, paused: bool, *, now: datetime,
                    generate_through: date | None = None) -> None:

    _require_editor(actor)
    wanted, current = ("paused", "active") if paused else ("active", "paused")
    if plan.status != current:
        raise DomainError(_l("Only an active plan can be paused, and only a paused one resumed."))
    plan.status = wanted
    if paused:
        _drop_future_untouched_tasks(plan.id, now)
    record(actor, "service_plan", plan.id, "plan_paused" if paused else "plan_resumed", now=now,
           compound_id=plan.compound_id, from_state=current, to_state=wanted)
    db.session.flush()
    _regenerate(plan, now, generate_through)


def _require_editor(actor) -> None:

    if actor is None or actor.role not in PLAN_EDITORS:
        raise Forbidden(_l("Only dispatchers may change service plans."))


def _jsonable(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def add_standard_version(actor, service_type_id: int, fields: dict, *, now: datetime) -> ServiceStandard:
    """A new version of what "done" means; tasks generated from now on use it, older ones keep theirs."""

    if actor is None or actor.role not in STANDARD_EDITORS:
        raise Forbidden(_l("Only administrators may change service standards."))
    checklist = [item.strip() for item in fields.get("checklist") or [] if item.strip()]
    if not checklist:
        raise DomainError(_l("The checklist needs at least one item."), field="checklist")
    if len(checklist) > 30 or any(len(item) > 100 for item in checklist):
        raise DomainError(_l("At most 30 checklist items of at most 100 characters."), field="checklist")
    parse_rule(fields.get("default_rrule", ""), now.date())
    windows = parse_windows(fields.get("default_windows") or [])
    current = current_standard(service_type_id)
    if db.session.get(ServiceType, service_type_id) is None:
        raise DomainError(_l("Unknown service type."))
    standard = ServiceStandard(
        service_type_id=service_type_id, version=(current.version + 1) if current else 1, checklist=checklist,
        photo_required=bool(fields.get("photo_required")), default_rrule=fields["default_rrule"].strip().upper(),
        default_windows=[w.as_json() for w in windows], effective_from=now, created_by_id=actor.id)
    db.session.add(standard)
    db.session.flush()
    record(actor, "service_standard", standard.id, "standard_versioned", now=now,
           to_state=f"v{standard.version}")
    return standard
