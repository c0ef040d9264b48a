"""Reading the audit log for timelines."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

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
