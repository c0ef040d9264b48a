"""Read models: a case's public history, the dispatcher's queue, residents' ratings."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from ..audit.models import AuditEntry
from ..extensions import db
from ..plans.models import Task
from .labels import HISTORY_LABELS
from .models import Complaint, ComplaintPhoto
from .policy import OPEN_CASE_STATUSES


def satisfaction_of(compound_ids: list[int], *, rated_between: tuple[datetime, datetime] | None = None
                    ) -> dict[int, tuple[int, float]]:
    """compound id -> (ratings, average 1-5). For oversight, handover readiness and the monthly
    assessment too (that one counts the ratings given in [start, end))."""
    if not compound_ids:
        return {}
    conditions = [Complaint.compound_id.in_(compound_ids), Complaint.rating.is_not(None)]
    if rated_between:
        conditions += [Complaint.rated_at >= rated_between[0], Complaint.rated_at < rated_between[1]]
    rows = db.session.execute(select(Complaint.compound_id, func.count(Complaint.rating), func.avg(Complaint.rating))
                              .where(*conditions).group_by(Complaint.compound_id)).all()
    return {r[0]: (r[1], float(r[2])) for r in rows}


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
        query = query.where(Complaint.status.in_(OPEN_CASE_STATUSES + ("resolved",)))
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
