"""Service types, their versioned standards, service plans and the tasks made from them."""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..database import UTCDateTime, one_of
from ..extensions import db

PLAN_STATUSES = ("active", "paused", "ended")
TASK_STATUSES = ("scheduled", "in_progress", "done", "verified", "rejected", "missed", "cancelled")
# A task still open, as SQL written out (not bound): a partial index is used only by a query that
# states its condition, and a bound parameter cannot be proved to (transitions.mark_missed).
OPEN_TASK_CONDITION = "status IN ('scheduled', 'in_progress')"


class ServiceType(db.Model):
    """保洁, 垃圾分类督导, ... Names are data so new types need no code change."""

    __tablename__ = "service_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(default=True)

    standards: Mapped[list["ServiceStandard"]] = relationship(
        back_populates="service_type", order_by="ServiceStandard.version"
    )


class ServiceStandard(db.Model):
    """What "done" means for a service type, one row per version; tasks keep theirs."""

    __tablename__ = "service_standard"
    __table_args__ = (
        UniqueConstraint("service_type_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id"))
    version: Mapped[int]
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    photo_required: Mapped[bool] = mapped_column(default=True)
    default_rrule: Mapped[str] = mapped_column(String(200))
    # [{"start": "07:00", "end": "09:00"}, ...] in the district's local time.
    default_windows: Mapped[list] = mapped_column(JSON, default=list)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    service_type: Mapped[ServiceType] = relationship(back_populates="standards")


class ServicePlan(db.Model):
    __tablename__ = "service_plan"
    __table_args__ = (
        one_of("status", PLAN_STATUSES, "status"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_starts"),
        Index("ix_service_plan_compound", "compound_id", "service_type_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"))
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"), index=True)
    crew_id: Mapped[int | None] = mapped_column(ForeignKey("crew.id"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    rrule: Mapped[str] = mapped_column(String(300))
    windows: Mapped[list] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    skip_dates: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    compound = relationship("Compound")
    service_type = relationship("ServiceType")
    crew = relationship("Crew")


class Task(db.Model):
    """One occurrence of a plan (or a dispatched complaint), with its completion evidence."""

    __tablename__ = "task"
    __table_args__ = (
        one_of("status", TASK_STATUSES, "status"),
        CheckConstraint("window_end > window_start", name="window_ordered"),
        # Generation is idempotent through this key: one task per plan occurrence.
        UniqueConstraint("plan_id", "window_start", name="uq_task_plan_occurrence"),
        Index("ix_task_assignee_window", "assignee_id", "window_start"),
        # The tablet's day: a crew's tasks in a window (the day read 5,500 tasks to keep 66 without it).
        Index("ix_task_crew_window", "crew_id", "window_start"),
        Index("ix_task_compound_window", "compound_id", "window_start"),
        # A compound's tasks that came due in a period: the drill-down by subdistrict and compound.
        Index("ix_task_compound_window_end", "compound_id", "window_end"),
        Index("ix_task_status_window_end", "status", "window_end"),
        Index("ix_task_status_window_start", "status", "window_start"),
        # A case's task runs from its dispatch to the case's deadline; the tablet's day carries the ones
        # still open. Only case tasks are in it, so it stays small however long the history grows.
        Index("ix_task_case_window_end", "window_end", sqlite_where=text("complaint_id IS NOT NULL"),
              postgresql_where=text("complaint_id IS NOT NULL")),
        # The open tasks by window end, for mark_missed (transitions.py writes the same condition).
        Index("ix_task_open_window_end", "window_end", sqlite_where=text(OPEN_TASK_CONDITION),
              postgresql_where=text(OPEN_TASK_CONDITION)),
        # The scheduled tasks by window start, for the reminder sweep (due soon, overdue): a seek, even
        # when PostgreSQL's statistics predate the horizon's newest days (migration 0031).
        Index("ix_task_scheduled_window_start", "window_start", sqlite_where=text("status = 'scheduled'"),
              postgresql_where=text("status = 'scheduled'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("service_plan.id"))
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"))
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id"))
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("service_standard.id"))
    crew_id: Mapped[int | None] = mapped_column(ForeignKey("crew.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"), index=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the operator finished on the device (may be offline, earlier than completed_at).
    device_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_offline: Mapped[bool] = mapped_column(default=False)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    checklist_result: Mapped[dict | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    # Times sent back for redo; "first pass" means verified with none.
    rejections: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan = relationship("ServicePlan")
    compound = relationship("Compound")
    service_type = relationship("ServiceType")
    assignee = relationship("User", foreign_keys=[assignee_id])
    completed_by = relationship("User", foreign_keys=[completed_by_id])


class TaskPhoto(db.Model):
    __tablename__ = "task_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(200))
    thumb_path: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
