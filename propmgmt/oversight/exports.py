"""The monthly dispatch report as a PDF (in Chinese, for the meeting) and as an .xlsx ledger (台账).

Both read one MonthlyReport: the PDF is the report page's own template (documents.render_html, then
pdf_from_html), the ledger shares its rows (topic_rows), so the page, the PDF and the ledger can never
disagree. The page and the PDF are given a report cut to the most urgent items (report.REPORT_TOP),
the ledger the whole one. content_hash says what a PDF shows, so a stored one can be served again.
"""
import dataclasses
import hashlib
from datetime import datetime, timezone

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..charts import Series, percent_line_chart
from ..compounds.labels import MODE_LABELS
from ..documents import pdf_from_html, render_html
from ..handovers.labels import STAGE_LABELS
from ..renovation.labels import STAGE_LABELS as RENOVATION_STAGE_LABELS
from ..spreadsheets import Column, Sheet, Typed, workbook_bytes
from .report import UNMANAGED_TOO_LONG_DAYS, Month, MonthlyReport

NONE = "—"
TITLE = _l("Monthly dispatch report %(month)s")
NO_ACTIVITY = _l("No activity was recorded in this month: no task came due, no complaint, assignment or "
                 "handover.")


def _name(user) -> str:
    return user.label if user is not None else str(_l("No leader named"))


def key_figures(report: MonthlyReport) -> list[tuple[str, str, object, object]]:
    """(label, kind, this month, previous month) in the order the meeting reads them; kind is "int"
    or "rate" (a percentage, None when nothing came due), formatted by the page and the ledger."""
    rows = []
    for label, kind, get in (
        (_l("Tasks due"), "int", lambda f: f.health.due),
        (_l("Completion"), "rate", lambda f: f.health.completion_rate),
        (_l("On time"), "rate", lambda f: f.health.on_time_rate),
        (_l("Missed"), "int", lambda f: f.health.missed),
        (_l("First pass"), "rate", lambda f: f.health.first_pass_rate),
        (_l("Complaints received"), "int", lambda f: f.complaints_received),
        (_l("Resolved within deadline"), "int", lambda f: f.complaints_within_deadline),
        (_l("Complaints resolved"), "int", lambda f: f.complaints_resolved),
        (_l("12345 reply rate"), "rate", lambda f: f.hotline.reply_rate),
        (_l("12345 satisfaction rate"), "rate", lambda f: f.hotline.satisfaction_rate),
        (_l("Residents' average rating (1–5)"), "number",
         lambda f: round(f.hotline.rating_average, 1) if f.hotline.rating_average is not None else None),
        (_l("Assignments started"), "int", lambda f: f.assignments_started),
        (_l("Assignments ended"), "int", lambda f: f.assignments_ended),
        (_l("Handovers completed"), "int", lambda f: f.handovers_completed),
        (_l("Renovation projects started"), "int", lambda f: f.renovation_started),
        (_l("Renovation projects completed"), "int", lambda f: f.renovation_completed),
    ):
        rows.append((str(label), kind, get(report.current), get(report.previous)))
    for mode in report.current.modes:
        rows.append((str(_l("Compounds at month end: %(mode)s", mode=MODE_LABELS[mode])), "int",
                     report.current.modes[mode], report.previous.modes[mode]))
    return rows


def _place(compound) -> list:
    if compound is None:
        return [NONE, NONE]
    return [compound.name, compound.community.subdistrict.name]


