"""Announcing the monthly dispatch report: officials are told in-app once per month."""
from datetime import datetime

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..reminders.services import notify_users
from .report import Month

REPORT_READERS = ("official",)


def announce_monthly_report(*, now: datetime) -> dict:
    """Tells every active official that last month's report is ready.

    The outbox's unique key (subject "report", id YYYYMM) makes a repeat, a second scheduler or a
    restart add nothing, so the job can run hourly and still announce each month once.
    """
    month = Month.before(now)
    officials = db.session.scalars(select(User).where(User.role.in_(REPORT_READERS), User.active.is_(True))).all()
    notify_users(officials, kind="monthly_report", subject_type="report", subject_id=month.key,
                 payload={"month": month.label}, due_at=now, now=now, channel="in_app")
    return {"month": month.label, "officials": len(officials)}
