"""Read models: a compound's public record, a case's public history, the dispatcher's queue."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from ..audit.models import AuditEntry
from ..compounds.models import Compound
from ..extensions import db
from ..field.queries import on_time_condition
from ..orgs.models import Crew, Organisation, crew_compound
from ..plans.models import ServicePlan, Task, TaskPhoto
from .labels import HISTORY_LABELS
from .models import Complaint, ComplaintPhoto
from .policy import OPEN_STATUSES

RECORD_DAYS = 30
DONE = ("done", "verified")


@dataclass
class PublicRecord:
    compound: Compound
    served_by: str
    crews: list  # (crew name, work phone)
    plans: list[ServicePlan]
    due: int
    completed: int
    on_time: int
    recent: list  # (task, [photos])
    open_problems: int
    ratings: int
    satisfaction: float | None
    reopened: int = 0
    handover_stage: str | None = None  # the stage of a handover under way (no names, no dates)

    @property
    def completion_rate(self) -> int | None:
        return round(100 * self.completed / self.due) if self.due else None

    @property
    def on_time_rate(self) -> int | None:
        return round(100 * self.on_time / self.completed) if self.completed else None


def satisfaction_of(compound_ids: list[int]) -> dict[int, tuple[int, float]]:
    """compound id -> (ratings, average 1-5). For oversight and handover readiness too."""
    if not compound_ids:
        return {}
    rows = db.session.execute(select(Complaint.compound_id, func.count(Complaint.rating), func.avg(Complaint.rating))
                              .where(Complaint.compound_id.in_(compound_ids), Complaint.rating.is_not(None))
                              .group_by(Complaint.compound_id)).all()
    return {r[0]: (r[1], float(r[2])) for r in rows}


def public_record(compound: Compound, *, now: datetime) -> PublicRecord:
    since = now - timedelta(days=RECORD_DAYS)
    crews = db.session.execute(
        select(Crew.name, Crew.work_phone, Organisation.name).join(Organisation, Organisation.id == Crew.organisation_id)
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
    due, completed, on_time = db.session.execute(
        select(func.count(Task.id), func.sum(case((Task.status.in_(DONE), 1), else_=0)),
               func.sum(case((Task.status.in_(DONE) & on_time_condition(), 1), else_=0)))
        .where(Task.compound_id == compound.id, Task.window_start >= since, Task.window_end <= now,
               Task.status != "cancelled")).one()
    # Work is completed within hours of its window (a missed task within 12 h, a redo within days),
    # so the window bound loses nothing and lets (compound_id, window_start) find the rows: without
    # it every page view read the compound's whole history (1,100 rows a year; 21 ms on PostgreSQL).
    recent_tasks = db.session.scalars(
        select(Task).options(joinedload(Task.service_type))
        .where(Task.compound_id == compound.id, Task.status.in_(DONE), Task.completed_at >= since,
               Task.window_start >= since - timedelta(days=RECORD_DAYS))
        .order_by(Task.completed_at.desc()).limit(6)).all()
    photos: dict[int, list] = {}
    if recent_tasks:
        for photo in db.session.scalars(select(TaskPhoto).where(TaskPhoto.task_id.in_([t.id for t in recent_tasks]))
                                        .order_by(TaskPhoto.id)):
            photos.setdefault(photo.task_id, []).append(photo)
    open_problems = db.session.scalar(select(func.count(Complaint.id)).where(
        Complaint.compound_id == compound.id, Complaint.status.in_(OPEN_STATUSES)))
    ratings, average = satisfaction_of([compound.id]).get(compound.id, (0, None))
    # A reopened case counts against: the resident said the first answer did not solve it.
    reopened = db.session.scalar(select(func.count(func.distinct(AuditEntry.entity_id))).where(
        AuditEntry.compound_id == compound.id, AuditEntry.entity_type == "complaint",
        AuditEntry.action == "complaint_reopened", AuditEntry.at >= since))
    return PublicRecord(compound, served_by, [(c[0], c[1]) for c in crews], plans, due or 0, int(completed or 0),
                        int(on_time or 0), [(t, photos.get(t.id, [])[:2]) for t in recent_tasks], open_problems,
                        ratings, average, reopened, _open_handover_stage(compound.id))


def _open_handover_stage(compound_id: int) -> str | None:
    from ..handovers.models import OPEN_STAGES, Handover
    return db.session.scalar(select(Handover.stage).where(Handover.compound_id == compound_id,
                                                          Handover.stage.in_(OPEN_STAGES)))


def public_photo(compound: Compound, photo_id: int) -> TaskPhoto | None:
    """A task photo of this compound (residents may see the evidence of their compound only)."""
    return db.session.scalar(select(TaskPhoto).join(Task, Task.id == TaskPhoto.task_id)
                             .where(TaskPhoto.id == photo_id, Task.compound_id == compound.id))


def public_history(complaint: Complaint) -> list[tuple[datetime, str]]:
    """(when, what) for the tracking page: states only, no names, no internal notes."""
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "complaint",
                                                          AuditEntry.entity_id == complaint.id)
                                 .order_by(AuditEntry.at, AuditEntry.id)).all()
    return [(e.at, str(HISTORY_LABELS[e.action])) for e in entries if e.action in HISTORY_LABELS]


@dataclass
class QueueFilter:
    status: str | None = None
    unmatched: bool = False
    source: str | None = None


def dispatcher_queue(f: QueueFilter, limit: int = 200) -> list[Complaint]:
    """Open cases first, nearest deadline first; or the cases of one status."""
    query = select(Complaint).options(joinedload(Complaint.compound))
    if f.unmatched:
        query = query.where(Complaint.compound_id.is_(None))
    if f.status:
        query = query.where(Complaint.status == f.status)
    elif not f.unmatched:
        query = query.where(Complaint.status.in_(OPEN_STATUSES + ("resolved",)))
    if f.source:
        query = query.where(Complaint.source == f.source)
    deadline = case((Complaint.status == "received", Complaint.acknowledge_due_at), else_=Complaint.resolve_due_at)
    return db.session.scalars(query.order_by(Complaint.status.in_(("resolved", "closed")), deadline,
                                             Complaint.id).limit(limit)).all()


def next_deadline(c: Complaint):
    if c.status == "received":
        return c.acknowledge_due_at
    if c.status in ("acknowledged", "dispatched", "reopened"):
        return c.resolve_due_at
    return None


def photos_of_case(complaint_id: int) -> list[ComplaintPhoto]:
    return db.session.scalars(select(ComplaintPhoto).where(ComplaintPhoto.complaint_id == complaint_id)
                              .order_by(ComplaintPhoto.id)).all()


def tasks_of_case(complaint_id: int) -> list[Task]:
    return db.session.scalars(select(Task).where(Task.complaint_id == complaint_id).order_by(Task.id)).all()
