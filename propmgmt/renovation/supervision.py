"""Supervision during the works (改造中请监督): residents' notes with photos on a project under construction,
each followed by its tracking code and answered by the project's team. The notes are the residents'
suggestions the acceptance rests on (将群众建议作为验收的重要依据): rules.ENTRY_CONDITIONS refuses
completion and acceptance while one is unanswered.

Functions flush, never commit.
"""
from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..audit.services import record
from ..auth.roles import NOTE_ANSWERERS
from ..complaints.services import (
    MAX_PHOTOS,
    TooMany,
    check_lookups,
    check_report_rate,
    count_lookup_miss,
    count_report,
    new_tracking_code,
)
from ..compounds.models import Compound
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from ..photos import store_photo
from .voice_models import SupervisionNote, SupervisionPhoto

NOTE_TEXT_MAX = 2000
SUPERVISED_STAGE = "under_construction"
NOTE_LIMITS = TooMany(
    from_address=_l("Too many posts from this device in the last hour: your note was not taken. Please try again "
                    "later."),
    at_compound=_l("This compound has sent very many posts in the last hour: your note was not taken. Please try "
                   "again later."))


def may_answer(user, project) -> bool:
    """Officials, the project's responsible leader and the members of its team answer its notes."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    return (user.role in NOTE_ANSWERERS or user.id == project.leader_id
            or any(m.user_id == user.id for m in project.team))


def file_note(compound: Compound, project, *, text: str, photos: list | Callable[[], list],
              address: str | None, now: datetime, upload_dir: str, honeypot: str = "") -> SupervisionNote:
    """A resident's note from the public page. `photos` as for complaints.services.submit_report: read only
    once the note has passed its checks and the rate limits."""
    if honeypot:
        raise DomainError(_l("The note could not be accepted."), field="website", code="rejected")
    if project.stage != SUPERVISED_STAGE or compound.id not in {c.id for c in project.compounds}:
        raise Conflict(_l("Supervision notes are taken while the project is under construction."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Write what you saw."), field="text")
    if len(text) > NOTE_TEXT_MAX:
        raise DomainError(_l("The note is too long (at most %(n)d characters).", n=NOTE_TEXT_MAX), field="text")
    client = check_report_rate(compound, address, now, too_many=NOTE_LIMITS)
    if callable(photos):
        photos = photos()
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_l("At most %(n)d photos.", n=MAX_PHOTOS), field="photos")
    code = new_tracking_code()
    while db.session.scalar(select(SupervisionNote.id).where(SupervisionNote.tracking_code == code)):
        code = new_tracking_code()
    note = SupervisionNote(project_id=project.id, compound_id=compound.id, tracking_code=code, text=text,
                           created_at=now)
    db.session.add(note)
    db.session.flush()
    for image in photos:
        stored = store_photo(image, upload_dir, f"supervision/{note.id}")
        db.session.add(SupervisionPhoto(note_id=note.id, path=stored.path, thumb_path=stored.thumb_path,
                                        created_at=now))
    count_report(client, compound, now)
    record(None, "renovation_project", project.id, "renovation_note_filed", now=now, compound_id=compound.id,
           reason=code)
    db.session.flush()
    return note


def answer_note(actor, note: SupervisionNote, answer: str, *, now: datetime) -> SupervisionNote:
    """The team's answer, which the resident reads by the tracking code; a note is answered once."""
    project = note.project
    if not may_answer(actor, project):
        raise Forbidden(_l("Only the project's leader, its team and officials answer its supervision notes."))
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(_l("Write the answer the resident will read."), field="answer")
    if len(answer) > NOTE_TEXT_MAX:
        raise DomainError(_l("The answer is too long (at most %(n)d characters).", n=NOTE_TEXT_MAX), field="answer")
    won = db.session.execute(update(SupervisionNote).where(SupervisionNote.id == note.id,
                                                           SupervisionNote.answered_at.is_(None))
                             .values(answer=answer, answered_at=now, answered_by_id=actor.id)).rowcount
    if not won:
        raise Conflict(_l("This note is already answered."))
    db.session.refresh(note)
    record(actor, "renovation_project", project.id, "renovation_note_answered", now=now,
           compound_id=note.compound_id, reason=note.tracking_code)
    return note


def find_note(code: str, *, address: str | None, now: datetime) -> SupervisionNote:
    """A note by its tracking code for the public page; misses count with the cases' (guessing is throttled)."""
    check_lookups(address, now)
    note = db.session.scalar(select(SupervisionNote).where(
        SupervisionNote.tracking_code == (code or "").strip().upper()[:16]))
    if note is None:
        count_lookup_miss(address, now)
        raise NotFound(_l("No supervision note has this tracking code. Please check the code and try again."))
    return note
