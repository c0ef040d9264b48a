"""The monthly dispatch report on the 1st: produced once (PDF and ledger kept in report_archive),
and officials told in-app once."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..auth.models import User
from ..auth.roles import REPORT_RECIPIENTS
from ..extensions import db
from ..outbox.services import notify_users
from .exports import report_pdf, report_xlsx
from .models import ReportArchive
from .report import Month, monthly_report

REPORT_READERS = REPORT_RECIPIENTS


def archive_monthly_report(month: Month, *, now: datetime) -> bool:
    """Stores the month's report as it reads now, unless it is stored already; True if it stored it.

    A second scheduler producing the same month at the same moment loses on the primary key inside
    a savepoint, so the first one's files stay and nothing else in the transaction is lost.
    """
    if db.session.get(ReportArchive, month.label) is not None:
        return False
    report = monthly_report(month, now=now)
    try:
        with db.session.begin_nested():
            db.session.add(ReportArchive(month=month.label, created_at=now, pdf=report_pdf(report),
                                         xlsx=report_xlsx(report)))
    except IntegrityError:
        return False
    return True


def announce_monthly_report(*, now: datetime) -> dict:
    """Produces last month's report and tells every active official that it is ready.

    The archive's key and the outbox's unique key (subject "report", id YYYYMM) make a repeat, a
    second scheduler or a restart add nothing, so the job can run hourly and still act once a month.
    """
    month = Month.before(now)
    archived = archive_monthly_report(month, now=now)
    officials = db.session.scalars(select(User).where(User.role.in_(REPORT_READERS), User.active.is_(True))).all()
    notify_users(officials, kind="monthly_report", subject_type="report", subject_id=month.key,
                 payload={"month": month.label}, due_at=now, now=now, channel="in_app")
    return {"month": month.label, "officials": len(officials), "archived": int(archived)}
