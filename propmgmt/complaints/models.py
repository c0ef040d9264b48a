"""Residents' reports and 12345 hotline tickets, with response deadlines."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..database import UTCDateTime, one_of
from ..extensions import db

COMPLAINT_SOURCES = ("resident", "hotline", "field")
COMPLAINT_STATUSES = ("received", "acknowledged", "dispatched", "resolved", "closed", "reopened")
SEVERITIES = ("urgent", "high", "normal")


class Complaint(db.Model):
    __tablename__ = "complaint"
    __table_args__ = (
        one_of("source", COMPLAINT_SOURCES, "source"),
        one_of("status", COMPLAINT_STATUSES, "status"),
        one_of("severity", SEVERITIES, "severity"),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
        Index("ix_complaint_compound_status", "compound_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    # Null while a hotline ticket waits for a dispatcher to match its compound by hand.
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compound.id"))
    source: Mapped[str] = mapped_column(String(10))
    hotline_ticket_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text)
    # Where in the compound (3号楼2单元门口): the operator goes there; optional, the reporter's words.
    location: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # Private: masked everywhere except for dispatchers, never on public pages.
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    severity: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(12), default="received")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledge_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[int | None]
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What was done, in a sentence for the resident and for the reply to the 12345 hotline.
    resolution_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The hotline's own view of the case: its deadline and the subdistrict it typed.
    hotline_subdistrict: Mapped[str] = mapped_column(String(80), default="", server_default="")
    hotline_compound_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    compound = relationship("Compound")


class ComplaintPhoto(db.Model):
    __tablename__ = "complaint_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(200))
    thumb_path: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportHit(db.Model):
    """One accepted public report, kept to rate-limit per client address and per compound.

    In the database (not in process memory) so that several web processes share the limits.
    `client_key` is a hash of the address: the address itself is personal data and not needed.
    """

    __tablename__ = "report_hit"
    __table_args__ = (
        Index("ix_report_hit_client_at", "client_key", "at"),
        Index("ix_report_hit_compound_at", "compound_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(String(64))
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LookupMiss(db.Model):
    """A tracking code asked for that matches no case, kept to throttle guessing per client address
    (in the database, so every web process shares the count; the address only as its hash)."""

    __tablename__ = "lookup_miss"
    __table_args__ = (Index("ix_lookup_miss_client_at", "client_key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
