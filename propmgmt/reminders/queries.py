"""Read models of the notification centre: the user's inbox, the unread count, the parked rows."""
from functools import lru_cache

from flask import g
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..outbox.models import Notification


def _inbox_conditions(user_id: int) -> tuple:
    # Only in-app rows the sender has released: a reminder due later is not shown early.
    # `status || ''` is the same test, but no index can serve it: SQLite (no table statistics
    # unless someone runs ANALYZE) would otherwise prefer ix_notification_status_next and walk every
    # sent notification of every user, 57 ms per page at city scale (`make load`), instead of
    # this user's few through ix_notification_recipient_read. PostgreSQL picks the latter anyway.
    return (Notification.recipient_id == user_id, Notification.channel == "in_app",
            Notification.status.concat("") == "sent")


def inbox(user_id: int) -> Select:
    """The user's notifications, newest first."""
    return (select(Notification).where(*_inbox_conditions(user_id))
            .order_by(Notification.sent_at.desc(), Notification.next_attempt_at.desc(), Notification.id.desc()))


def unread_count(user_id: int, *, up_to: int | None = None) -> int:
    """One COUNT; with `up_to`, it stops counting there (the header badge on every page says "99+"
    rather than count the tens of thousands of escalations an official may have left unread)."""
    return db.session.scalar(unread(user_id, up_to=up_to)) or 0


BADGE_MAX = 99  # the header shows "99+" beyond this


def header_badge(user) -> dict:
    """The header's unread count on a signed-in user's pages, counted once a request however many
    pages it renders (/field/pages) or versions it compares (field.views.day)."""
    if "unread_badge" not in g:
        count = db.session.scalar(_badge_count(), {"user_id": user.id}) or 0
        g.unread_badge = {"unread_notifications": count,
                          "unread_badge": f"{BADGE_MAX}+" if count > BADGE_MAX else count}
    return g.unread_badge


@lru_cache(maxsize=1)
def _badge_count() -> Select:
    """unread() up to the badge's "99+", built once with the user as a parameter: every page counts it."""
    return unread(bindparam("user_id"), up_to=BADGE_MAX + 1)


def unread(user_id: int, *, up_to: int | None = None) -> Select:
    rows = select(Notification.id).where(*_inbox_conditions(user_id), Notification.read_at.is_(None))
    if up_to is not None:
        rows = rows.limit(up_to)
    return select(func.count()).select_from(rows.subquery())


def parked() -> Select:
    """What the sender gave up on, most recent last attempt first, with the recipient."""
    return (select(Notification).options(joinedload(Notification.recipient))
            .where(Notification.status == "parked")
            .order_by(Notification.claimed_at.desc(), Notification.id.desc()))
