"""The monthly dispatch report as a PDF (in Chinese, for the meeting) and as an .xlsx ledger (台账).

Both read one MonthlyReport and share its rows (report_rows), so the page, the PDF and the
ledger can never disagree.
"""
import io

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from ..clock import to_local
from ..compounds.labels import MODE_LABELS
from ..handovers.labels import STAGE_LABELS
from ..plans.outcomes import format_rate
from ..renovation.labels import STAGE_LABELS as RENOVATION_STAGE_LABELS
from ..residents.posters import FONT  # registers reportlab's built-in Chinese CID font
from ..spreadsheets import append_row
from .report import MonthlyReport

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
        (_l("12345 reply rate"), lambda f: format_rate(f.hotline.reply_rate)),
        (_l("12345 satisfaction rate"), lambda f: format_rate(f.hotline.satisfaction_rate)),
        (_l("Residents' average rating (1–5)"),
         lambda f: f"{f.hotline.rating_average:.1f}" if f.hotline.rating_average is not None else "—"),
        (_l("Assignments started"), lambda f: f.assignments_started),
        (_l("Assignments ended"), lambda f: f.assignments_ended),
        (_l("Handovers completed"), lambda f: f.handovers_completed),
        (_l("Renovation projects started"), lambda f: f.renovation_started),
        (_l("Renovation projects completed"), lambda f: f.renovation_completed),
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
        (str(_l("Late renovation projects")), [str(_l("Project")), str(_l("Stage")), leader],
         [[p.name, str(RENOVATION_STAGE_LABELS[p.stage]), _name(p.leader)] for p in items.renovation_late]),
        (str(_l("Renovation problems past their date")), [str(_l("Project")), str(_l("Problem")),
                                                          str(_l("Who solves it")), str(_l("By when")), leader],
         [[p.name, problem.description, problem.solver, problem.solve_by.isoformat(), _name(p.leader)]
          for problem, p in items.renovation_problems]),
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


class _Writer:
    """Lines of text down A4 pages, a new page when one is full."""

    def __init__(self, pdf: canvas.Canvas):
        self.pdf, self.y = pdf, A4[1] - 20 * mm

    def line(self, text: str, size: int = 10, indent: float = 0, gap: float = 6 * mm) -> None:
        self.columns([(text[:90], 0)], size, indent, gap)

    def columns(self, cells: list[tuple[str, float]], size: int = 10, indent: float = 0,
                gap: float = 6 * mm) -> None:
        """(text, x offset in mm) per cell, on one line."""
        if self.y < 20 * mm:
            self.pdf.showPage()
            self.y = A4[1] - 20 * mm
        self.pdf.setFont(FONT, size)
        for text, x in cells:
            self.pdf.drawString(18 * mm + indent + x * mm, self.y, text)
        self.y -= gap


def report_pdf(report: MonthlyReport) -> bytes:
    """The report for the meeting, always in Chinese."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    with force_locale("zh"):
        title = str(TITLE % {"month": report.month.label})
        pdf.setTitle(title)
        out = _Writer(pdf)
        out.line(title, 18, gap=10 * mm)
        if not report.current.has_activity:
            out.line(str(NO_ACTIVITY), 10)
        out.columns([(str(_l("Figure")), 0), (report.month.label, 110), (report.month.previous.label, 140)], 11)
        for label, now_value, before in key_figures(report):
            out.columns([(label, 0), (str(now_value), 110), (str(before), 140)], 10, indent=4 * mm)
        out.line(str(_l("Open items as of %(day)s", day=to_local(report.as_of).strftime("%Y-%m-%d"))), 13,
                 gap=8 * mm)
        for title, _header, rows in topic_rows(report):
            out.line(f"{title} ({len(rows)})", 12)
            for row in rows:
                out.line("  |  ".join(str(v) for v in row), 9, indent=4 * mm, gap=5 * mm)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
