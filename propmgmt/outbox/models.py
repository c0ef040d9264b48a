"""The notification outbox: one row per (subject, kind, recipient, channel), sent once."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..database import UTCDateTime, one_of
from ..extensions import db

CHANNELS = ("in_app", "email", "webhook")
NOTIFICATION_STATUSES = ("pending", "sending", "sent", "failed", "parked")
SUBJECT_TYPES = ("task", "complaint", "handover", "assignment", "report", "inspection_item")


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        one_of("channel", CHANNELS, "channel"),
        one_of("status", NOTIFICATION_STATUSES, "status"),
        one_of("subject_type", SUBJECT_TYPES, "subject_type"),
        # recipient_key is the user id or the address, so webhooks without a user dedupe too.
        UniqueConstraint(
            "subject_type", "subject_id", "kind", "recipient_key", "channel", name="uq_notification_once"
        ),
        Index("ix_notification_status_next", "status", "next_attempt_at"),
        Index("ix_notification_recipient_read", "recipient_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    recipient_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a sender claims the row: the token tells its claims from another sender's, and a
    # claim older than NOTIFY_CLAIM_TIMEOUT_MINUTES is taken to be from a sender that stopped.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recipient = relationship("User")
