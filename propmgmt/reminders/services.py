"""The user's side of the outbox: marking read, preferences, and requeueing what the sender
parked. Writing the outbox is outbox.services'; sending is sender.py's. These functions flush,
never commit.
"""
import re
from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..audit.services import record
from ..clock import utcnow
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from ..outbox.models import Notification
from ..outbox.services import webhook_configured

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _own(user, notification_id: int):
    """The user's in-app notifications that are visible in their centre."""
    return (Notification.id == notification_id, Notification.recipient_id == user.id,
            Notification.channel == "in_app", Notification.status == "sent")


def mark_read(user, notification_id: int, *, now: datetime) -> None:
    """Marks one of the user's own notifications read; anyone else's is not found."""
    if db.session.scalar(select(Notification.id).where(*_own(user, notification_id))) is None:
        raise NotFound(_l("This notification does not exist."))
    db.session.execute(update(Notification).where(Notification.id == notification_id,
                                                  Notification.read_at.is_(None)).values(read_at=now))


def mark_all_read(user, *, now: datetime) -> int:
    """Marks every unread notification of the user read; returns how many."""
    result = db.session.execute(update(Notification).where(
        Notification.recipient_id == user.id, Notification.channel == "in_app", Notification.status == "sent",
        Notification.read_at.is_(None)).values(read_at=now))
    return result.rowcount


def update_preferences(user, *, email: str, notify_email: bool, notify_webhook: bool,
                       quiet_start: time | None, quiet_end: time | None, now: datetime | None = None) -> None:
    """Where the user's reminders go besides the centre, and when they must stay silent."""
    email = (email or "").strip()
    if email and (len(email) > 120 or not EMAIL_RE.match(email)):
        raise DomainError(_l("This is not a valid email address."), field="email")
    if notify_email and not email:
        raise DomainError(_l("Enter your email address to receive reminders by email."), field="email")
    if notify_webhook and not webhook_configured():
        raise DomainError(_l("No group robot is configured; ask the administrator to set one up."),
                          field="notify_webhook")
    if (quiet_start is None) != (quiet_end is None):
        field = "quiet_end" if quiet_end is None else "quiet_start"
        raise DomainError(_l("Give both the start and the end of the quiet hours, or neither."), field=field)
    if quiet_start is not None and quiet_start == quiet_end:
        raise DomainError(_l("The quiet hours must start and end at different times."), field="quiet_end")
    wanted = {"email": email, "notify_email": bool(notify_email), "notify_webhook": bool(notify_webhook),
              "quiet_start": quiet_start, "quiet_end": quiet_end}
    changes = {key: [_audit_value(getattr(user, key)), _audit_value(value)]
               for key, value in wanted.items() if getattr(user, key) != value}
    for key, value in wanted.items():
        setattr(user, key, value)
    db.session.flush()
    if changes:
        record(user, "user", user.id, "preferences_changed", now=now or utcnow(), changes=changes)


def _audit_value(value):
    return value.strftime("%H:%M") if isinstance(value, time) else value


def requeue_notification(actor, notification_id: int, *, now: datetime) -> None:
    """Sends a parked notification again, with its full number of attempts (after a fix)."""
    if actor is None or actor.role != "admin":
        raise Forbidden(_l("Only administrators may send parked notifications again."))
    if db.session.scalar(select(Notification.id).where(Notification.id == notification_id)) is None:
        raise NotFound(_l("This notification does not exist."))
    requeued = db.session.execute(
        update(Notification).where(Notification.id == notification_id, Notification.status == "parked")
        .values(status="pending", attempts=0, next_attempt_at=now, claim_token=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not requeued:  # another admin was quicker, or it was never parked
        raise Conflict(_l("This notification is no longer parked."))
    record(actor, "notification", notification_id, "notification_requeued", now=now,
           from_state="parked", to_state="pending")
