"""Survey rounds: the questions officials keep, opening and closing rounds (by hand or on the schedule),
and one household's answer from the compound's public page. Functions flush, never commit.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..auth.roles import SURVEY_EDITORS
from ..clock import local_today
from ..complaints.services import TooMany
from ..compounds.models import Community, Compound, Subdistrict
from ..devices import device_key
from ..errors import Conflict, DomainError, Forbidden
from ..extensions import db
from ..households import PostWords, household, post_once
from ..renovation.models import Project
from .figures import OVERALL
from .models import Answer, Question, Round, Score, round_compound

# The questions a district starts with (migration 0024 writes the same); officials keep them after.
STARTING_QUESTIONS = (("cleanliness", "小区的清扫保洁干净吗？"), ("garbage_sorting", "垃圾分类和清运做得好吗？"),
                      ("response", "您反映的问题得到及时处理了吗？"), (OVERALL, "总体上，您对小区的物业服务满意吗？"))
OFFICIAL_SCOPES = ("fallback", "subdistrict", "compound")  # the "project" scope is the scheduler's
TEXT_MAX = 1000
MAX_ROUND_DAYS = 92
RENOVATION_DELAY = relativedelta(months=3)  # a project's compounds are asked 3 months after it completes
RENOVATION_ROUND_DAYS = 30
QUARTER_ROUND_MONTHS = 1  # a quarter's round runs through its last month


def _require_editor(actor) -> None:
    if actor is None or actor.role not in SURVEY_EDITORS:
        raise Forbidden(_l("Only officials may change survey rounds and questions."))


def ensure_questions() -> None:
    """The starting questions, when the list is empty (a database made without the migrations)."""
    if db.session.scalar(select(func.count(Question.id))) == 0:
        db.session.add_all(Question(code=code, text=text, position=i) for i, (code, text) in
                           enumerate(STARTING_QUESTIONS))
        db.session.flush()


def _answered(question: Question) -> bool:
    return db.session.scalar(select(Score.answer_id).where(Score.question_id == question.id).limit(1)) is not None


def add_question(actor, text: str, *, now: datetime) -> Question:
    _require_editor(actor)
    text = " ".join((text or "").split())
    if not text or len(text) > 200:
        raise DomainError(_l("Write the question (at most 200 characters)."), field="text")
    position = (db.session.scalar(select(func.max(Question.position))) or 0) + 1
    question = Question(code=f"q{position}-{int(now.timestamp())}", text=text, position=position)
    db.session.add(question)
    db.session.flush()
    record(actor, "survey_question", question.id, "survey_question_added", now=now, changes={"text": [None, text]})
    return question


def edit_question(actor, question: Question, text: str, *, now: datetime) -> Question:
    """A question's words, while no household has answered it; after, they are frozen."""
    _require_editor(actor)
    text = " ".join((text or "").split())
    if not text or len(text) > 200:
        raise DomainError(_l("Write the question (at most 200 characters)."), field="text")
    if text == question.text:
        return question
    if _answered(question):
        raise Conflict(_l("Households have answered this question, so its words are frozen. Retire it and add "
                          "a new question instead."), field="text")
    before, question.text = question.text, text
    db.session.flush()
    record(actor, "survey_question", question.id, "survey_question_changed", now=now, changes={"text": [before, text]})
    return question


def set_question_active(actor, question: Question, active: bool, *, now: datetime) -> Question:
    """Retire a question from new rounds (or bring it back); the overall question stays: satisfaction reads it."""
    _require_editor(actor)
    if not active and question.code == OVERALL:
        raise DomainError(_l("The overall question cannot be retired: satisfaction is read from it."))
    if question.active != active:
        question.active = active
        db.session.flush()
        record(actor, "survey_question", question.id, "survey_question_active", now=now,
               changes={"active": [not active, active]})
    return question


@dataclass
class RoundData:
    title: str
    starts_on: date | None
    ends_on: date | None
    scope: str
    subdistrict_id: int | None = None
    compound_id: int | None = None


def _scope_compounds(scope: str, subdistrict_id: int | None, compound_id: int | None) -> list[Compound]:
    query = select(Compound).order_by(Compound.id)
    if scope == "fallback":
        query = query.where(Compound.management_mode == "fallback")
    elif scope == "subdistrict":
        if db.session.get(Subdistrict, subdistrict_id or 0) is None:
            raise DomainError(_l("Choose the subdistrict."), field="subdistrict_id")
        query = query.join(Community, Community.id == Compound.community_id).where(
            Community.subdistrict_id == subdistrict_id)
    else:
        query = query.where(Compound.id == (compound_id or 0))
        if compound_id is None or db.session.get(Compound, compound_id) is None:
            raise DomainError(_l("Choose the compound."), field="compound_id")
    return list(db.session.scalars(query))


