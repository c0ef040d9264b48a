"""The rooms (households) of a compound where the register knows them, and how a resident's room number is read.

A compound without rooms in the register accepts any well-formed room number (the answer is flagged
as unverified); a compound with rooms refuses a number it does not have.
"""
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from ..audit.services import record
from ..auth.roles import REGISTER_EDITORS
from ..errors import DomainError, Forbidden
from ..extensions import db

ROOM_MAX = 30
_SEPARATORS = re.compile(r"[\s\-－—_/\\#＃.。,，、]+")
_ROOM = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff]{1,30}$")


class Room(db.Model):
    """One household's room of a compound, as residents write it (3-2-501: building, entrance, room)."""

    __tablename__ = "compound_room"
    __table_args__ = (UniqueConstraint("compound_id", "room"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id", ondelete="CASCADE"), index=True)
    room: Mapped[str] = mapped_column(String(ROOM_MAX))


def normalise_room(text: str | None) -> str:
    """"3号楼 2单元 501" and "3-2-501" are one room: the digits and letters in order, joined by "-".

    Returns "" for text that is not a room number (empty, too long, or other characters).
    """
    text = (text or "").strip().upper()
    for word in ("号楼", "栋", "幢", "单元", "号", "室", "楼"):
        text = text.replace(word, "-")
    parts = [p for p in _SEPARATORS.split(text) if p]
    if not parts or not all(_ROOM.match(p) for p in parts):
        return ""
    room = "-".join(parts)
    return room if len(room) <= ROOM_MAX else ""


def room_known(compound_id: int, room: str) -> bool | None:
    """True: the register has this room; False: it has rooms, not this one; None: it knows no rooms."""
    found = db.session.scalar(select(Room.id).where(Room.compound_id == compound_id, Room.room == room))
    if found is not None:
        return True
    has_rooms = db.session.scalar(select(Room.id).where(Room.compound_id == compound_id).limit(1))
    return False if has_rooms is not None else None


MAX_ROOMS = 20_000  # a compound of the city scale has a few thousand households


def room_count(compound_id: int) -> int:
    return db.session.scalar(select(func.count(Room.id)).where(Room.compound_id == compound_id))


def room_list(compound_id: int) -> list[str]:
    return list(db.session.scalars(select(Room.room).where(Room.compound_id == compound_id).order_by(Room.id)))


def set_rooms(actor, compound, text: str, *, now) -> int:
    """The compound's rooms as officials list them (one a line, or separated by commas): the list replaces
    the one before; an empty list means the register does not know the rooms. Returns how many."""
    if actor is None or actor.role not in REGISTER_EDITORS:
        raise Forbidden(_l("Only officials may change the register."))
    entries = [e.strip() for e in re.split(r"[\n,，;；、]+", text or "") if e.strip()]
    bad = [e for e in entries if not normalise_room(e)]
    if bad:
        raise DomainError(_l("Not a room number: %(rooms)s. Write building-entrance-room, e.g. 3-2-501.",
                             rooms="、".join(bad[:5])), field="rooms")
    rooms = list(dict.fromkeys(normalise_room(e) for e in entries))
    if len(rooms) > MAX_ROOMS:
        raise DomainError(_l("At most %(n)d rooms.", n=MAX_ROOMS), field="rooms")
    before = room_list(compound.id)
    if rooms == before:
        return len(rooms)
    db.session.execute(Room.__table__.delete().where(Room.compound_id == compound.id))
    if rooms:
        db.session.execute(Room.__table__.insert(), [{"compound_id": compound.id, "room": r} for r in rooms])
    record(actor, "compound", compound.id, "compound_rooms_set", now=now, compound_id=compound.id,
           changes={"rooms": [len(before), len(rooms)]})
    return len(rooms)
