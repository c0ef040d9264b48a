"""Idempotency of field submissions: each key is applied once, a replay gets the first answer."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..database import UTCDateTime
from ..extensions import db


class FieldSubmission(db.Model):
    __tablename__ = "field_submission"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    status_code: Mapped[int]
    response: Mapped[dict] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replays: Mapped[int] = mapped_column(default=0, server_default="0")  # the same key sent again
