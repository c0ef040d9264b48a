"""Read models: the unmanaged queue and the assignment ledger, each in a fixed number of queries."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, selectinload

from ..compounds.models import Community, Compound, Subdistrict
from ..extensions import db
from .models import ASSIGNMENT_STATUSES, Assignment

QUEUE_SORTS = {
    "waiting": (Compound.mode_since, Compound.id),
    "households": (Compound.households.desc(), Compound.mode_since),
    "name": (Compound.name,),
}


@dataclass
class QueueFilter:
    subdistrict_id: int | None = None
    community_id: int | None = None
    renovation_status: str | None = None
    q: str = ""
    sort: str = "waiting"


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def unmanaged_queue(f: QueueFilter) -> Select:
    """Unmanaged compounds, the longest-waiting first unless told otherwise."""
    query = (
        select(Compound)
        .join(Compound.community).join(Community.subdistrict)
        .options(contains_eager(Compound.community).contains_eager(Community.subdistrict))
        .where(Compound.management_mode == "unmanaged")
    )
    if f.subdistrict_id:
        query = query.where(Community.subdistrict_id == f.subdistrict_id)
    if f.community_id:
        query = query.where(Compound.community_id == f.community_id)
    if f.renovation_status:
        query = query.where(Compound.renovation_status == f.renovation_status)
    if f.q:
        query = query.where(Compound.name.like(_like(f.q), escape="\\"))
    return query.order_by(*QUEUE_SORTS.get(f.sort, QUEUE_SORTS["waiting"]))


def queue_totals(f: QueueFilter) -> tuple[int, int]:
    inner = unmanaged_queue(f).order_by(None).subquery()
    count, households = db.session.execute(
        select(func.count(), func.coalesce(func.sum(inner.c.households), 0))).one()
    return count, int(households)


@dataclass
class LedgerFilter:
    status: str | None = None
    subdistrict_id: int | None = None
    leader_id: int | None = None
    start_from: date | None = None
    start_to: date | None = None
    q: str = ""


def ledger_query(f: LedgerFilter) -> Select:
    query = (
        select(Assignment)
        .join(Assignment.compound).join(Compound.community).join(Community.subdistrict)
        .options(
            contains_eager(Assignment.compound).contains_eager(Compound.community)
            .contains_eager(Community.subdistrict),
            selectinload(Assignment.responsible_leader),
            selectinload(Assignment.service_types),
        )
    )
    if f.status in ASSIGNMENT_STATUSES:
        query = query.where(Assignment.status == f.status)
    if f.subdistrict_id:
        query = query.where(Community.subdistrict_id == f.subdistrict_id)
    if f.leader_id:
        query = query.where(Assignment.responsible_leader_id == f.leader_id)
    if f.start_from:
        query = query.where(Assignment.start_date >= f.start_from)
    if f.start_to:
        query = query.where(Assignment.start_date <= f.start_to)
    if f.q:
        query = query.where(Compound.name.like(_like(f.q), escape="\\")
                            | Assignment.decision_no.like(_like(f.q), escape="\\"))
    return query.order_by(Assignment.proposed_at.desc(), Assignment.id.desc())


def ledger_count(f: LedgerFilter) -> int:
    return db.session.scalar(select(func.count()).select_from(ledger_query(f).order_by(None).subquery()))


def days_in_fallback(assignment: Assignment, today: date) -> int | None:
    """Days the compound has been (or was) served under this assignment; None before it starts."""
    if assignment.status not in ("active", "ended"):
        return None
    last = assignment.end_date if assignment.status == "ended" and assignment.end_date else today
    return max((last - assignment.start_date).days, 0)


def open_assignment_of(compound_id: int) -> Assignment | None:
    return db.session.scalar(select(Assignment).where(
        Assignment.compound_id == compound_id, Assignment.status.in_(("proposed", "active"))))


def compound_assignments(compound_id: int) -> list[Assignment]:
    return db.session.scalars(select(Assignment).where(Assignment.compound_id == compound_id)
                              .order_by(Assignment.proposed_at.desc())).all()
