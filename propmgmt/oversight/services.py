"""The monthly dispatch report on the 1st: produced once (PDF and ledger kept in report_archive),
and officials told in-app once; the report's PDF for a download, rendered again only when what it
shows has changed (report_rendering)."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..auth.models import User
from ..auth.roles import REPORT_RECIPIENTS
from ..extensions import db
from ..outbox.services import notify_users
from .exports import content_hash, report_html, report_pdf, report_xlsx
from .models import ReportArchive, ReportRendering
from .report import REPORT_TOP, Month, monthly_report

REPORT_READERS = REPORT_RECIPIENTS


def archive_monthly_report(month: Month, *, now: datetime) -> bool:
    """Stores the month's report as it reads now, unless it is stored already; True if it stored it.

    A second scheduler producing the same month at the same moment loses on the primary key inside
    a savepoint, so the first one's files stay and nothing else in the transaction is lost.
    """
    if db.session.get(ReportArchive, month.label) is not None:
        return False
    pdf = report_pdf(monthly_report(month, now=now, top=REPORT_TOP))
    xlsx = report_xlsx(monthly_report(month, now=now))
    try:
        with db.session.begin_nested():
            db.session.add(ReportArchive(month=month.label, created_at=now, pdf=pdf, xlsx=xlsx))
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


def report_pdf_for_download(month: Month, *, now: datetime) -> ReportRendering:
    """The month's report as a PDF, from the stored rendering when the report reads the same now.

    WeasyPrint takes seconds for the report, the report's queries and HTML a fraction of that. So the
    report is computed and hashed as it would print (exports.content_hash); the same hash serves the
    stored file, whose as-of time is the first moment the report read exactly so (true still: nothing
    it shows has changed since). Any change, in the month's figures or in today's open items (a day
    more unmanaged counts too), gives a new hash and a new rendering, stored for the next reader.
    Two workers rendering the same change at once both store it; the later write wins, and both files
    show the same.
    """
    report = monthly_report(month, now=now, top=REPORT_TOP)
    digest = content_hash(report)
    stored = db.session.get(ReportRendering, month.label)
    if stored is not None and stored.content_hash == digest:
        return stored
    pdf = report_pdf(report, report_html(report))
    if stored is None:
        stored = ReportRendering(month=month.label)
        try:
            with db.session.begin_nested():
                db.session.add(stored)
                _fill(stored, digest, now, pdf)
            return stored
        except IntegrityError:  # another worker stored it meanwhile: overwrite with the same content
            stored = db.session.get(ReportRendering, month.label)
    _fill(stored, digest, now, pdf)
    db.session.flush()
    return stored


def _fill(rendering: ReportRendering, digest: str, now: datetime, pdf: bytes) -> None:
    rendering.content_hash, rendering.rendered_at, rendering.pdf = digest, now, pdf
