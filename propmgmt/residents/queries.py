"""Read models of the residents' window: a compound's public record and the photos it shows.

Its figures are plans.outcomes' (the same as the officials' pages for the same compound and days);
nothing here names a resident or an operator, and a case's page shows only that case's work.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from ..audit.models import AuditEntry
from ..complaints.models import Complaint
from ..complaints.policy import OPEN_CASE_STATUSES
from ..complaints.queries import satisfaction_of
from ..compounds.models import Compound
from ..extensions import db
from ..handovers.models import OPEN_STAGES, Handover
from ..orgs.models import Crew, Organisation, crew_compound
from ..periods import Period
from ..plans.models import ServicePlan, Task, TaskPhoto
from ..plans.outcomes import DONE_WORK, Health, health_between

RECORD_DAYS = 30  # "the last 30 days": whole local days, as on the oversight pages


@dataclass
class PublicRecord:
    compound: Compound
    served_by: str
    crews: list  # (crew name, work phone)
    plans: list[ServicePlan]
    health: Health
    recent: list  # (task, [photos])
    open_problems: int
    ratings: int
    satisfaction: float | None
    reopened: int = 0
    handover_stage: str | None = None  # the stage of a handover under way (no names, no dates)


def public_record(compound: Compound, *, now: datetime) -> PublicRecord:
    period = Period.last_days(RECORD_DAYS, now=now)
    start, end = period.bounds(now)
    crews = db.session.execute(
        select(Crew.name, Crew.work_phone, Organisation.name)
        .join(Organisation, Organisation.id == Crew.organisation_id)
        .where(or_(Crew.id.in_(select(crew_compound.c.crew_id).where(crew_compound.c.compound_id == compound.id)),
                   Crew.id.in_(select(ServicePlan.crew_id).where(ServicePlan.compound_id == compound.id,
                                                                 ServicePlan.status == "active"))))
        .order_by(Crew.name)).all()
    if compound.management_mode == "professional" and getattr(compound, "firm", None) is not None:
        served_by = compound.firm.name
    elif compound.management_mode == "fallback":
        served_by = crews[0][2] if crews else db.session.scalar(
            select(Organisation.name).where(Organisation.kind == "fallback_operator"))
    else:
        served_by = ""
    plans = db.session.scalars(select(ServicePlan).options(joinedload(ServicePlan.service_type))
                               .where(ServicePlan.compound_id == compound.id, ServicePlan.status == "active")
                               .order_by(ServicePlan.service_type_id)).all()
    health = health_between(start, end, Task.compound_id == compound.id, days=period.days)
    # Work is completed within hours of its window (a missed task within 12 h, a redo within days),
    # so the window bound loses nothing and lets (compound_id, window_start) find the rows: without
    # it every page view read the compound's whole history (1,100 rows a year; 21 ms on PostgreSQL).
    recent_tasks = db.session.scalars(
        select(Task).options(joinedload(Task.service_type))
        .where(Task.compound_id == compound.id, Task.status.in_(DONE_WORK), Task.completed_at >= start,
               Task.window_start >= start - timedelta(days=RECORD_DAYS))
        .order_by(Task.completed_at.desc()).limit(6)).all()
    photos: dict[int, list] = {}
    if recent_tasks:
        for photo in db.session.scalars(select(TaskPhoto).where(TaskPhoto.task_id.in_([t.id for t in recent_tasks]))
                                        .order_by(TaskPhoto.id)):
            photos.setdefault(photo.task_id, []).append(photo)
    ratings, average = satisfaction_of([compound.id]).get(compound.id, (0, None))
    # One statement for three small answers (the page is read by anyone, and each statement costs more
    # in Python than in the database). A reopened case counts against: the resident said the first
    # answer did not solve it.
    open_problems, reopened, handover_stage = db.session.execute(select(
        select(func.count(Complaint.id)).where(Complaint.compound_id == compound.id,
                                               Complaint.status.in_(OPEN_CASE_STATUSES)).scalar_subquery(),
        select(func.count(func.distinct(AuditEntry.entity_id))).where(
            AuditEntry.compound_id == compound.id, AuditEntry.entity_type == "complaint",
            AuditEntry.action == "complaint_reopened", AuditEntry.at >= start).scalar_subquery(),
        select(Handover.stage).where(Handover.compound_id == compound.id, Handover.stage.in_(OPEN_STAGES))
        .limit(1).scalar_subquery(),
    )).one()
    return PublicRecord(compound, served_by, [(c[0], c[1]) for c in crews], plans, health,
                        [(t, photos.get(t.id, [])[:2]) for t in recent_tasks], open_problems, ratings, average,
                        reopened, handover_stage)


def public_photo(compound: Compound, photo_id: int) -> TaskPhoto | None:
    """A task photo of this compound (residents may see the evidence of their compound only)."""
    return db.session.scalar(select(TaskPhoto).join(Task, Task.id == TaskPhoto.task_id)
                             .where(TaskPhoto.id == photo_id, Task.compound_id == compound.id))


def _work_photos_of_case(complaint: Complaint):
    """The operators' photos of finished work on the tasks made for this case (no names)."""
    return (select(TaskPhoto).join(Task, Task.id == TaskPhoto.task_id)
            .where(Task.complaint_id == complaint.id, Task.status.in_(DONE_WORK)))


def case_work_photos(complaint: Complaint) -> list[TaskPhoto]:
    return db.session.scalars(_work_photos_of_case(complaint).order_by(TaskPhoto.id)).all()


def case_work_photo(complaint: Complaint, photo_id: int) -> TaskPhoto | None:
    """A photo of this case's work: the tracking page shows nothing of another case or compound."""
    return db.session.scalar(_work_photos_of_case(complaint).where(TaskPhoto.id == photo_id))
