"""Listening before the works (改造前听意见): a consultation on a project in reserve, one opinion per
household (one per room and one per device), the tally, and how the plan changed in answer.

Functions flush, never commit. Opinions come from the public page as household posts (households.py): they
count against the residents' rate limits of reports (complaints.services.check_report_rate).
"""
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from ..audit.services import record
from ..auth.roles import CONSULTATION_EDITORS
from ..clock import to_local
from ..complaints.services import TooMany
from ..compounds.models import Compound
from ..errors import Conflict, DomainError, Forbidden
from ..extensions import db
from ..households import PostWords, household, post_once
from ..photos import store_photo
from .voice_models import Consultation, ConsultationItem, Opinion, OpinionVote

MAX_ITEMS = 8
ITEM_TEXT_MAX = 500
OPINION_TEXT_MAX = 1000


@dataclass
class ItemData:
    text: str
    image: object = None  # a checked PIL image (photos.read_photos), or None


def _require_editor(actor) -> None:
    if actor is None or actor.role not in CONSULTATION_EDITORS:
        raise Forbidden(_l("Only officials may hold a consultation."))


def _record(actor, consultation: Consultation, action: str, *, now: datetime, **details) -> None:
    """On the project's timeline, once per compound (as the project's own entries)."""
    for compound in consultation.project.compounds:
        record(actor, "renovation_project", consultation.project_id, action, now=now, compound_id=compound.id,
               **details)


def open_consultation(actor, project, *, title: str, ends_on: date | None, items: list[ItemData],
                      now: datetime, upload_dir: str) -> Consultation:
    """A consultation on the plan of a project in reserve, open until `ends_on` (inclusive)."""
    _require_editor(actor)
    if project.stage != "reserve":
        raise Conflict(_l("A consultation is held before the works: while the project is in the reserve."))
    title = (title or "").strip()
    if not title:
        raise DomainError(_l("Give the consultation a title."), field="title")
    if len(title) > 120:
        raise DomainError(_l("The title is too long (at most 120 characters)."), field="title")
    today = to_local(now).date()
    if ends_on is None:
        raise DomainError(_l("Give the last day opinions are taken."), field="ends_on")
    if ends_on < today:
        raise DomainError(_l("The last day cannot be before today."), field="ends_on")
    items = [i for i in items if (i.text or "").strip() or i.image is not None]
    if any(not (i.text or "").strip() for i in items):
        raise DomainError(_l("Each item of the plan needs its sentence; an image alone says too little."),
                          field="items")
    if not items:
        raise DomainError(_l("Put at least one item of the plan to the residents."), field="items")
    if len(items) > MAX_ITEMS:
        raise DomainError(_l("At most %(n)d items.", n=MAX_ITEMS), field="items")
    if any(len(i.text.strip()) > ITEM_TEXT_MAX for i in items):
        raise DomainError(_l("An item is too long (at most %(n)d characters).", n=ITEM_TEXT_MAX), field="items")
    if any(c.is_open(today) for c in project.consultations):
        raise Conflict(_l("This project already has an open consultation; close it first."))
    consultation = Consultation(project_id=project.id, title=title, ends_on=ends_on, opened_at=now,
                                opened_by_id=actor.id)
    db.session.add(consultation)
    db.session.flush()
    for position, item in enumerate(items):
        row = ConsultationItem(consultation_id=consultation.id, position=position, text=item.text.strip())
        if item.image is not None:
            stored = store_photo(item.image, upload_dir, f"consultations/{consultation.id}")
            row.image_path, row.thumb_path = stored.path, stored.thumb_path
        db.session.add(row)
    db.session.flush()
    db.session.refresh(project, ["consultations"])
    _record(actor, consultation, "renovation_consultation_opened", now=now, reason=title,
            changes={"ends_on": [None, ends_on.isoformat()]})
    return consultation


def close_consultation(actor, consultation: Consultation, *, now: datetime) -> Consultation:
    """No more opinions from now on (its end date does the same by itself)."""
    _require_editor(actor)
    won = db.session.execute(update(Consultation).where(Consultation.id == consultation.id,
                                                        Consultation.closed_at.is_(None))
                             .values(closed_at=now)).rowcount
    if not won:
        raise Conflict(_l("This consultation is already closed."))
    db.session.refresh(consultation)
    _record(actor, consultation, "renovation_consultation_closed", now=now, reason=consultation.title)
    return consultation


def record_plan_change(actor, consultation: Consultation, text: str, *, now: datetime) -> Consultation:
    """How the plan changed in answer to the opinions (or why it did not): officials' words, audited."""
    _require_editor(actor)
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Say how the plan changed in answer, or why it did not."), field="plan_change")
    if len(text) > 2000:
        raise DomainError(_l("The text is too long (at most 2000 characters)."), field="plan_change")
    before = consultation.plan_change
    if text == before:
        return consultation
    consultation.plan_change, consultation.plan_changed_at = text, now
    db.session.flush()
    _record(actor, consultation, "renovation_plan_changed", now=now, changes={"plan_change": [before, text]})
    return consultation


OPINION_WORDS = PostWords(
    rejected=_l("The opinion could not be accepted."),
    closed=_l("This consultation is closed; opinions are no longer taken."),
    needs_cookies=_l("This page needs cookies to count one opinion per household. Please allow cookies for this "
                     "site, reload the page and try again."),
    bad_room=_l("Give your room number as building-entrance-room, e.g. 3-2-501."),
    unknown_room=_l("%(compound)s has no room %(room)s in the register. Please check the number."),
    device_taken=_l("An opinion was already given from this phone in this consultation. One opinion per "
                    "household: the first one is kept."),
    room_taken=_l("Room %(room)s has already given its opinion in this consultation. One opinion per "
                  "household: the first one is kept."),
    household_taken=_l("This household has already given its opinion in this consultation. One opinion per "
                       "household: the first one is kept."),
    too_many=TooMany(
        from_address=_l("Too many posts from this device in the last hour: your opinion was not taken. Please try "
                        "again later."),
        at_compound=_l("This compound has sent very many posts in the last hour: your opinion was not taken. "
                       "Please try again later.")),
    taken_code="opinion_given")


def give_opinion(compound: Compound, consultation: Consultation, *, room: str, votes: dict[int, bool],
                 text: str, device: str | None, address: str | None, now: datetime,
                 honeypot: str = "") -> Opinion:
    """One household's opinion from the public page: a second from the same room or device is refused
    (the first is kept); a room the register does not have is refused, or flagged where it knows none."""
    is_open = consultation.is_open(to_local(now).date()) and compound.id in {
        c.id for c in consultation.project.compounds}
    who = household(compound, OPINION_WORDS, room=room, device=device, honeypot=honeypot, is_open=is_open)
    items = {i.id for i in consultation.items}
    if set(votes) != items:
        raise DomainError(_l("Say whether you support or oppose each item."), field="votes")
    text = (text or "").strip()
    if len(text) > OPINION_TEXT_MAX:
        raise DomainError(_l("Your words are too long (at most %(n)d characters).", n=OPINION_TEXT_MAX),
                          field="text")
    opinion = Opinion(consultation_id=consultation.id, **who.columns(), text=text, created_at=now)
    opinion.votes = [OpinionVote(item_id=item_id, support=bool(support)) for item_id, support in votes.items()]
    return post_once(who, opinion, scope=Opinion.consultation_id == consultation.id, words=OPINION_WORDS,
                     address=address, now=now)
