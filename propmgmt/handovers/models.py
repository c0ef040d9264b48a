"""Handover of a compound from the fallback operator to a professional firm."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, CheckConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, now_utc, one_of
from ..extensions import db

HANDOVER_STAGES = (
    "assessing",
    "owners_decision",
    "firm_selection",
    "joint_inspection",
    "transition",
    "completed",
    "aborted",
)
OPEN_STAGES = HANDOVER_STAGES[:5]


class Handover(db.Model):
    __tablename__ = "handover"
    __table_args__ = (
        one_of("stage", HANDOVER_STAGES, "stage"),
        Index(
            "uq_handover_one_open_per_compound",
            "compound_id",
            unique=True,
            sqlite_where=text("stage NOT IN ('completed', 'aborted')"),
            postgresql_where=text("stage NOT IN ('completed', 'aborted')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"), index=True)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    stage: Mapped[str] = mapped_column(String(20), default="assessing")
    stage_owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    stage_due_on: Mapped[date | None]
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    contract_start: Mapped[date | None]
    contract_end: Mapped[date | None]
    fee_standard: Mapped[str] = mapped_column(String(120), default="")
    transition_end: Mapped[date | None]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    abort_reason: Mapped[str] = mapped_column(Text, default="")

    compound = relationship("Compound")
    firm = relationship("Organisation")


class OwnersDecision(db.Model):
    """The owners' vote on hiring a firm (Civil Code art. 278): counts and exclusive areas."""

    __tablename__ = "owners_decision"
    __table_args__ = (
        CheckConstraint("participating_owners <= total_owners", name="participants_within_total"),
        CheckConstraint("favour_owners <= participating_owners", name="favour_within_participants"),
        CheckConstraint("participating_area <= total_area", name="area_within_total"),
        CheckConstraint("favour_area <= participating_area", name="favour_area_within_participating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handover.id", ondelete="CASCADE"), unique=True)
    total_owners: Mapped[int]
    total_area: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    participating_owners: Mapped[int]
    participating_area: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    favour_owners: Mapped[int]
    favour_area: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    decided_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
