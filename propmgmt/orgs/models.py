"""Organisations (the one fallback operator, professional firms) and their crews."""
from datetime import datetime

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import local_today, utcnow
from ..database import UTCDateTime, one_of
from ..extensions import db

ORG_KINDS = ("fallback_operator", "property_firm")

crew_compound = Table(
    "crew_compound",
    db.metadata,
    Column("crew_id", ForeignKey("crew.id", ondelete="CASCADE"), primary_key=True),
    Column("compound_id", ForeignKey("compound.id", ondelete="CASCADE"), primary_key=True, index=True),
    # Since when the crew serves the compound (the district's day); rows older than the column have none.
    Column("starts_on", Date, default=local_today),
)


class Organisation(db.Model):
    __tablename__ = "organisation"
    __table_args__ = (
        one_of("kind", ORG_KINDS, "kind"),
        # The measures name one state-owned fallback operator; the database keeps it one.
        Index(
            "uq_organisation_one_fallback_operator",
            "kind",
            unique=True,
            sqlite_where=text("kind = 'fallback_operator'"),
            postgresql_where=text("kind = 'fallback_operator'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # 统一社会信用代码 (GB 32100-2015), check digit validated in orgs.credit_code; unique when given.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True, index=True)
    licence_no: Mapped[str] = mapped_column(String(60), default="")  # qualification / licence
    contact_name: Mapped[str] = mapped_column(String(60), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)  # False: suspended (no new handovers or users)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    crews: Mapped[list["Crew"]] = relationship(back_populates="organisation")


class Crew(db.Model):
    """A team of field operators that serves a set of compounds."""

    __tablename__ = "crew"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    name: Mapped[str] = mapped_column(String(80))
    # The crew's work phone is public (residents call it); operators' own phones are not.
    work_phone: Mapped[str] = mapped_column(String(30), default="")
    # One of its operators, who answers for the crew (crews.services keeps it a member).
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", use_alter=True))

    organisation: Mapped[Organisation] = relationship(back_populates="crews")
    compounds = relationship("Compound", secondary=crew_compound, lazy="selectin")
    leader = relationship("User", foreign_keys=[leader_id])
