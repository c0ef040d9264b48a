"""Reading users for the admin pages: the filtered list, in one statement per page."""
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..extensions import db
from ..orgs.models import Organisation


@dataclass
class UserFilter:
    q: str = ""
    role: str | None = None
    organisation_id: int | None = None
    active: str | None = None  # "yes", "no" or None (both)


def user_list(f: UserFilter):
    query = select(User).options(joinedload(User.organisation), joinedload(User.crew))
    if f.q:
        like = f"%{f.q}%"
        query = query.where(or_(User.display_name.ilike(like), User.username.ilike(like),
                                User.work_no.ilike(like), User.phone.like(like)))
    if f.role:
        query = query.where(User.role == f.role)
    if f.organisation_id:
        query = query.where(User.organisation_id == f.organisation_id)
    if f.active in ("yes", "no"):
        query = query.where(User.active.is_(f.active == "yes"))
    return query.order_by(User.active.desc(), User.display_name, User.id)


def organisation_choices() -> list[Organisation]:
    return db.session.scalars(select(Organisation).order_by(Organisation.kind, Organisation.name)).all()
