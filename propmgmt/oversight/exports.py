"""The monthly dispatch report as a PDF (in Chinese, for the meeting) and as an .xlsx ledger (台账).

Both read one MonthlyReport: the PDF is the report page's own template (documents.render_pdf), the
ledger shares its rows (topic_rows), so the page, the PDF and the ledger can never disagree.
"""
import io

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook

from ..charts import Series, percent_line_chart
from ..clock import to_local
from ..compounds.labels import MODE_LABELS
from ..documents import render_pdf
from ..handovers.labels import STAGE_LABELS
from ..plans.outcomes import format_rate
from ..spreadsheets import append_row
from .report import UNMANAGED_TOO_LONG_DAYS, Month, MonthlyReport

NONE = "—"
TITLE = _l("Monthly dispatch report %(month)s")
NO_ACTIVITY = _l("No activity was recorded in this month: no task came due, no complaint, assignment or "
                 "handover.")


def _name(user) -> str:
    return user.label if user is not None else str(_l("No leader named"))


def key_figures(report: MonthlyReport) -> list[tuple[str, object, object]]:
    """(label, this month, previous month) in the order the meeting reads them."""
    rows = []
    for label, get in (
        (_l("Tasks due"), lambda f: f.health.due),
        (_l("Completion"), lambda f: format_rate(f.health.completion_rate)),
        (_l("On time"), lambda f: format_rate(f.health.on_time_rate)),
        (_l("Missed"), lambda f: f.health.missed),
        (_l("First pass"), lambda f: format_rate(f.health.first_pass_rate)),
        (_l("Complaints received"), lambda f: f.complaints_received),
        (_l("Resolved within deadline"), lambda f: f.complaints_within_deadline),
        (_l("Complaints resolved"), lambda f: f.complaints_resolved),
        (_l("Assignments started"), lambda f: f.assignments_started),
        (_l("Assignments ended"), lambda f: f.assignments_ended),
        (_l("Handovers completed"), lambda f: f.handovers_completed),
    ):
        rows.append((str(label), get(report.current), get(report.previous)))
    for mode in report.current.modes:
        rows.append((str(_l("Compounds at month end: %(mode)s", mode=MODE_LABELS[mode])),
                     report.current.modes[mode], report.previous.modes[mode]))
    return rows


def _place(compound) -> list:
    if compound is None:
        return [NONE, NONE]
    return [compound.name, compound.community.subdistrict.name]


def topic_rows(report: MonthlyReport) -> list[tuple[str, list[str], list[list]]]:
    """(sheet title, header, rows) for every list of open items."""
    items = report.items
    compound, subdistrict, leader = str(_l("Compound")), str(_l("Subdistrict")), str(_l("Responsible leader"))
    return [
        (str(_l("Assignments past review")), [compound, subdistrict, str(_l("Decision no.")),
                                               str(_l("Review date")), leader],
         [[*_place(a.compound), a.decision_no, a.review_date.isoformat(), _name(a.responsible_leader)]
          for a in items.assignments_past_review]),
        (str(_l("Handovers stuck")), [compound, subdistrict, str(_l("Stage")), str(_l("Days in stage")), leader],
         [[*_place(r.handover.compound), str(STAGE_LABELS[r.handover.stage]), r.days_in_stage,
           _name(r.handover.stage_owner)] for r in items.handovers_stuck]),
        (str(_l("Complaints past deadline")), [compound, subdistrict, str(_l("Tracking code")),
                                                str(_l("Deadline")), leader],
         [[*_place(c.compound), c.tracking_code, to_local(c.resolve_due_at).strftime("%Y-%m-%d %H:%M"), _name(u)]
          for c, u in items.complaints_overdue]),
        (str(_l("Unmanaged too long")), [compound, subdistrict, str(_l("Days unmanaged")), leader],
         [[*_place(c), days, _name(a.responsible_leader if a else None)] for c, days, a in items.unmanaged_too_long]),
        (str(_l("Awaiting decision")), [compound, subdistrict, str(_l("Decision no.")), leader],
         [[*_place(a.compound), a.decision_no, _name(a.responsible_leader)] for a in items.awaiting_decision]),
    ]


def report_xlsx(report: MonthlyReport) -> bytes:
    """One sheet of key figures, then one sheet per topic."""
    workbook = Workbook(write_only=True)
    with force_locale("zh"):
        sheet = workbook.create_sheet(str(_l("Key figures")))
        append_row(sheet, [str(TITLE % {"month": report.month.label})])
        append_row(sheet, [str(_l("Figure")), report.month.label, report.month.previous.label])
        for row in key_figures(report):
            append_row(sheet, list(row))
        for title, header, rows in topic_rows(report):
            sheet = workbook.create_sheet(title[:31])
            append_row(sheet, header)
            for row in rows:
                append_row(sheet, row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def trend_chart(report: MonthlyReport):
    """The 12 weeks' completion and on-time rates as an SVG drawn from the data (page, print and PDF)."""
    return percent_line_chart(report.trend_labels, [
        Series(str(_l("Completion")), [h.completion_rate for _, h in report.trend]),
        Series(str(_l("On time")), [h.on_time_rate for _, h in report.trend]),
    ], title=str(_l("Completion and on-time rate, last 12 weeks")))


def report_context(report: MonthlyReport, *, latest: Month, archived=None) -> dict:
    """What templates/oversight/report.html needs, for the page and for the PDF alike."""
    return {"report": report, "figures": key_figures(report), "error": None, "archived": archived,
            "asked": report.month.label, "latest": latest, "trend_svg": trend_chart(report),
            "UNMANAGED_TOO_LONG_DAYS": UNMANAGED_TOO_LONG_DAYS}


def report_pdf(report: MonthlyReport) -> bytes:
    """The report for the meeting, always in Chinese: the report page's own template on A4."""
    return render_pdf("oversight/report.html", **report_context(report, latest=report.month))
