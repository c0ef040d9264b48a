"""Residents' reports and 12345 hotline tickets, with response deadlines."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..database import UTCDateTime, one_of
from ..extensions import db

COMPLAINT_SOURCES = ("resident", "hotline", "field")
COMPLAINT_STATUSES = ("received", "acknowledged", "dispatched", "resolved", "closed", "reopened")
SEVERITIES = ("urgent", "high", "normal")
# What the caller wanted (the hotline's 诉求类型), beside what it is about (工单分类 -> category).
HOTLINE_NATURES = ("consult", "help", "complaint", "suggestion", "report", "thanks")
# What set the resolve deadline: our policy, or the hotline's hours, date-time or working days, or an
# extension the hotline approved.
DEADLINE_RULES = ("policy", "hotline_hours", "hotline_due", "hotline_workdays", "extension")
VISIT_RESULTS = ("satisfied", "basic", "unsatisfied")
HOTLINE_STEP_KINDS = ("signed", "returned", "extension", "urged")
EXTENSION_DECISIONS = ("approved", "refused")


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
    # The rest of the hotline's ticket (issue 21). contact_name is private like contact_phone.
    hotline_nature: Mapped[str] = mapped_column(String(12), default="", server_default="")
    hotline_classification: Mapped[str] = mapped_column(String(80), default="", server_default="")
    hotline_title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    hotline_urgency: Mapped[str] = mapped_column(String(20), default="", server_default="")
    hotline_channel: Mapped[str] = mapped_column(String(20), default="", server_default="")
    hotline_place: Mapped[str] = mapped_column(String(200), default="", server_default="")
    hotline_lead_unit: Mapped[str] = mapped_column(String(120), default="", server_default="")
    hotline_assist_units: Mapped[str] = mapped_column(String(200), default="", server_default="")
    hotline_return_allowed: Mapped[bool | None] = mapped_column(Boolean)
    contact_name: Mapped[str] = mapped_column(String(40), default="", server_default="")
    deadline_rule: Mapped[str] = mapped_column(String(20), default="policy", server_default="policy")
    deadline_basis: Mapped[str] = mapped_column(String(60), default="", server_default="")  # as the hotline wrote it
    # For the reply sheet: who handled it (承办人) and when the caller was called back.
    handler_name: Mapped[str] = mapped_column(String(40), default="", server_default="")
    caller_contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The hotline's own follow-up call (回访).
    visit_result: Mapped[str | None] = mapped_column(String(12))
    visit_reached: Mapped[bool | None] = mapped_column(Boolean)
    visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    compound = relationship("Compound")


class HotlineStep(db.Model):
    """A step in the hotline's own workflow: 签收 (signed), 退单 (returned), 延期 (extension, with the
    hotline's decision) and 催办 (urged). One row per step and moment, so an import read twice adds none."""

    __tablename__ = "hotline_step"
    __table_args__ = (
        one_of("kind", HOTLINE_STEP_KINDS, "kind"),
        one_of("decision", EXTENSION_DECISIONS, "decision", nullable=True),
        UniqueConstraint("complaint_id", "kind", "at", name="uq_hotline_step_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    new_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # an extension's requested date
    decision: Mapped[str | None] = mapped_column(String(10))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class HotlineCategoryMap(db.Model):
    """The hotline's classification (工单分类 / 事项分类) -> our category; officials edit it.

    A ticket's classification matches a row exactly, else the longest row text it contains; none
    gives DEFAULT_HOTLINE_CATEGORY and the import report lists the value."""

    __tablename__ = "hotline_category_map"

    id: Mapped[int] = mapped_column(primary_key=True)
    classification: Mapped[str] = mapped_column(String(80), unique=True)
    category: Mapped[str] = mapped_column(String(30))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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
