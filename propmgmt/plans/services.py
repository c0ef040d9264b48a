"""Service plans: made from the standards when a fallback assignment starts, ended with it."""
from datetime import date, datetime

from sqlalchemy import select, update

from ..extensions import db
from .models import ServicePlan, ServiceStandard, Task


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
    plan_ids = select(ServicePlan.id).where(ServicePlan.assignment_id == assignment_id)
    result = db.session.execute(
        update(Task)
        .where(Task.plan_id.in_(plan_ids), Task.status == "scheduled", Task.window_start >= now)
        .values(status="cancelled")
    )
    return result.rowcount
