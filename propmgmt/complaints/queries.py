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

# Residents' satisfaction, one definition: the number of ratings (1-5 stars) and their average.
RATINGS, RATING_AVERAGE = func.count(Complaint.rating), func.avg(Complaint.rating)


def satisfaction_of(compound_ids: list[int], *, rated_between: tuple[datetime, datetime] | None = None
                    ) -> dict[int, tuple[int, float]]:
    """compound id -> (ratings, average 1-5). For oversight, handover readiness and the monthly
    assessment too (that one counts the ratings given in [start, end))."""
    if not compound_ids:
        return {}
    conditions = [Complaint.compound_id.in_(compound_ids), Complaint.rating.is_not(None)]
    if rated_between:
        conditions += [Complaint.rated_at >= rated_between[0], Complaint.rated_at < rated_between[1]]
    rows = db.session.execute(select(Complaint.compound_id, RATINGS, RATING_AVERAGE)
                              .where(*conditions).group_by(Complaint.compound_id)).all()
    return {r[0]: (r[1], float(r[2])) for r in rows}


@dataclass
class HotlineFigures:
    """The 12345 hotline's own figures on the district's tickets, as the hotline computes them, beside the
    residents' own ratings of the same period.

    回复率 (reply rate): tickets answered to the hotline (resolved, or closed: rated, closed or sent back)
    among the tickets that owe an answer (answered, or past their resolve deadline). 满意率 (satisfaction
    rate): 满意 + 基本满意 among the tickets whose caller the hotline reached on its follow-up call (回访)."""
    tickets: int = 0
    owing: int = 0
    replied: int = 0
    reached: int = 0
    satisfied: int = 0  # 满意 + 基本满意
    not_reached: int = 0
    ratings: int = 0  # residents' ratings (every source) of the period's cases
    rating_average: float | None = None

    @property
    def reply_rate(self) -> float | None:
        return round(100 * self.replied / self.owing, 1) if self.owing else None

    @property
    def satisfaction_rate(self) -> float | None:
        return round(100 * self.satisfied / self.reached, 1) if self.reached else None


def hotline_figures(start: datetime, end: datetime, now: datetime) -> HotlineFigures:
    """The figures of the cases received in [start, end) (one query)."""
    received = (Complaint.received_at >= start) & (Complaint.received_at < end)
    ticket = received & (Complaint.source == "hotline")
    replied = ticket & (Complaint.resolved_at.is_not(None) | (Complaint.status == "closed"))
    owing = ticket & (Complaint.resolved_at.is_not(None) | (Complaint.status == "closed")
                      | (Complaint.resolve_due_at <= now))
    reached = ticket & (Complaint.visit_reached.is_(True)) & Complaint.visit_result.is_not(None)

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    row = db.session.execute(select(
        count(ticket), count(owing), count(replied), count(reached),
        count(reached & Complaint.visit_result.in_(("satisfied", "basic"))),
        count(ticket & Complaint.visit_reached.is_(False)),
        func.count(case((received, Complaint.rating))), func.avg(case((received, Complaint.rating))))).one()
    *counts, average = row
    return HotlineFigures(*(int(v or 0) for v in counts), float(average) if average is not None else None)


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