def _checked_dates(starts_on: date | None, ends_on: date | None, today: date) -> None:
    if starts_on is None:
        raise DomainError(_l("Give the first day of the round."), field="starts_on")
    if ends_on is None:
        raise DomainError(_l("Give the last day of the round."), field="ends_on")
    if ends_on < starts_on:
        raise DomainError(_l("The round ends before it begins; swap the dates."), field="ends_on")
    if ends_on < today:
        raise DomainError(_l("The round's last day has passed: choose a day from today on."), field="ends_on")
    if (ends_on - starts_on).days + 1 > MAX_ROUND_DAYS:
        raise DomainError(_l("A round runs at most %(n)d days.", n=MAX_ROUND_DAYS), field="ends_on")


def _new_round(actor, *, title: str, starts_on: date, ends_on: date, scope: str, compounds: list[Compound],
               now: datetime, subdistrict_id=None, origin="manual", schedule_key=None) -> Round:
    questions = db.session.scalars(select(Question).where(Question.active).order_by(Question.position)).all()
    if not any(q.code == OVERALL for q in questions):
        raise DomainError(_l("The survey has no overall question; add the questions first."))
    survey = Round(title=title, starts_on=starts_on, ends_on=ends_on, scope=scope, subdistrict_id=subdistrict_id,
                   origin=origin, schedule_key=schedule_key, created_by_id=getattr(actor, "id", None),
                   created_at=now, compounds=compounds, questions=list(questions))
    db.session.add(survey)
    db.session.flush()
    record(actor, "survey_round", survey.id, "survey_round_opened", now=now,
           changes={"title": [None, title], "period": [None, f"{starts_on} – {ends_on}"],
                    "compounds": [None, len(compounds)]})
    return survey


def open_round(actor, data: RoundData, *, now: datetime) -> Round:
    """An official's round over all compounds under fallback service, a subdistrict, or one compound."""
    _require_editor(actor)
    title = " ".join((data.title or "").split())
    if not title or len(title) > 120:
        raise DomainError(_l("Give the round a title (at most 120 characters)."), field="title")
    if data.scope not in OFFICIAL_SCOPES:
        raise DomainError(_l("Choose which compounds are asked."), field="scope")
    _checked_dates(data.starts_on, data.ends_on, local_today(now))
    compounds = _scope_compounds(data.scope, data.subdistrict_id, data.compound_id)
    if not compounds:
        raise DomainError(_l("No compound is in this choice; the round would ask no one."), field="scope")
    return _new_round(actor, title=title, starts_on=data.starts_on, ends_on=data.ends_on, scope=data.scope,
                      compounds=compounds, now=now,
                      subdistrict_id=data.subdistrict_id if data.scope == "subdistrict" else None)


def close_round(actor, survey: Round, *, now: datetime) -> Round:
    """Ends a round early: the public pages stop taking answers; what was answered stays."""
    _require_editor(actor)
    if survey.state(local_today(now)) == "closed":
        raise Conflict(_l("This round is already closed."))
    survey.closed_at = now
    db.session.flush()
    record(actor, "survey_round", survey.id, "survey_round_closed", now=now)
    return survey


def _scheduled(key: str, **fields) -> Round | None:
    """A scheduler's round, once: the unique key makes a second run (or a second scheduler) add none."""
    if db.session.scalar(select(Round.id).where(Round.schedule_key == key)) is not None:
        return None
    try:
        with db.session.begin_nested():
            return _new_round(None, schedule_key=key, **fields)
    except IntegrityError:
        return None  # another scheduler opened it a moment ago