def topic_rows(report: MonthlyReport) -> list[tuple[str, list[Column], list[list]]]:
    """(sheet title, columns, rows) for every list of open items."""
    items = report.items
    compound, subdistrict = Column(str(_l("Compound"))), Column(str(_l("Subdistrict")))
    leader = Column(str(_l("Responsible leader")))
    return [
        (str(_l("Assignments past review")), [compound, subdistrict, Column(str(_l("Decision no."))),
                                               Column(str(_l("Review date")), "date"), leader],
         [[*_place(a.compound), a.decision_no, a.review_date, _name(a.responsible_leader)]
          for a in items.assignments_past_review]),
        (str(_l("Handovers stuck")), [compound, subdistrict, Column(str(_l("Stage"))),
                                       Column(str(_l("Days in stage")), "int"), leader],
         [[*_place(r.handover.compound), str(STAGE_LABELS[r.handover.stage]), r.days_in_stage,
           _name(r.handover.stage_owner)] for r in items.handovers_stuck]),
        (str(_l("Complaints past deadline")), [compound, subdistrict, Column(str(_l("Tracking code"))),
                                                Column(str(_l("Deadline")), "datetime"), leader],
         [[*_place(c.compound), c.tracking_code, c.resolve_due_at, _name(u)] for c, u in items.complaints_overdue]),
        (str(_l("Unmanaged too long")), [compound, subdistrict, Column(str(_l("Days unmanaged")), "int"), leader],
         [[*_place(c), days, _name(a.responsible_leader if a else None)] for c, days, a in items.unmanaged_too_long]),
        (str(_l("Awaiting decision")), [compound, subdistrict, Column(str(_l("Decision no."))), leader],
         [[*_place(a.compound), a.decision_no, _name(a.responsible_leader)] for a in items.awaiting_decision]),
        (str(_l("Late renovation projects")), [Column(str(_l("Project"))), Column(str(_l("Stage"))), leader],
         [[p.name, str(RENOVATION_STAGE_LABELS[p.stage]), _name(p.leader)] for p in items.renovation_late]),
        (str(_l("Renovation problems past their date")),
         [Column(str(_l("Project"))), Column(str(_l("Problem"))), Column(str(_l("Who solves it"))),
          Column(str(_l("By when")), "date"), leader],
         [[p.name, problem.description, problem.solver, problem.solve_by, _name(p.leader)]
          for problem, p in items.renovation_problems]),
    ]


def report_xlsx(report: MonthlyReport) -> bytes:
    """One sheet of key figures, then one sheet per topic, each titled with the month and as-of time."""
    with force_locale("zh"):
        title = str(TITLE % {"month": report.month.label})
        figures = Sheet(str(_l("Key figures")), [Column(str(_l("Figure"))), Column(report.month.label, "int"),
                                                  Column(report.month.previous.label, "int")],
                        title=title, as_of=report.as_of)
        for label, kind, current, previous in key_figures(report):
            figures.append([label, Typed(current, kind), Typed(previous, kind)])
        sheets = [figures]
        for topic, columns, rows in topic_rows(report):
            sheet = Sheet(topic, columns, title=f"{title} · {topic}", as_of=report.as_of)
            sheet.extend(rows)
            sheets.append(sheet)
        return workbook_bytes(*sheets)


def trend_chart(report: MonthlyReport):
    """The 12 weeks' completion and on-time rates as an SVG drawn from the data (page, print and PDF)."""
    return percent_line_chart(report.trend_labels, [
        Series(str(_l("Completion")), [h.completion_rate for _, h in report.trend]),
        Series(str(_l("On time")), [h.on_time_rate for _, h in report.trend]),
    ], title=str(_l("Completion and on-time rate, last 12 weeks")))


# Sections other domains add to the report (name -> the month's section, given to the template under that
# name): registered by their web layer, so that oversight does not import the domains it reports on.
REPORT_SECTIONS: dict = {}


def report_context(report: MonthlyReport, *, latest: Month, archived=None) -> dict:
    """What templates/oversight/report.html needs, for the page and for the PDF alike."""
    return {"report": report, "figures": key_figures(report), "error": None, "archived": archived,
            "asked": report.month.label, "latest": latest, "trend_svg": trend_chart(report),
            **{name: section(report.month) for name, section in REPORT_SECTIONS.items()},
            "UNMANAGED_TOO_LONG_DAYS": UNMANAGED_TOO_LONG_DAYS}


def report_html(report: MonthlyReport) -> str:
    """The report as its PDF shows it, always in Chinese: the report page's own template, printing."""
    return render_html("oversight/report.html", **report_context(report, latest=report.month))


def report_pdf(report: MonthlyReport, html: str | None = None) -> bytes:
    """The report for the meeting on A4 (from `html`, report_html's, when the caller has it)."""
    return pdf_from_html(html or report_html(report), name="the monthly report")


# Any fixed moment: the hash of what a report shows is taken with this as its as-of time.
HASHED_AS_OF = datetime(2000, 1, 1, tzinfo=timezone.utc)


def content_hash(report: MonthlyReport) -> str:
    """What the report's PDF shows, as a hash: the printed page from <main> on (the top bar, with the
    reader's name and form token, is not printed), rendered with a fixed as-of time. Two reports with
    the same hash print the same document but for the as-of time."""
    html = report_html(dataclasses.replace(report, as_of=HASHED_AS_OF))
    return hashlib.sha256(html[html.index("<main"):].encode()).hexdigest()
