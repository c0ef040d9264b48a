"""Read models for the register pages and exports: filtered, sorted, in a fixed number of queries."""
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from ..database import contains
from ..extensions import db
from .models import Community, Compound, Subdistrict

PUBLIC_CODE_MAX = Compound.public_code.type.length

SORTS = {
    "name": (Compound.name,),
    "-name": (Compound.name.desc(),),
    "households": (Compound.households, Compound.name),
    "-households": (Compound.households.desc(), Compound.name),
    "year_built": (Compound.year_built, Compound.name),
    "-year_built": (Compound.year_built.desc(), Compound.name),
    "mode_since": (Compound.mode_since, Compound.name),
    "-mode_since": (Compound.mode_since.desc(), Compound.name),
    "subdistrict": (Subdistrict.name, Community.name, Compound.name),
}
DEFAULT_SORT = "subdistrict"


@dataclass
class RegisterFilter:
    subdistrict_id: int | None = None
    community_id: int | None = None
    mode: str | None = None
    renovation_status: str | None = None
    q: str = ""
    sort: str = DEFAULT_SORT


def register_query(f: RegisterFilter, *, order=None) -> Select:
    """The register filtered by `f`, sorted by `order` (columns) or by the filter's sort key."""
    query = (
        select(Compound)
        .join(Compound.community)
        .join(Community.subdistrict)
        .options(contains_eager(Compound.community).contains_eager(Community.subdistrict))
    )
    if f.subdistrict_id:
        query = query.where(Community.subdistrict_id == f.subdistrict_id)
    if f.community_id:
        query = query.where(Compound.community_id == f.community_id)
    if f.mode:
        query = query.where(Compound.management_mode == f.mode)
    if f.renovation_status:
        query = query.where(Compound.renovation_status == f.renovation_status)
    if f.q:
        query = query.where(or_(contains(Compound.name, f.q), contains(Compound.aliases, f.q),
                                contains(Compound.address, f.q)))
    return query.order_by(*(order or SORTS.get(f.sort, SORTS[DEFAULT_SORT])), Compound.id)


def register_totals(f: RegisterFilter) -> tuple[int, int]:
    """(compounds, households) for the filtered register, in one statement."""
    inner = register_query(f).order_by(None).subquery()
    row = db.session.execute(select(func.count(), func.coalesce(func.sum(inner.c.households), 0))).one()
    return row[0], int(row[1])


def area_choices() -> tuple[list[Subdistrict], list[tuple[int, str, int]]]:
    """Subdistricts, and communities as (id, label, subdistrict_id), for filters and forms."""
    subdistricts = db.session.scalars(select(Subdistrict).order_by(Subdistrict.name)).all()
    communities = db.session.execute(
        select(Community.id, Subdistrict.name, Community.name, Community.subdistrict_id)
        .join(Community.subdistrict)
        .order_by(Subdistrict.name, Community.name)
    ).all()
    return subdistricts, [(cid, f"{sub} · {comm}", sid) for cid, sub, comm, sid in communities]


def compound_by_public_code(code: str) -> Compound | None:
    """The compound whose QR code (public page) carries `code`, or None; a code longer than any issued
    is not looked up. With its community and subdistrict, which every public page names."""
    if not code or len(code) > PUBLIC_CODE_MAX:
        return None
    return db.session.scalar(select(Compound).where(Compound.public_code == code).options(
        joinedload(Compound.community).joinedload(Community.subdistrict)))
