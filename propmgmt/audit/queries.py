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
