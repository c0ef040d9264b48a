"""Fallback assignments: a compound served by the fallback operator, with a named leader."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..database import UTCDateTime, one_of
from ..extensions import db

ASSIGNMENT_STATUSES = ("proposed", "active", "ended", "rejected")
OPEN_ASSIGNMENT_STATUSES = ("proposed", "active")
END_REASONS = ("handed_over", "revoked")

assignment_service_type = Table(
    "assignment_service_type",
    db.metadata,
    Column("assignment_id", ForeignKey("assignment.id", ondelete="CASCADE"), primary_key=True),
    Column("service_type_id", ForeignKey("service_type.id"), primary_key=True),
)


class Assignment(db.Model):
    __tablename__ = "assignment"
    __table_args__ = (
        one_of("status", ASSIGNMENT_STATUSES, "status"),
        one_of("end_reason", END_REASONS, "end_reason", nullable=True),
        CheckConstraint("review_date IS NULL OR review_date >= start_date", name="review_after_start"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        # At most one open (proposed or active) assignment per compound.
        Index("ix_assignment_status_start", "status", "start_date"),
        Index(
            "uq_assignment_one_open_per_compound",
            "compound_id",
            unique=True,
            sqlite_where=text("status IN ('proposed', 'active')"),
            postgresql_where=text("status IN ('proposed', 'active')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"), index=True)
    operator_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    decision_no: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    responsible_leader_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # The crew that will serve the compound; its default plans are given to this crew.
    crew_id: Mapped[int | None] = mapped_column(ForeignKey("crew.id"))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date]
    review_date: Mapped[date | None]
    end_date: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(String(20))
    end_note: Mapped[str] = mapped_column(Text, default="")

    compound = relationship("Compound")
    operator_org = relationship("Organisation")
    responsible_leader = relationship("User", foreign_keys=[responsible_leader_id])
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    crew = relationship("Crew")
    service_types = relationship("ServiceType", secondary=assignment_service_type, lazy="selectin",
                                 order_by="ServiceType.id")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ASSIGNMENT_STATUSES
