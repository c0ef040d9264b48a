"""Writing the audit log. Every state change in every domain goes through `record`."""
from datetime import datetime

from ..extensions import db
from .models import AuditEntry


def record(actor, entity_type: str, entity_id: int, action: str, *, now: datetime,
           compound_id: int | None = None, from_state: str | None = None,
           to_state: str | None = None, reason: str = "", changes: dict | None = None) -> AuditEntry:
    entry = AuditEntry(
        at=now,
        actor_id=getattr(actor, "id", None),
        entity_type=entity_type,
        entity_id=entity_id,
        compound_id=compound_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        changes=changes,
    )
    db.session.add(entry)
    return entry
