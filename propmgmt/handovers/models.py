"""Handover of a compound from the fallback operator to a professional firm."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..database import UTCDateTime, one_of
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
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    contract_start: Mapped[date | None]
    contract_end: Mapped[date | None]
    fee_standard: Mapped[str] = mapped_column(String(120), default="")
    transition_end: Mapped[date | None]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    abort_reason: Mapped[str] = mapped_column(Text, default="")
    # Sign-off of the joint inspection (承接查验): by a user of the incoming firm and by an official.
    firm_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    firm_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    official_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    official_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    compound = relationship("Compound")
    firm = relationship("Organisation")
    stage_owner = relationship("User", foreign_keys=[stage_owner_id])
    owners_decision = relationship("OwnersDecision", uselist=False, back_populates="handover")
    inspection_items = relationship("InspectionItem", order_by="InspectionItem.id", back_populates="handover")

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def open_blocking_defects(self) -> list["InspectionItem"]:
        return [i for i in self.inspection_items if i.result == "defect" and i.blocking]

    @property
    def awaits_firm_signature(self) -> bool:
        """The joint inspection is recorded, no blocking defect is open, and the firm has not signed."""
        return bool(self.inspection_items) and not self.open_blocking_defects and self.firm_signed_at is None


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

    handover = relationship("Handover", back_populates="owners_decision")


INSPECTION_RESULTS = ("ok", "defect", "fixed")


class InspectionItem(db.Model):
    """One common facility checked in the joint inspection, with its defect and who fixes it by when."""

    __tablename__ = "inspection_item"
    __table_args__ = (one_of("result", INSPECTION_RESULTS, "result"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handover.id", ondelete="CASCADE"), index=True)
    facility: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(String(10), default="ok")
    defect: Mapped[str] = mapped_column(Text, default="")
    blocking: Mapped[bool] = mapped_column(default=False)
    fixer: Mapped[str] = mapped_column(String(80), default="")
    fix_by: Mapped[date | None]
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The defect's photo, checked and re-encoded like the field app's (photos.py).
    photo_path: Mapped[str | None] = mapped_column(String(200))
    thumb_path: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    handover = relationship("Handover", back_populates="inspection_items")


class ReadinessPolicy(db.Model):
    """The thresholds officials judge readiness by; data, so admins can change them (one row)."""

    __tablename__ = "readiness_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    fee_willingness_min: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("60"))
    months_in_fallback_min: Mapped[int] = mapped_column(default=6)
    stuck_after_days: Mapped[int] = mapped_column(default=30)
    # The share of satisfied households (surveys.figures.survey_satisfaction, in %) the latest survey must reach.
    survey_satisfaction_min: Mapped[int] = mapped_column(default=80, server_default="80")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CompoundReadiness(db.Model):
    """What officials know about a compound's owners: committee and willingness to pay fees."""

    __tablename__ = "compound_readiness"

    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id", ondelete="CASCADE"), primary_key=True)
    owners_committee: Mapped[bool | None]
    fee_willingness: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    evidence: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
