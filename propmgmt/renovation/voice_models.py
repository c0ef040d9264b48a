"""Residents' voice on a renovation project: the consultation before it (听意见) and supervision notes during it (请监督)."""
from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..database import UTCDateTime
from ..extensions import db


class Consultation(db.Model):
    """A consultation on a project in reserve: the plan's items, open until its end date or until closed."""

    __tablename__ = "renovation_consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("renovation_project.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    ends_on: Mapped[date]  # the last day opinions are taken (Asia/Shanghai)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How the plan changed in answer to the opinions (officials write it; audited).
    plan_change: Mapped[str] = mapped_column(Text, default="")
    plan_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project = relationship("Project", back_populates="consultations")
    items = relationship("ConsultationItem", order_by="ConsultationItem.position", cascade="all, delete-orphan",
                         back_populates="consultation")

    def is_open(self, today: date) -> bool:
        return self.closed_at is None and today <= self.ends_on


class ConsultationItem(db.Model):
    """One item of the plan put to the residents: a sentence, and a drawing or photo if there is one."""

    __tablename__ = "renovation_consultation_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("renovation_consultation.id", ondelete="CASCADE"),
                                                 index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    image_path: Mapped[str | None] = mapped_column(String(200))
    thumb_path: Mapped[str | None] = mapped_column(String(200))

    consultation = relationship("Consultation", back_populates="items")


class Opinion(db.Model):
    """One household's opinion: one per room and one per device in a consultation (the database holds both).

    `room` and `text` are the resident's and private: only officials read them (auth.roles.OPINION_READERS).
    `room_verified` is False when the register knows no rooms of the compound (the room is flagged).
    """

    __tablename__ = "renovation_opinion"
    __table_args__ = (
        UniqueConstraint("consultation_id", "compound_id", "room", name="uq_renovation_opinion_room"),
        UniqueConstraint("consultation_id", "device_key", name="uq_renovation_opinion_device"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("renovation_consultation.id", ondelete="CASCADE"))
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"))
    room: Mapped[str] = mapped_column(String(30))
    room_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    device_key: Mapped[str] = mapped_column(String(64))  # a hash of the device's cookie
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    compound = relationship("Compound")
    votes = relationship("OpinionVote", cascade="all, delete-orphan")


class OpinionVote(db.Model):
    """Support or oppose one item of the plan."""

    __tablename__ = "renovation_opinion_vote"

    opinion_id: Mapped[int] = mapped_column(ForeignKey("renovation_opinion.id", ondelete="CASCADE"),
                                            primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("renovation_consultation_item.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    support: Mapped[bool] = mapped_column(Boolean)


class SupervisionNote(db.Model):
    """A resident's supervision note on a project under construction, followed by its tracking code;
    the project team answers it, and acceptance waits until every note has its answer."""

    __tablename__ = "renovation_supervision_note"
    __table_args__ = (Index("ix_renovation_supervision_note_project", "project_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("renovation_project.id", ondelete="CASCADE"))
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"))
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    project = relationship("Project", back_populates="notes")
    compound = relationship("Compound")
    answered_by = relationship("User")
    photos = relationship("SupervisionPhoto", order_by="SupervisionPhoto.id", cascade="all, delete-orphan")


class SupervisionPhoto(db.Model):
    __tablename__ = "renovation_supervision_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("renovation_supervision_note.id", ondelete="CASCADE"),
                                         index=True)
    path: Mapped[str] = mapped_column(String(200))
    thumb_path: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
