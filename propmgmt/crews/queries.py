"""Read models of the crews pages: the list with leaders and counts, a crew's members and compounds."""
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from ..auth.models import User, person_label
from ..compounds.models import Compound
from ..extensions import db
from ..orgs.models import Crew, crew_compound


def crews_query(search: str = "") -> Select:
    query = select(Crew).options(joinedload(Crew.leader).joinedload(User.crew)).order_by(Crew.name)
    if search:
        query = query.where(Crew.name.contains(search, autoescape=True))
    return query


@dataclass(frozen=True)
class CrewSummary:
    members: int
    compounds: list[str]


def summaries(crew_ids: list[int]) -> dict[int, CrewSummary]:
    """Two statements for a page of crews: active members per crew, and the compounds each serves."""
    members = dict(db.session.execute(select(User.crew_id, func.count(User.id)).where(
        User.crew_id.in_(crew_ids), User.active, User.role == "operator").group_by(User.crew_id)).all())
    served: dict[int, list[str]] = {}
    for crew_id, name in db.session.execute(
            select(crew_compound.c.crew_id, Compound.name).join(Compound, Compound.id == crew_compound.c.compound_id)
            .where(crew_compound.c.crew_id.in_(crew_ids)).order_by(Compound.name)):
        served.setdefault(crew_id, []).append(name)
    return {i: CrewSummary(members.get(i, 0), served.get(i, [])) for i in crew_ids}


def members(crew: Crew) -> list[User]:
    return list(db.session.scalars(select(User).where(User.crew_id == crew.id, User.role == "operator")
                                   .order_by(User.active.desc(), User.display_name, User.work_no)))


def served_compounds(crew: Crew) -> list[tuple[Compound, object]]:
    """(compound, since) of the compounds the crew serves."""
    return [tuple(row) for row in db.session.execute(
        select(Compound, crew_compound.c.starts_on).join(crew_compound, crew_compound.c.compound_id == Compound.id)
        .where(crew_compound.c.crew_id == crew.id).order_by(Compound.name))]


def operator_choices(crew: Crew) -> list[tuple[int, str]]:
    """Active operators not in the crew, named with work number and current crew."""
    rows = db.session.execute(
        select(User.id, func.coalesce(func.nullif(User.display_name, ""), User.username), User.work_no, Crew.name)
        .outerjoin(Crew, Crew.id == User.crew_id)
        .where(User.role == "operator", User.active, (User.crew_id != crew.id) | User.crew_id.is_(None))
        .order_by(User.display_name, User.work_no)).all()
    return [(i, person_label(name, work_no, crew_name)) for i, name, work_no, crew_name in rows]


def compound_choices(crew: Crew) -> list[tuple[int, str]]:
    """Compounds under fallback service the crew does not serve yet."""
    served = select(crew_compound.c.compound_id).where(crew_compound.c.crew_id == crew.id)
    return [tuple(row) for row in db.session.execute(
        select(Compound.id, Compound.name).where(Compound.management_mode == "fallback", Compound.id.not_in(served))
        .order_by(Compound.name))]
