"""One household's post from a compound's public page (a consultation's opinion, a survey round's answer):
the checks both make, and the rule they share: one post per room and one per device, the first kept.

Each kind of post says its refusals in its own words (PostWords). The posts count against the residents'
limits of reports (complaints.services.check_report_rate). Functions flush, never commit.
"""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .complaints.services import TooMany, check_report_rate, count_report
from .compounds.rooms import normalise_room, room_known
from .devices import device_key
from .errors import Conflict, DomainError
from .extensions import db


@dataclass(frozen=True)
class PostWords:
    """What a kind of post says when it is refused (lazy strings, translated when raised)."""
    rejected: object  # the honeypot field was filled in: a robot
    closed: object  # the consultation or round does not take posts from this compound now
    needs_cookies: object  # no device cookie, so the device cannot be counted once
    bad_room: object  # not a room number
    unknown_room: object  # the register has rooms, not this one: %(room)s, %(compound)s
    device_taken: object  # this device has posted already
    room_taken: object  # this room has posted already: %(room)s
    household_taken: object  # the same household a moment ago (the database refused the second)
    too_many: TooMany  # over the residents' limits of posts
    taken_field: str | None = None  # the form field a "taken" refusal is shown by
    taken_code: str | None = None


@dataclass(frozen=True)
class Household:
    """Who posts: the compound, the room as the register writes it, and the device (its key)."""
    compound: object
    room: str
    room_verified: bool  # False where the register knows no rooms of the compound (the post is flagged)
    device_key: str

    def columns(self) -> dict:
        """The post's columns that say who posted (every household post has them)."""
        return {"compound_id": self.compound.id, "room": self.room, "room_verified": self.room_verified,
                "device_key": self.device_key}


def household(compound, words: PostWords, *, room: str, device: str | None, honeypot: str,
              is_open: bool) -> Household:
    """The household posting, or the refusal in `words`: a robot, a closed consultation or round
    (`is_open`), a device without its cookie, a room number that is not one or that the register does
    not have (where it knows the compound's rooms)."""
    if honeypot:
        raise DomainError(words.rejected, field="website", code="rejected")
    if not is_open:
        raise Conflict(words.closed)
    key = device_key(device)
    if key is None:
        raise DomainError(words.needs_cookies, field="device")
    number = normalise_room(room)
    if not number:
        raise DomainError(words.bad_room, field="room")
    known = room_known(compound.id, number)
    if known is False:
        raise DomainError(words.unknown_room % {"room": number, "compound": compound.name}, field="room")
    return Household(compound, number, bool(known), key)


def post_once(who: Household, post, *, scope, words: PostWords, address: str | None, now):
    """Adds `post` (an opinion, an answer: a model with Household.columns) unless the household has
    posted in `scope` (the condition of the consultation's or round's posts) already, from its room or
    from its device: the first is kept. The residents' report limits apply, and the post counts."""
    client = check_report_rate(who.compound, address, now, too_many=words.too_many)
    _refuse_second(type(post), scope, who, words)
    try:
        with db.session.begin_nested():
            db.session.add(post)
    except IntegrityError:  # the same room or device at the same moment, from another request
        _refuse_second(type(post), scope, who, words)
        raise Conflict(words.household_taken, field=words.taken_field, code=words.taken_code)
    count_report(client, who.compound, now)
    db.session.flush()
    return post


def _refuse_second(model, scope, who: Household, words: PostWords) -> None:
    if db.session.scalar(select(model.id).where(scope, model.device_key == who.device_key)) is not None:
        raise Conflict(words.device_taken, field=words.taken_field, code=words.taken_code)
    by_room = select(model.id).where(scope, model.compound_id == who.compound.id, model.room == who.room)
    if db.session.scalar(by_room) is not None:
        raise Conflict(words.room_taken % {"room": who.room}, field=words.taken_field, code=words.taken_code)
