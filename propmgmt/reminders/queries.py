"""Read models of the notification centre: the user's inbox, the unread count, the parked rows."""
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from .models import Notification


def _inbox_conditions(user_id: int) -> tuple:
    # Only in-app rows the sender has released: a reminder due later is not shown early.
    return (Notification.recipient_id == user_id, Notification.channel == "in_app", Notification.status == "sent")


def inbox(user_id: int) -> Select:
    """The user's notifications, newest first."""
    return (select(Notification).where(*_inbox_conditions(user_id))
            .order_by(Notification.sent_at.desc(), Notification.next_attempt_at.desc(), Notification.id.desc()))


def unread_count(user_id: int, *, up_to: int | None = None) -> int:
    """One COUNT; with `up_to`, it stops counting there (the header badge on every page says "99+"
    rather than count the tens of thousands of escalations an official may have left unread)."""
    unread = select(Notification.id).where(*_inbox_conditions(user_id), Notification.read_at.is_(None))
    if up_to is not None:
        unread = unread.limit(up_to)
    return db.session.scalar(select(func.count()).select_from(unread.subquery())) or 0


def parked() -> Select:
    """What the sender gave up on, most recent last attempt first, with the recipient."""
    return (select(Notification).options(joinedload(Notification.recipient))
            .where(Notification.status == "parked")
            .order_by(Notification.claimed_at.desc(), Notification.id.desc()))
