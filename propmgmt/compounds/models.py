"""The area hierarchy and the compound register."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..database import UTCDateTime, one_of
from ..extensions import db

MANAGEMENT_MODES = ("professional", "fallback", "self_managed", "unmanaged")
RENOVATION_TIERS = ("basic", "improvement", "upgrade")
RENOVATION_STATUSES = ("reserve", "under_construction", "new_start", "completed")


class District(db.Model):
    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    city: Mapped[str] = mapped_column(String(80), default="")

    subdistricts: Mapped[list["Subdistrict"]] = relationship(back_populates="district")


class Subdistrict(db.Model):
    """街道."""

    __tablename__ = "subdistrict"
    __table_args__ = (UniqueConstraint("district_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    name: Mapped[str] = mapped_column(String(80))

    district: Mapped[District] = relationship(back_populates="subdistricts")
    communities: Mapped[list["Community"]] = relationship(back_populates="subdistrict")


class Community(db.Model):
    """社区."""

    __tablename__ = "community"
    __table_args__ = (UniqueConstraint("subdistrict_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict_id: Mapped[int] = mapped_column(ForeignKey("subdistrict.id"))
    name: Mapped[str] = mapped_column(String(80))

    subdistrict: Mapped[Subdistrict] = relationship(back_populates="communities")
    compounds: Mapped[list["Compound"]] = relationship(back_populates="community")


class Compound(db.Model):
    """小区. `management_mode` changes only through the assignment and handover workflows."""

    __tablename__ = "compound"
    __table_args__ = (
        UniqueConstraint("community_id", "name"),
        one_of("management_mode", MANAGEMENT_MODES, "management_mode"),
        one_of("renovation_tier", RENOVATION_TIERS, "renovation_tier", nullable=True),
        one_of("renovation_status", RENOVATION_STATUSES, "renovation_status", nullable=True),
        CheckConstraint("households >= 0", name="households_non_negative"),
        CheckConstraint("buildings >= 0", name="buildings_non_negative"),
        CheckConstraint("floor_area IS NULL OR floor_area >= 0", name="floor_area_non_negative"),
        Index("ix_compound_mode", "management_mode"),
        Index("ix_compound_name", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # Other names residents and the 12345 hotline use, one per line; used to match tickets.
    aliases: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    year_built: Mapped[int | None]
    buildings: Mapped[int] = mapped_column(default=0)
    households: Mapped[int] = mapped_column(default=0)
    floor_area: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # Where the compound is (WGS-84), when known: a spot check far from it is flagged.
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    renovation_tier: Mapped[str | None] = mapped_column(String(20))
    renovation_status: Mapped[str | None] = mapped_column(String(20))
    renovation_completed_on: Mapped[date | None]
    management_mode: Mapped[str] = mapped_column(String(20), default="unmanaged")
    mode_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The professional firm serving it (set when a handover completes, cleared when the firm leaves).
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    # When a firm or the owners last gave it up: such compounds lead the unmanaged queue.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Unguessable code in the residents' QR link; never the row id.
    public_code: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    community: Mapped[Community] = relationship(back_populates="compounds")
    firm = relationship("Organisation")

    @property
    def subdistrict(self) -> Subdistrict:
        return self.community.subdistrict
