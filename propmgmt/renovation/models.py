"""Renovation projects of old compounds: what is built where, with whose money, by whom, and how far it is."""
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..database import UTCDateTime, one_of
from ..extensions import db

PROJECT_TIERS = ("basic", "improvement", "upgrade")  # 基础类 / 完善类 / 提升类, as the register's tiers
PROJECT_STAGES = ("reserve", "new_start", "under_construction", "completed", "accepted")
FUNDING_SOURCES = ("central", "provincial", "district", "bank", "social_capital", "residents")

project_compound = Table(
    "renovation_project_compound", db.metadata,
    Column("project_id", ForeignKey("renovation_project.id", ondelete="CASCADE"), primary_key=True),
    Column("compound_id", ForeignKey("compound.id"), primary_key=True, index=True),
)
project_content = Table(
    "renovation_project_content", db.metadata,
    Column("project_id", ForeignKey("renovation_project.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", ForeignKey("renovation_content_item.id"), primary_key=True),
)


class ContentItem(db.Model):
    """One kind of work a project may contain (拆除违建, 整修道路, …); officials keep the list."""

    __tablename__ = "renovation_content_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)


class Project(db.Model):
    """改造项目: one leader, one team, carried through to the end (一个项目、一名领导、一套班子、一抓到底).

    Each stage after 储备 has a planned and an actual date (the day the project entered it); the
    columns are named planned_<stage>_on and actual_<stage>_on (see services.STAGE_DATES).
    """

    __tablename__ = "renovation_project"
    __table_args__ = (
        one_of("tier", PROJECT_TIERS, "tier"),
        one_of("stage", PROJECT_STAGES, "stage"),
        Index("ix_renovation_project_stage", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    tier: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20), default="reserve")
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    contractor: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    planned_new_start_on: Mapped[date | None]
    actual_new_start_on: Mapped[date | None]
    planned_under_construction_on: Mapped[date | None]
    actual_under_construction_on: Mapped[date | None]
    planned_completed_on: Mapped[date | None]
    actual_completed_on: Mapped[date | None]
    planned_accepted_on: Mapped[date | None]
    actual_accepted_on: Mapped[date | None]
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    leader = relationship("User")
    compounds = relationship("Compound", secondary=project_compound, order_by="Compound.name")
    items = relationship("ContentItem", secondary=project_content, order_by="ContentItem.position")
    funding = relationship("Funding", order_by="Funding.id", cascade="all, delete-orphan",
                           back_populates="project")
    team = relationship("TeamMember", order_by="TeamMember.id", cascade="all, delete-orphan",
                        back_populates="project")
    progress = relationship("ProgressEntry", order_by="ProgressEntry.month.desc()", cascade="all, delete-orphan",
                            back_populates="project")
    # The residents' voice (voice_models): consultations before the works, supervision notes during them.
    consultations = relationship("Consultation", order_by="Consultation.id.desc()", cascade="all, delete-orphan",
                                 back_populates="project")
    notes = relationship("SupervisionNote", order_by="SupervisionNote.created_at", cascade="all, delete-orphan",
                         back_populates="project")

    @property
    def budget_fen(self) -> int:
        return sum(f.amount_fen for f in self.funding)

    def planned_on(self, stage: str) -> date | None:
        return getattr(self, f"planned_{stage}_on", None)

    def actual_on(self, stage: str) -> date | None:
        return getattr(self, f"actual_{stage}_on", None)


class Funding(db.Model):
    """The budget from one source in fen (分): central, provincial, district funds, bank, social capital, residents."""

    __tablename__ = "renovation_funding"
    __table_args__ = (
        UniqueConstraint("project_id", "source"),
        one_of("source", FUNDING_SOURCES, "source"),
        CheckConstraint("amount_fen >= 0", name="amount_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("renovation_project.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)

    project = relationship("Project", back_populates="funding")


class TeamMember(db.Model):
    """A member of the project's team (班子) and what they answer for."""

    __tablename__ = "renovation_team_member"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("renovation_project.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    duty: Mapped[str] = mapped_column(String(80), default="")

    project = relationship("Project", back_populates="team")
    user = relationship("User")


class ProgressEntry(db.Model):
    """The month's progress (first day of the month): how far, what was done."""

    __tablename__ = "renovation_progress"
    __table_args__ = (
        UniqueConstraint("project_id", "month"),
        CheckConstraint("percent >= 0 AND percent <= 100", name="percent_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("renovation_project.id", ondelete="CASCADE"), index=True)
    month: Mapped[date]
    percent: Mapped[int]
    done: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project = relationship("Project", back_populates="progress")
    recorded_by = relationship("User")
    problems = relationship("Problem", order_by="Problem.id", cascade="all, delete-orphan",
                            back_populates="entry")


class Problem(db.Model):
    """A problem of the month, who solves it by when, and when it was solved."""

    __tablename__ = "renovation_problem"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("renovation_progress.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    solver: Mapped[str] = mapped_column(String(80), default="")
    solve_by: Mapped[date | None]
    solved_on: Mapped[date | None]

    entry = relationship("ProgressEntry", back_populates="problems")
