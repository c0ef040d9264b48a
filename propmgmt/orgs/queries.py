"""Reading the registry: the list of organisations and one organisation's page."""
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from ..assignments.models import Assignment
from ..auth.models import User
from ..compounds.models import Community, Compound
from ..extensions import db
from ..handovers.models import Handover
from .models import ORG_KINDS, Organisation

SHOWN_ROWS = 200  # a page lists at most this many compounds or handovers; the counts say how many there are


@dataclass
class OrganisationFilter:
    q: str = ""
    kind: str | None = None
    active: str | None = None  # "yes" (active), "no" (suspended)


def organisation_list(f: OrganisationFilter):
    query = select(Organisation)
    if f.q:
        like = f"%{f.q}%"
        query = query.where(or_(Organisation.name.ilike(like), Organisation.credit_code.ilike(like),
                                Organisation.contact_name.ilike(like)))
    if f.kind in ORG_KINDS:
        query = query.where(Organisation.kind == f.kind)
    if f.active in ("yes", "no"):
        query = query.where(Organisation.active.is_(f.active == "yes"))
    return query.order_by(Organisation.kind, Organisation.active.desc(), Organisation.name)


def active_user_counts(organisation_ids) -> dict[int, int]:
    """Active users per organisation of a page: one statement."""
    return dict(db.session.execute(select(User.organisation_id, func.count(User.id)).where(
        User.active, User.organisation_id.in_(list(organisation_ids))).group_by(User.organisation_id)).all())


def served_compounds(org: Organisation):
    """A firm's compounds (professional, with it as their firm); the fallback operator's (under an active
    assignment)."""
    query = select(Compound).options(joinedload(Compound.community).joinedload(Community.subdistrict))
    if org.kind == "fallback_operator":
        query = query.join(Assignment, Assignment.compound_id == Compound.id).where(
            Assignment.operator_org_id == org.id, Assignment.status == "active")
    else:
        query = query.where(Compound.firm_id == org.id)
    return query.order_by(Compound.name)


def organisation_page(org: Organisation) -> dict:
    compounds_query = served_compounds(org)
    handovers = select(Handover).options(joinedload(Handover.compound)).where(Handover.firm_id == org.id)
    return {
        "compound_count": db.session.scalar(select(func.count()).select_from(compounds_query.subquery())),
        "compounds": db.session.scalars(compounds_query.limit(SHOWN_ROWS)).unique().all(),
        "handover_count": db.session.scalar(select(func.count()).select_from(handovers.subquery())),
        "handovers": db.session.scalars(handovers.order_by(Handover.id.desc()).limit(SHOWN_ROWS)).all(),
        "users": db.session.scalars(select(User).where(User.organisation_id == org.id)
                                    .order_by(User.active.desc(), User.display_name).limit(SHOWN_ROWS)).all(),
    }
