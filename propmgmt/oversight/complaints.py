"""Residents' problems on the overview: open now, answered within the deadline, median response time,
and the cases behind each figure. The conditions are defined once here for the figure and its list.

A case is *answered* when a dispatcher acknowledged it; it was answered *within the deadline* when
that happened by its acknowledgement deadline (policy.SLA). A case counts towards the rate once it is
decided: answered, or its deadline has passed unanswered.
"""
import statistics
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from ..complaints.models import Complaint
from ..complaints.policy import OPEN_CASE_STATUSES
from ..errors import DomainError
from ..extensions import db
from ..periods import Period

CASE_OUTCOME_LABELS = {
    "received": _l("Received in the period"), "answered_in_time": _l("Answered within the deadline"),
    "answered_late": _l("Answered late or not yet"), "open": _l("Open now"),
}


@dataclass
class ComplaintFigures:
    received: int
    decided: int
    answered_in_time: int
    median_response_minutes: float | None
    open_now: int

    @property
    def in_time_rate(self) -> float | None:
        return round(100 * self.answered_in_time / self.decided, 1) if self.decided else None


def case_condition(outcome: str, period: Period, now: datetime):
    if outcome not in CASE_OUTCOME_LABELS:
        raise DomainError(_l("Unknown figure: choose one from the list."), field="outcome")
    if outcome == "open":
        return Complaint.status.in_(OPEN_CASE_STATUSES)
    start, end = period.bounds(now)
    received = and_(Complaint.received_at > start, Complaint.received_at <= end)
    # Spelled out so that an unanswered case is "not in time" (not NULL) on both databases.
    in_time = and_(Complaint.acknowledged_at.is_not(None), Complaint.acknowledged_at <= Complaint.acknowledge_due_at)
    decided = or_(Complaint.acknowledged_at.is_not(None), Complaint.acknowledge_due_at <= now)
    return {"received": received, "answered_in_time": received & in_time,
            "answered_late": received & decided & ~in_time}[outcome]


def answered_late(case: Complaint, now: datetime) -> bool:
    """case_condition's "answered_late" for one loaded case: decided, and not answered in time."""
    if case.acknowledge_due_at is None:
        return False
    if case.acknowledged_at is None:
        return case.acknowledge_due_at <= now
    return case.acknowledged_at > case.acknowledge_due_at


def complaint_figures(period: Period, now: datetime) -> ComplaintFigures:
    """The period's cases (by when they were received) and the open cases now (2 queries)."""
    conditions = {name: case_condition(name, period, now) for name in CASE_OUTCOME_LABELS}
    counts = db.session.execute(select(*(func.sum(case((conditions[name], 1), else_=0)) for name in (
        "received", "answered_in_time", "answered_late", "open")))).one()
    received, in_time, late, open_now = (int(value or 0) for value in counts)
    answered = db.session.execute(select(Complaint.received_at, Complaint.acknowledged_at).where(
        conditions["received"], Complaint.acknowledged_at.is_not(None))).all()
    minutes = [(acknowledged - received_at).total_seconds() / 60 for received_at, acknowledged in answered]
    return ComplaintFigures(received, in_time + late, in_time, round(statistics.median(minutes)) if minutes else None,
                            open_now)


def case_rows(outcome: str, period: Period, now: datetime) -> Select:
    """Newest first; never the reporter's contact details."""
    return (select(Complaint).options(joinedload(Complaint.compound))
            .where(case_condition(outcome, period, now)).order_by(Complaint.received_at.desc(), Complaint.id.desc()))


def count_cases(outcome: str, period: Period, now: datetime) -> int:
    return db.session.scalar(select(func.count(Complaint.id)).where(case_condition(outcome, period, now)))
