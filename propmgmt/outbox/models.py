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


ROBOT_SCOPES = ("crew", "subdistrict", "default")
ROBOT_PLATFORMS = ("wecom", "dingtalk")


class Robot(db.Model):
    """A group robot (WeCom group robot or DingTalk custom robot) that webhook messages go to: one per crew,
    per subdistrict office, and a default. The URL (with its key or access token) and the DingTalk secret
    are secrets: pages show `url_hint` only, and nothing logs them."""

    __tablename__ = "robot"
    __table_args__ = (
        one_of("scope", ROBOT_SCOPES, "scope"),
        one_of("platform", ROBOT_PLATFORMS, "platform"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(12))
    # "crew:5", "subdistrict:3" or "default": one robot per target.
    target: Mapped[str] = mapped_column(String(30), unique=True)
    crew_id: Mapped[int | None] = mapped_column(ForeignKey("crew.id", ondelete="CASCADE"))
    subdistrict_id: Mapped[int | None] = mapped_column(ForeignKey("subdistrict.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(10))
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(200), default="")  # DingTalk 加签 (SEC...)
    keyword: Mapped[str] = mapped_column(String(40), default="")  # DingTalk custom keyword
    url_hint: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RobotSend(db.Model):
    """One message posted to a robot, counted against its limit (20 a minute) by every sender process."""

    __tablename__ = "robot_send"
    __table_args__ = (Index("ix_robot_send_robot_at", "robot_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    robot_id: Mapped[int] = mapped_column(ForeignKey("robot.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    notifications: Mapped[int] = mapped_column(default=1)  # outbox rows folded into this message
