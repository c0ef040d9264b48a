"""A month's settlement statement and its lines; amounts are integer fen (分), never floats."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..database import UTCDateTime, one_of
from ..extensions import db

STATEMENT_STATUSES = ("draft", "approved")
LINE_KINDS = ("regular", "correction")
FEE_BASES = ("household", "area")


class Statement(db.Model):
    """结算单 of one month (the first day of the month names it): one per month, drafted by the
    scheduler, contested line by line by the operator's dispatcher, approved once by an official;
    approved means frozen."""

    __tablename__ = "statement"
    __table_args__ = (one_of("status", STATEMENT_STATUSES, "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    policy_id: Mapped[int] = mapped_column(ForeignKey("assessment_policy.id"))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # A province's month passes int4 (migration 0029); SQLite's INTEGER is 64-bit already.
    total_fen: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), default=0)

    policy = relationship("AssessmentPolicy")
    approved_by = relationship("User")
    lines: Mapped[list["StatementLine"]] = relationship(back_populates="statement", order_by="StatementLine.id")

    @property
    def is_frozen(self) -> bool:
        return self.status == "approved"


class StatementLine(db.Model):
    """One assignment's month (or a correction of an approved earlier month), as computed."""

    __tablename__ = "statement_line"
    __table_args__ = (
        one_of("kind", LINE_KINDS, "kind"),
        CheckConstraint("days >= 0", name="days_non_negative"),
        Index("ix_statement_line_assignment", "assignment_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="regular")
    # A correction names the approved month it corrects; the line's figures are then that month's.
    corrects_month: Mapped[date | None]
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"))
    households: Mapped[int] = mapped_column(default=0)
    floor_area: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    days: Mapped[int] = mapped_column(default=0)
    days_in_month: Mapped[int] = mapped_column(default=30)
    base_fen: Mapped[int] = mapped_column(default=0)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))  # None: nothing could be scored
    percent: Mapped[int] = mapped_column(default=100)
    scored_fen: Mapped[int] = mapped_column(default=0)
    unfixed_rectifications: Mapped[int] = mapped_column(default=0)
    deductions_fen: Mapped[int] = mapped_column(default=0)
    due_fen: Mapped[int] = mapped_column(default=0)
    contest_reason: Mapped[str] = mapped_column(Text, default="")
    contested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    contested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    statement: Mapped[Statement] = relationship(back_populates="lines")
    compound = relationship("Compound")
    assignment = relationship("Assignment")
    contested_by = relationship("User")
