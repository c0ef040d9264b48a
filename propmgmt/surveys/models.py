"""Survey rounds of each compound's service (改造后评效果): the questions, the rounds and the households' answers."""
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..database import UTCDateTime, one_of
from ..extensions import db

# All compounds under fallback service, a subdistrict, one compound; a renovation project's (the scheduler's).
SCOPES = ("fallback", "subdistrict", "compound", "project")
ORIGINS = ("manual", "quarterly", "renovation")  # opened by an official, or by the scheduler
SCORES = (1, 2, 3, 4, 5)

round_compound = Table(
    "survey_round_compound", db.metadata,
    Column("round_id", ForeignKey("survey_round.id", ondelete="CASCADE"), primary_key=True),
    Column("compound_id", ForeignKey("compound.id"), primary_key=True, index=True),
)
round_question = Table(
    "survey_round_question", db.metadata,
    Column("round_id", ForeignKey("survey_round.id", ondelete="CASCADE"), primary_key=True),
    Column("question_id", ForeignKey("survey_question.id"), primary_key=True),
)


class Question(db.Model):
    """One question of the survey, scored 1-5. Officials keep the list; a question a round has answers to is
    frozen (its words are what the residents answered): retire it and add a new one instead."""

    __tablename__ = "survey_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    text: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Round(db.Model):
    """A survey round: a period (local dates, both included) and the compounds asked, fixed when it opens.

    `schedule_key` makes the scheduler's rounds unique ("quarter:2026Q4", "renovation:12"): a second run
    finds the first one's round and adds none.
    """

    __tablename__ = "survey_round"
    __table_args__ = (
        one_of("scope", SCOPES, "scope"),
        one_of("origin", ORIGINS, "origin"),
        CheckConstraint("starts_on <= ends_on", name="dates_in_order"),
        Index("ix_survey_round_starts_on", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    scope: Mapped[str] = mapped_column(String(20))
    subdistrict_id: Mapped[int | None] = mapped_column(ForeignKey("subdistrict.id"))
    origin: Mapped[str] = mapped_column(String(20), default="manual")
    schedule_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # closed early by an official
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    compounds = relationship("Compound", secondary=round_compound, order_by="Compound.name")
    questions = relationship("Question", secondary=round_question, order_by="Question.position")
    subdistrict = relationship("Subdistrict")
    created_by = relationship("User")

    def state(self, today: date) -> str:
        """upcoming, open or closed (by its end date, or by an official)."""
        if self.closed_at is not None or today > self.ends_on:
            return "closed"
        return "upcoming" if today < self.starts_on else "open"


class Answer(db.Model):
    """One household's answer in a round: one per room and one per device (the database holds both).

    `room` and `text` are the resident's and private: only auth.roles.SURVEY_TEXT_READERS read them.
    `room_verified` is False when the register knows no rooms of the compound (the room is flagged).
    """

    __tablename__ = "survey_answer"
    __table_args__ = (
        UniqueConstraint("round_id", "compound_id", "room", name="uq_survey_answer_room"),
        UniqueConstraint("round_id", "device_key", name="uq_survey_answer_device"),
        Index("ix_survey_answer_compound_round", "compound_id", "round_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"))
    room: Mapped[str] = mapped_column(String(30))
    room_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    device_key: Mapped[str] = mapped_column(String(64))  # a hash of the device's cookie
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    scores = relationship("Score", cascade="all, delete-orphan", order_by="Score.question_id")


class Score(db.Model):
    """The household's score (1-5) of one question."""

    __tablename__ = "survey_score"
    __table_args__ = (CheckConstraint("score >= 1 AND score <= 5", name="score_in_range"),)

    answer_id: Mapped[int] = mapped_column(ForeignKey("survey_answer.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_question.id"), primary_key=True, index=True)
    score: Mapped[int]
