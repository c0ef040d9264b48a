"""Read models: the unmanaged queue and the assignment ledger, each in a fixed number of queries."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, selectinload

from ..compounds.models import Community, Compound
from ..compounds.queries import RegisterFilter, register_query, register_totals
from ..database import contains
from ..extensions import db
from .models import ASSIGNMENT_STATUSES, Assignment

QUEUE_SORTS = {
    # Compounds a firm (or the owners) just gave up lead: no day without an owner of the problem.
    "waiting": (Compound.released_at.is_(None), Compound.released_at.desc(), Compound.mode_since),
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


def _register_filter(f: QueueFilter) -> RegisterFilter:
    return RegisterFilter(subdistrict_id=f.subdistrict_id, community_id=f.community_id, mode="unmanaged",
                          renovation_status=f.renovation_status, q=f.q)


def unmanaged_queue(f: QueueFilter) -> Select:
    """Unmanaged compounds (the register's own query), the longest-waiting first unless told otherwise."""
    return register_query(_register_filter(f), order=QUEUE_SORTS.get(f.sort, QUEUE_SORTS["waiting"]))


def queue_totals(f: QueueFilter) -> tuple[int, int]:
    return register_totals(_register_filter(f))


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
        query = query.where(contains(Compound.name, f.q) | contains(Assignment.decision_no, f.q))
    return query.order_by(Assignment.proposed_at.desc(), Assignment.id.desc())


def ledger_count(f: LedgerFilter) -> int:
    return db.session.scalar(select(func.count()).select_from(ledger_query(f).order_by(None).subquery()))


def days_in_fallback(assignment: Assignment, today: date) -> int | None:
    """Days the compound has been (or was) served under this assignment; None before it starts."""
    if assignment.status not in ("active", "ended"):
        return None
    last = assignment.end_date if assignment.status == "ended" and assignment.end_date else today
    return max((last - assignment.start_date).days, 0)


def active_assignment_id(compound_id: int) -> int | None:
    """The assignment under which the compound is served now, if any (a new plan serves under it)."""
    return db.session.scalar(select(Assignment.id).where(
        Assignment.compound_id == compound_id, Assignment.status == "active"))


def compound_assignments(compound_id: int) -> list[Assignment]:
    return db.session.scalars(select(Assignment).where(Assignment.compound_id == compound_id)
                              .order_by(Assignment.proposed_at.desc())).all()


def compounds_served_by(organisation, limit: int) -> tuple[int, list[Compound]]:
    """How many compounds an organisation serves, and the first `limit` by name: a firm's (professional,
    with it as their firm), the fallback operator's (under an active assignment)."""
    query = select(Compound).options(contains_eager(Compound.community).joinedload(Community.subdistrict)) \
        .join(Compound.community)
    if organisation.kind == "fallback_operator":
        query = query.join(Assignment, Assignment.compound_id == Compound.id).where(
            Assignment.operator_org_id == organisation.id, Assignment.status == "active")
    else:
        query = query.where(Compound.firm_id == organisation.id)
    count = db.session.scalar(select(func.count()).select_from(query.subquery()))
    return count, db.session.scalars(query.order_by(Compound.name).limit(limit)).unique().all()
