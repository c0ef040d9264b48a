"""The assessment policy (one row per version), spot checks with their items and photos, rectifications."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..database import UTCDateTime, one_of
from ..extensions import db

RECTIFICATION_STATUSES = ("open", "fixed", "verified")


class AssessmentPolicy(db.Model):
    """One version of the score sheet and the payment rule (policy.Policy reads `document`).

    A month is judged by the newest version whose `effective_month` is not after it; versions are
    never edited, a change is a new version.
    """

    __tablename__ = "assessment_policy"
    __table_args__ = (CheckConstraint("version >= 1", name="version_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    effective_month: Mapped[date]  # the first day of the first month it judges
    document: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by = relationship("User")


class SpotCheck(db.Model):
    """抽查: an inspector walked a compound's spot-check items; where and when the device said."""

    __tablename__ = "spot_check"
    __table_args__ = (
        Index("ix_spot_check_compound_checked", "compound_id", "checked_at"),
        CheckConstraint("accuracy_m IS NULL OR accuracy_m >= 0", name="accuracy_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("assessment_policy.id"))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # The device's clock at check-in (may be offline, earlier than recorded_at).
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    accuracy_m: Mapped[int | None]  # as the browser reported it, in metres
    distance_m: Mapped[int | None]  # from the compound's location, when both are known
    far_away: Mapped[bool] = mapped_column(default=False, server_default="0")
    note: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    replayed = False  # not a column: record_spot_check returned the key's first check again

    compound = relationship("Compound")
    inspector = relationship("User")
    policy = relationship("AssessmentPolicy")
    items: Mapped[list["SpotCheckItem"]] = relationship(back_populates="check", order_by="SpotCheckItem.id",
                                                        cascade="all, delete-orphan")


class SpotCheckItem(db.Model):
    """One spot-check item of the sheet as found: its defects (0 = pass) and the points it kept."""

    __tablename__ = "spot_check_item"
    __table_args__ = (
        UniqueConstraint("check_id", "item_code"),
        CheckConstraint("defects >= 0", name="defects_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("spot_check.id", ondelete="CASCADE"))
    item_code: Mapped[str] = mapped_column(String(40))
    defects: Mapped[int] = mapped_column(default=0)
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    note: Mapped[str] = mapped_column(Text, default="")

    check: Mapped[SpotCheck] = relationship(back_populates="items")
    photos = relationship("SpotCheckPhoto", order_by="SpotCheckPhoto.id", cascade="all, delete-orphan")


class SpotCheckPhoto(db.Model):
    __tablename__ = "spot_check_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("spot_check_item.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(200))
    thumb_path: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rectification(db.Model):
    """整改: a failed spot-check item the compound's crew must fix by the deadline.

    open → fixed (the operator says so) → verified (an inspector or dispatcher accepts it); a refused
    fix goes back to open. Not fixed by the deadline: the month of the deadline deducts (policy).
    """

    __tablename__ = "rectification"
    __table_args__ = (
        one_of("status", RECTIFICATION_STATUSES, "status"),
        Index("ix_rectification_compound_deadline", "compound_id", "deadline"),
        Index("ix_rectification_crew_status", "crew_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"))
    check_item_id: Mapped[int] = mapped_column(ForeignKey("spot_check_item.id", ondelete="CASCADE"), unique=True)
    crew_id: Mapped[int | None] = mapped_column(ForeignKey("crew.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fixed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    fix_note: Mapped[str] = mapped_column(Text, default="")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    compound = relationship("Compound")
    crew = relationship("Crew")
    check_item = relationship("SpotCheckItem")
    fixed_by = relationship("User", foreign_keys=[fixed_by_id])
    verified_by = relationship("User", foreign_keys=[verified_by_id])
