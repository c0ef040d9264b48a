"""Writing the outbox, and the user's side of it: fan-out over each user's channels and quiet
hours, marking read, preferences, and requeueing what the sender parked.

Sending is sender.py's job. Writing goes through uq_notification_once, so writing the same
reminder twice (two schedulers, a retry) never makes a second row. These functions flush,
never commit.
"""
import re
from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..audit.services import record
from ..clock import local_to_utc, to_local
from ..database import insert_ignoring_duplicates
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from .models import Notification

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def after_quiet_hours(user, moment: datetime) -> datetime:
    """`moment`, or the end of the user's quiet hours when `moment` falls inside them.

    Quiet hours are local wall-clock times and may cross midnight (22:00-07:00).
    """
    start, end = user.quiet_start, user.quiet_end
    if start is None or end is None or start == end:
        return moment
    local = to_local(moment)
    clock = local.time()
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return moment
    end_day = local.date() if clock < end else local.date() + timedelta(days=1)
    return local_to_utc(end_day, end)


def webhook_configured() -> bool:
    return bool(current_app.config.get("PROPMGMT_WEBHOOK_URL"))


def notification_rows(users, *, kind: str, subject_type: str, subject_id: int, payload: dict,
                      due_at: datetime, now: datetime) -> list[dict]:
    """Outbox rows for `users`, ready for one bulk insert (see enqueue_notifications).

    Always an in-app row; an email and a webhook row when the user chose them (and an address
    or a webhook exists). Email and webhook wait for the end of the user's quiet hours; the
    in-app row does not, since it makes no sound.
    """
    webhook = webhook_configured()
    rows, seen = [], set()
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)

        def row(channel: str, key: str, at: datetime) -> dict:
            return {"subject_type": subject_type, "subject_id": subject_id, "kind": kind, "channel": channel,
                    "recipient_id": user.id, "recipient_key": key, "payload": payload, "status": "pending",
                    "attempts": 0, "last_error": "", "next_attempt_at": at, "created_at": now}

        rows.append(row("in_app", f"user:{user.id}", due_at))
        email = (user.email or "").strip()
        wants_email = bool(user.notify_email and email)
        wants_webhook = bool(user.notify_webhook and webhook)
        if wants_email or wants_webhook:
            audible_at = after_quiet_hours(user, due_at)
            if wants_email:
                rows.append(row("email", email, audible_at))
            if wants_webhook:
                rows.append(row("webhook", f"webhook:user:{user.id}", audible_at))
    return rows


def enqueue_notifications(rows: list[dict]) -> None:
    """One INSERT ... ON CONFLICT DO NOTHING for rows from notification_rows (any number of subjects)."""
    insert_ignoring_duplicates(Notification.__table__, rows)


def notify_users(users, *, kind: str, subject_type: str, subject_id: int, payload: dict,
                 due_at: datetime, now: datetime, channel: str | None = None) -> None:
    """Tells `users` about one subject on every channel each chose (or only on `channel`).

    A repeat call adds nothing.
    """
    rows = notification_rows(users, kind=kind, subject_type=subject_type, subject_id=subject_id,
                             payload=payload, due_at=due_at, now=now)
    enqueue_notifications([r for r in rows if channel is None or r["channel"] == channel])


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
                       quiet_start: time | None, quiet_end: time | None) -> None:
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
    user.email = email
    user.notify_email = bool(notify_email)
    user.notify_webhook = bool(notify_webhook)
    user.quiet_start, user.quiet_end = quiet_start, quiet_end
    db.session.flush()


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
