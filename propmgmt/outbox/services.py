"""Writing the outbox: fan-out over each user's channels and quiet hours.

Writing goes through uq_notification_once, so writing the same message twice (two schedulers, a
retry) never makes a second row. These functions flush, never commit.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..clock import local_to_utc, to_local
from ..database import insert_ignoring_duplicates
from ..extensions import db
from .models import Notification


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
    """A webhook URL in the config, or a group robot an admin set in the app."""
    if current_app.config.get("PROPMGMT_WEBHOOK_URL"):
        return True
    from .models import Robot
    return db.session.scalar(select(Robot.id).limit(1)) is not None


def notification_rows(users, *, kind: str, subject_type: str, subject_id: int, payload: dict,
                      due_at: datetime, now: datetime, webhook: bool | None = None) -> list[dict]:
    """Outbox rows for `users`, ready for one bulk insert (see enqueue_notifications).

    Always an in-app row; an email and a webhook row when the user chose them (and an address
    or a webhook exists). Email and webhook wait for the end of the user's quiet hours; the
    in-app row does not, since it makes no sound. A sweep writing rows for many subjects looks up
    `webhook` (webhook_configured) once and passes it.
    """
    if webhook is None:
        webhook = webhook_configured()
    rows, seen = [], set()
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)

        def row(channel: str, key: str, at: datetime, user=user) -> dict:
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
