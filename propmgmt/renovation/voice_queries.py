"""Read models of the residents' voice on renovation: the tally of a consultation, its texts for officials,
and what a compound's public page shows (open consultations, projects under construction)."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import ProgressEntry, Project, project_compound
from .rules import ACTIVE_STAGES
from .supervision import SUPERVISED_STAGE
from .voice_models import Consultation, ConsultationItem, Opinion, OpinionVote, SupervisionNote


@dataclass
class ItemTally:
    item: ConsultationItem
    support: int
    oppose: int

    @property
    def support_share(self) -> float | None:
        """Support as a percentage of the households that answered the item (a rate, as plans.outcomes')."""
        total = self.support + self.oppose
        return 100 * self.support / total if total else None


@dataclass
class Tally:
    opinions: int
    unverified_rooms: int  # rooms the register could not check (it knows no rooms of the compound)
    with_text: int
    items: list[ItemTally]


def tally(consultation: Consultation) -> Tally:
    """Support and oppose per item, and the counts of opinions: three statements whatever the number."""
    votes = dict(((item_id, support), n) for item_id, support, n in db.session.execute(
        select(OpinionVote.item_id, OpinionVote.support, func.count())
        .join(ConsultationItem, ConsultationItem.id == OpinionVote.item_id)
        .where(ConsultationItem.consultation_id == consultation.id)
        .group_by(OpinionVote.item_id, OpinionVote.support)))
    opinions, unverified, with_text = db.session.execute(
        select(func.count(Opinion.id),
               func.coalesce(func.sum(db.case((Opinion.room_verified.is_(False), 1), else_=0)), 0),
               func.coalesce(func.sum(db.case((Opinion.text != "", 1), else_=0)), 0))
        .where(Opinion.consultation_id == consultation.id)).one()
    return Tally(opinions=opinions, unverified_rooms=unverified, with_text=with_text,
                 items=[ItemTally(i, votes.get((i.id, True), 0), votes.get((i.id, False), 0))
                        for i in consultation.items])


def opinion_texts_query(consultation: Consultation):
    """The opinions with words, newest first, for db.paginate (officials only: rooms and words are private)."""
    return (select(Opinion).where(Opinion.consultation_id == consultation.id, Opinion.text != "")
            .options(selectinload(Opinion.compound), selectinload(Opinion.votes))
            .order_by(Opinion.created_at.desc(), Opinion.id.desc()))


@dataclass
class PublicVoice:
    consultations: list  # open consultations on projects covering the compound
    building: list  # (project, latest progress %) of projects under construction covering it
    answered: list  # consultations whose plan change is recorded, on projects not finished yet


def public_voice(compound_id: int, today: date) -> PublicVoice:
    covering = db.session.scalars(select(project_compound.c.project_id)
                                  .where(project_compound.c.compound_id == compound_id)).all()
    if not covering:  # most compounds: one statement, not three, on their public page
        return PublicVoice(consultations=[], building=[], answered=[])
    consultations = db.session.scalars(
        select(Consultation).join(Project, Project.id == Consultation.project_id)
        .where(Consultation.project_id.in_(covering), Project.stage == "reserve",
               Consultation.closed_at.is_(None), Consultation.ends_on >= today)
        .options(selectinload(Consultation.project), selectinload(Consultation.items))
        .order_by(Consultation.ends_on)).all()
    latest = (select(ProgressEntry.percent).where(ProgressEntry.project_id == Project.id)
              .order_by(ProgressEntry.month.desc()).limit(1).correlate(Project).scalar_subquery())
    building = db.session.execute(select(Project, latest).where(Project.id.in_(covering),
                                                                 Project.stage == SUPERVISED_STAGE)
                                  .order_by(Project.name)).all()
    answered = db.session.scalars(
        select(Consultation).join(Project, Project.id == Consultation.project_id)
        .where(Consultation.project_id.in_(covering), Project.stage.in_(ACTIVE_STAGES), Consultation.plan_change != "")
        .options(selectinload(Consultation.project)).order_by(Consultation.plan_changed_at.desc()).limit(3)).all()
    return PublicVoice(consultations=consultations, building=[(p, percent or 0) for p, percent in building],
                       answered=[c for c in answered if c not in consultations])


@dataclass
class ProjectVoice:
    """What the project page shows of the residents' voice."""

    consultations: list  # (consultation, Tally), newest first
    shown: Consultation | None  # the consultation whose texts are listed
    texts: object | None  # a page of its opinions with words (None: the viewer may not read them)
    notes: object  # a page of the supervision notes, unanswered first
    unanswered: int


def project_voice(project: Project, *, read_opinions: bool, consultation_id: int | None, text_page: int,
                  note_page: int, per_page: int) -> ProjectVoice:
    consultations = [(c, tally(c)) for c in project.consultations]
    shown = next((c for c, _t in consultations if c.id == consultation_id), None) or (
        consultations[0][0] if consultations else None)
    texts = None
    if read_opinions and shown is not None:
        texts = db.paginate(opinion_texts_query(shown), page=text_page, per_page=per_page, error_out=False)
    notes = db.paginate(select(SupervisionNote).where(SupervisionNote.project_id == project.id)
                        .options(selectinload(SupervisionNote.photos), selectinload(SupervisionNote.compound),
                                 selectinload(SupervisionNote.answered_by))
                        .order_by(SupervisionNote.answered_at.is_not(None), SupervisionNote.created_at.desc(),
                                  SupervisionNote.id.desc()),
                        page=note_page, per_page=per_page, error_out=False)
    unanswered = db.session.scalar(select(func.count(SupervisionNote.id)).where(
        SupervisionNote.project_id == project.id, SupervisionNote.answered_at.is_(None)))
    return ProjectVoice(consultations=consultations, shown=shown, texts=texts, notes=notes, unanswered=unanswered)
