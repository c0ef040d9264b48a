"""Reading the registry: the list of organisations and one organisation's page."""
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from ..auth.models import User
from ..extensions import db
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


def organisation_users(organisation_id: int, limit: int) -> list[User]:
    return db.session.scalars(select(User).where(User.organisation_id == organisation_id)
                              .order_by(User.active.desc(), User.display_name).limit(limit)).all()