def quarter_of(day: date) -> tuple[str, date, date]:
    """(key, first day of the quarter's last month, last day of the quarter) of the quarter of `day`."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    last_day = date(day.year, first_month, 1) + relativedelta(months=3) - timedelta(days=1)
    return (f"quarter:{day.year}Q{(first_month + 2) // 3}",
            last_day.replace(day=1) - relativedelta(months=QUARTER_ROUND_MONTHS - 1), last_day)


def schedule_rounds(now: datetime) -> dict:
    """The scheduler's rounds: each quarter's (all compounds under fallback, through the quarter's last
    month) and one 3 months after a renovation project completes (its compounds, for 30 days)."""
    today, opened = local_today(now), {"quarterly": 0, "renovation": 0}
    key, starts_on, ends_on = quarter_of(today)
    if today >= starts_on:
        compounds = list(db.session.scalars(select(Compound).where(Compound.management_mode == "fallback")))
        if compounds and _scheduled(key, title=f"{starts_on.year}年第{(starts_on.month + 2) // 3}季度服务满意度调查",
                                    starts_on=starts_on, ends_on=ends_on, scope="fallback", compounds=compounds,
                                    now=now, origin="quarterly"):
            opened["quarterly"] += 1
    # Projects whose 3 months ran out within the round's length: later ones wait, long-past ones are not asked.
    earliest = today - RENOVATION_DELAY - timedelta(days=RENOVATION_ROUND_DAYS - 1)
    projects = db.session.scalars(select(Project).where(Project.actual_completed_on.is_not(None),
                                                        Project.actual_completed_on <= today - RENOVATION_DELAY,
                                                        Project.actual_completed_on >= earliest)).all()
    for project in projects:
        starts_on = project.actual_completed_on + RENOVATION_DELAY
        if project.compounds and _scheduled(
                f"renovation:{project.id}", title=f"{project.name}：改造后满意度调查", starts_on=starts_on,
                ends_on=starts_on + timedelta(days=RENOVATION_ROUND_DAYS - 1), scope="project",
                compounds=list(project.compounds), now=now, origin="renovation"):
            opened["renovation"] += 1
    return opened


def open_round_for(compound: Compound, today: date) -> Round | None:
    """The round that asks this compound today (the latest started, if two overlap)."""
    return db.session.scalar(
        select(Round).join(round_compound, round_compound.c.round_id == Round.id)
        .where(round_compound.c.compound_id == compound.id, Round.starts_on <= today, Round.ends_on >= today,
               Round.closed_at.is_(None)).order_by(Round.starts_on.desc(), Round.id.desc()).limit(1))


def device_answered(survey: Round, device: str | None) -> bool:
    """Whether this device has answered the round (the public page thanks it instead of asking again)."""
    key = device_key(device)
    return key is not None and db.session.scalar(
        select(Answer.id).where(Answer.round_id == survey.id, Answer.device_key == key)) is not None


def _scores(survey: Round, raw: dict) -> dict[int, int]:
    scores = {}
    for question in survey.questions:
        value = str(raw.get(question.id, "") or "").strip()
        if not value:
            raise DomainError(_l("Choose a score for “%(q)s”.", q=question.text), field=f"q{question.id}")
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 5:
            raise DomainError(_l("A score is a whole number from 1 to 5."), field=f"q{question.id}")
        scores[question.id] = int(value)
    return scores


ANSWER_WORDS = PostWords(
    rejected=_l("The answer could not be accepted."),
    closed=_l("This survey is not open for this compound."),
    needs_cookies=_l("This page needs cookies to count one answer per household. Please allow cookies for this "
                     "site, reload the page and try again."),
    bad_room=_l("Write your room number, e.g. 3-2-501 (building, entrance, room)."),
    unknown_room=_l("This compound has no room %(room)s. Please check the number."),
    device_taken=_l("This phone has already answered this survey; the first answer is kept. Thank you!"),
    room_taken=_l("Room %(room)s has already answered this survey; the first answer is kept. Thank you!"),
    household_taken=_l("This household has already answered this survey; the first answer is kept. Thank you!"),
    too_many=TooMany(
        from_address=_l("Too many posts from this device in the last hour: your answer was not counted. Please try "
                        "again later."),
        at_compound=_l("This compound has sent very many posts in the last hour: your answer was not counted. "
                       "Please try again later.")),
    taken_field="room")


def submit_answer(compound: Compound, survey: Round, *, room: str, scores: dict, text: str, device: str | None,
                  address: str | None, now: datetime, honeypot: str = "") -> Answer:
    """One household's answer from the public page. A second from the same room or the same device is
    refused and the first kept; a room the register does not have is refused (or flagged, where the register
    knows no rooms of the compound); the residents' report limits apply."""
    asked = db.session.scalar(select(round_compound.c.round_id).where(round_compound.c.round_id == survey.id,
                                                                      round_compound.c.compound_id == compound.id))
    who = household(compound, ANSWER_WORDS, room=room, device=device, honeypot=honeypot,
                    is_open=survey.state(local_today(now)) == "open" and asked is not None)
    checked = _scores(survey, scores)
    text = (text or "").strip()
    if len(text) > TEXT_MAX:
        raise DomainError(_l("The comment is too long (at most %(n)d characters).", n=TEXT_MAX), field="text")
    answer = Answer(round_id=survey.id, **who.columns(), text=text, created_at=now,
                    scores=[Score(question_id=q, score=s) for q, s in checked.items()])
    return post_once(who, answer, scope=Answer.round_id == survey.id, words=ANSWER_WORDS, address=address, now=now)
