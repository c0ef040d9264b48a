"""A household's post from the public page (households.py), the steps an opinion and a survey answer share:
the refusals in the kind's own words, one post per room and per device, the report limits."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from propmgmt.complaints.models import ReportHit
from propmgmt.complaints.services import TooMany
from propmgmt.compounds.rooms import Room
from propmgmt.errors import Conflict, DomainError
from propmgmt.households import PostWords, household, post_once
from propmgmt.surveys.models import Answer
from propmgmt.surveys.services import RoundData, ensure_questions, open_round

from .factories import CompoundFactory, UserFactory

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)
WORDS = PostWords(rejected="robot", closed="closed", needs_cookies="cookies", bad_room="not a room",
                  unknown_room="%(compound)s has no %(room)s", device_taken="this phone",
                  room_taken="room %(room)s", household_taken="this household",
                  too_many=TooMany("too many here", "too many there"), taken_field="room")


def _who(compound, *, room="3号楼2单元501", device="d" * 32, honeypot="", is_open=True):
    return household(compound, WORDS, room=room, device=device, honeypot=honeypot, is_open=is_open)


def test_a_household_is_its_compound_its_room_as_the_register_writes_it_and_its_device(db):
    compound = CompoundFactory(name="育英小区")
    who = _who(compound)
    assert (who.compound, who.room, who.room_verified) == (compound, "3-2-501", False)
    assert who.device_key == _who(compound, room="3-2-501").device_key != _who(compound, device="e" * 32).device_key
    db.session.add(Room(compound_id=compound.id, room="3-2-501"))
    assert _who(compound).room_verified is True


@pytest.mark.parametrize("change, message, field", [
    ({"honeypot": "http://spam"}, "robot", "website"),
    ({"is_open": False}, "closed", None),
    ({"device": ""}, "cookies", "device"),
    ({"device": "short"}, "cookies", "device"),
    ({"room": "<script>"}, "not a room", "room"),
    ({"room": "9-9-909"}, "育英小区 has no 9-9-909", "room"),
])
def test_each_refusal_says_the_kinds_own_words(db, change, message, field):
    compound = CompoundFactory(name="育英小区")
    db.session.add(Room(compound_id=compound.id, room="3-2-501"))
    with pytest.raises(DomainError) as error:
        _who(compound, **change)
    assert (error.value.message, error.value.field) == (message, field)


def test_the_first_post_of_a_household_is_kept_and_counted(db):
    ensure_questions()
    compound = CompoundFactory()
    survey = open_round(UserFactory(role="official"), RoundData("四季度", date(2026, 12, 1), date(2026, 12, 31),
                                                               "compound", compound_id=compound.id), now=NOW)

    def post(who, scope=Answer.round_id == survey.id):
        return post_once(who, Answer(round_id=survey.id, **who.columns(), text="", created_at=NOW), scope=scope,
                         words=WORDS, address="10.0.0.1", now=NOW)

    first = post(_who(compound))
    with pytest.raises(Conflict, match="this phone") as error:
        post(_who(compound, room="5-1-101"))
    assert error.value.field == "room"
    with pytest.raises(Conflict, match="room 3-2-501"):
        post(_who(compound, device="e" * 32))
    # What the database refuses when two requests pass the check at the same moment: the second is told.
    with pytest.raises(Conflict, match="this household"):
        post(_who(compound, device="e" * 32), scope=(Answer.round_id == survey.id) & (Answer.id != first.id))
    assert db.session.scalars(select(Answer)).all() == [first]
    assert db.session.scalar(select(func.count(ReportHit.id))) == 1
