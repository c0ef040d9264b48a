"""The rooms (households) of a compound where the register knows them, and how a resident's room number is read.

A compound without rooms in the register accepts any well-formed room number (the answer is flagged
as unverified); a compound with rooms refuses a number it does not have.
"""
import re

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

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
