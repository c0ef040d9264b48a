"""Each operator's private iCalendar feed of upcoming tasks (RFC 5545).

The feed URL carries a signed token instead of a session, so a phone's calendar app can poll
it. The token includes part of the password hash: changing the password revokes old links.
"""
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..extensions import db
from .models import Task
from .outcomes import OPEN_WORK

SALT = "operator-calendar"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def calendar_token(user: User) -> str:
    return _serializer().dumps([user.id, user.password_hash[-12:]])


def user_for_calendar_token(token: str) -> User | None:
    try:
        user_id, fingerprint = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or user.password_hash[-12:] != fingerprint:
        return None
    return user


def upcoming_tasks(user: User, *, now: datetime, days: int = 14) -> list[Task]:
    """The user's own tasks and their crew's unassigned ones, from now on."""
    mine = Task.assignee_id == user.id
    if user.crew_id:
        mine = or_(mine, (Task.assignee_id.is_(None)) & (Task.crew_id == user.crew_id))
    return db.session.scalars(
        select(Task).options(joinedload(Task.compound), joinedload(Task.service_type))
        .where(mine, Task.status.in_(OPEN_WORK), Task.window_end > now,
               Task.window_start < now + timedelta(days=days))
        .order_by(Task.window_start).limit(2000)
    ).all()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    return out + [current]


def _stamp(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def ics_feed(user: User, tasks: list[Task], *, now: datetime, host: str) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//propmgmt//fallback operations//ZH",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(user.label)} 作业任务",
             "X-WR-TIMEZONE:Asia/Shanghai"]
    for task in tasks:
        lines += ["BEGIN:VEVENT", f"UID:task-{task.id}@{host}", f"DTSTAMP:{_stamp(now)}",
                  f"DTSTART:{_stamp(task.window_start)}", f"DTEND:{_stamp(task.window_end)}",
                  f"SUMMARY:{_escape(task.service_type.name_zh + ' · ' + task.compound.name)}",
                  f"LOCATION:{_escape(task.compound.address or task.compound.name)}",
                  "STATUS:CONFIRMED", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n"
