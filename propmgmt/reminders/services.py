"""Writing the outbox. Sending is the scheduler's job; writing twice never makes two rows."""
from datetime import datetime

from ..database import insert_ignoring_duplicates
from .models import Notification


def notify_users(users, *, kind: str, subject_type: str, subject_id: int, payload: dict,
                 due_at: datetime, now: datetime, channel: str = "in_app") -> None:
    """One row per user for this (subject, kind, channel); a repeat call adds nothing."""
    insert_ignoring_duplicates(Notification.__table__, [
        {"subject_type": subject_type, "subject_id": subject_id, "kind": kind, "channel": channel,
         "recipient_id": user.id, "recipient_key": f"user:{user.id}", "payload": payload,
         "status": "pending", "attempts": 0, "last_error": "", "next_attempt_at": due_at, "created_at": now}
        for user in users
    ])
