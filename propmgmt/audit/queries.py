"""Reading the audit log: compounds' timelines and the log page with its filters."""
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..clock import local_to_utc
from ..extensions import db
from .models import AuditEntry


def compound_timeline(compound_id: int, limit: int = 200) -> list[AuditEntry]:
    """Newest first, with the actor loaded in the same statement."""
    return db.session.scalars(
        select(AuditEntry)
        .options(joinedload(AuditEntry.actor))
        .where(AuditEntry.compound_id == compound_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    ).all()


@dataclass
class AuditFilter:
    actor_id: int | None = None
    who: str = ""  # a name, username or work number of the actor
    action: str | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    date_from: date | None = None  # local dates, both included
    date_to: date | None = None


def audit_log(f: AuditFilter):
    """Newest first, the actor and the compound loaded in the same statement."""
    query = select(AuditEntry).options(joinedload(AuditEntry.actor), joinedload(AuditEntry.compound))
    if f.actor_id:
        query = query.where(AuditEntry.actor_id == f.actor_id)
    if f.who:
        like = f"%{f.who}%"
        query = query.where(AuditEntry.actor_id.in_(select(User.id).where(or_(
            User.display_name.ilike(like), User.username.ilike(like), User.work_no.ilike(like)))))
    if f.action:
        query = query.where(AuditEntry.action == f.action)
    if f.entity_type:
        query = query.where(AuditEntry.entity_type == f.entity_type)
        if f.entity_id:
            query = query.where(AuditEntry.entity_id == f.entity_id)
    if f.date_from:
        query = query.where(AuditEntry.at >= local_to_utc(f.date_from, time()))
    if f.date_to:
        query = query.where(AuditEntry.at < local_to_utc(f.date_to + timedelta(days=1), time()))
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def entity_timeline(entity_type: str, entity_id: int, limit: int = 200) -> list[AuditEntry]:
    """One thing's entries, newest first; an entry written once per compound it touched is shown once."""
    entries = db.session.scalars(
        select(AuditEntry)
        .options(joinedload(AuditEntry.actor))
        .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    ).all()
    seen, unique = set(), []
    for e in entries:
        key = (e.at, e.action, e.actor_id, e.from_state, e.to_state, e.reason)
        if key not in seen:
            seen.add(key)
            unique.append(e)
    return unique
