"""/oversight: the officials' overview, drill-down by subdistrict, crews and operators, and the
monthly dispatch report with its PDF and ledger.

Each page is rendered by a render_* function taking `now`, which the view calls with the clock
and `make bench` (tools/bench/pages.py) with its fixed day.
"""
import io
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, g, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from ..auth.access import roles_required
from ..auth.roles import STAFF
from ..clock import local_today, utcnow
from ..complaints.labels import PROBLEM_LABELS
from ..complaints.queries import hotline_figures
from ..compounds.models import Subdistrict
from ..errors import DomainError
from ..extensions import db
from ..paging import ListPage
from ..periods import Period
from ..plans.outcomes import finished_at, finished_late, format_rate
from ..request_args import int_arg, page_arg
from ..settlement.queries import month_summary
from ..surveys.figures import district_latest
from ..web import transaction
from .complaints import CASE_OUTCOME_LABELS, answered_late, case_rows, complaint_figures, count_cases
from .drilldown import (
    PERSISTENT_LATE_SHARE,
    PERSISTENT_MIN_DUE,
    TaskFilter,
    crew_figures,
    filter_options,
    operator_figures,
    persistently_late,
    subdistrict_compounds,
    total,
)
from .exports import report_context, report_xlsx
from .models import ReportArchive
from .queries import by_subdistrict, coverage, handover_funnel, overdue_now, unmanaged_days, weekly_periods
from .report import REPORT_TOP, Month, monthly_report
from .rollups import DaySplit, area_health, area_health_of
from .services import report_pdf_for_download
from .tasklist import OUTCOME_LABELS, TaskList, count_rows, crew_names, describe, task_rows

bp = Blueprint("oversight", __name__, url_prefix="/oversight")
READERS = STAFF


@bp.app_template_global()
def rows_url(rows: dict, outcome: str) -> str:
    """The task list behind a figure. A drill-down page has hundreds of these links; building each
    through url_for took half its template time, so the route is built once and the query added."""
    if "oversight_tasks_url" not in g:
        g.oversight_tasks_url = url_for("oversight.tasks")
    query = {**{key: value for key, value in rows.items() if value is not None}, "outcome": outcome}
    return f"{g.oversight_tasks_url}?{urlencode(query)}"


@bp.app_template_global()
def health_cells(h, rows: dict | None = None) -> Markup:
    """A row's five figures as table cells, each a link to its tasks when `rows` is given and there
    are any. Written in Python, not as a macro of macros: a subdistrict's page has one row per compound."""
    if not h.due:
        rows = None
    base = escape(rows_url(rows, "")) if rows is not None else ""  # the row's query, encoded once

    def cell(text, outcome):
        text = escape(text)
        return Markup(f'<td class="num"><a href="{base}{outcome}">{text}</a></td>'
                      if rows is not None else f'<td class="num">{text}</td>')
    return Markup("").join((cell(h.due, "due"), cell(format_rate(h.completion_rate), "completed"),
                            cell(format_rate(h.on_time_rate), "on_time"), cell(h.missed, "missed"),
                            cell(format_rate(h.first_pass_rate), "first_pass")))


def render_overview(now) -> str:
    weeks, month = weekly_periods(now), Period.last_days(30, now=now)
    split = DaySplit(min(weeks[0].first, month.first), month.last, now)
    *week_health, month_health = area_health_of(split, [*weeks, month])
    trend = list(zip(weeks, week_health))
    return render_template("oversight/overview.html", coverage=coverage(), unmanaged_days=unmanaged_days(now),
                           health=[trend[-1], (month, month_health)],  # the last week is the last 7 days
                           overdue=overdue_now(now), month=month,
                           funnel=handover_funnel(), cases=complaint_figures(month, now),
                           hotline=hotline_figures(*month.bounds(now), now),
                           subdistricts=by_subdistrict(area_health(split, month, by_subdistrict=True)), trend=trend,
                           trend_labels=[week.last.strftime("%m-%d") for week, _ in trend],
                           assessment=month_summary(), survey=district_latest())




def render_report(month: Month, now) -> str:
    report = monthly_report(month, now=now, top=REPORT_TOP)
    archived = db.session.scalar(select(ReportArchive.created_at).where(ReportArchive.month == month.label))
    return render_template("oversight/report.html", **report_context(
        report, latest=Month.containing(local_today(now)), archived=archived))


def render_subdistrict(subdistrict: Subdistrict, period: Period, f: TaskFilter, now, error=None) -> str:
    rows = subdistrict_compounds(subdistrict.id, period, f, now=now)
    return render_template("oversight/subdistrict.html", subdistrict=subdistrict, rows=rows,
                           total=total(rows, period.days), **_filters_context(period, f, error))


LATE_SHOWN = 50  # the persistently late compounds listed, the latest first; the count says how many in all


def render_crews(period: Period, f: TaskFilter, now, error=None, page: int = 1) -> str:
    """Every crew; the operators a page at a time (a city has 900); the latest of the late compounds."""
    split = DaySplit(period.first, period.last, now)  # one reading of which days are rolled up, for all three
    late = persistently_late(period, f, now=now, split=split)
    return render_template("oversight/crews.html", crew_rows=crew_figures(period, f, now=now, split=split),
                           operators=ListPage(operator_figures(period, f, now=now, split=split), page,
                                              current_app.config["PAGE_SIZE"]),
                           late=late[:LATE_SHOWN], late_count=len(late), late_share=round(100 * PERSISTENT_LATE_SHARE),
                           late_min=PERSISTENT_MIN_DUE, **_filters_context(period, f, error))


@bp.route("")
@roles_required(*READERS)
def overview():
    return render_overview(utcnow())


def _month(now):
    """The month asked for (last month when none is); a DomainError for a bad one."""
    text = request.args.get("month", "").strip()
    return Month.parse(text, now=now) if text else Month.before(now)


def _bad_month(error: DomainError, now):
    return render_template("oversight/report.html", report=None, error=error.message,
                           asked=request.args.get("month", "")[:20], latest=Month.containing(local_today(now))), 400


@bp.route("/report")
@roles_required(*READERS)
def report():
    now = utcnow()
    try:
        return render_report(_month(now), now)
    except DomainError as error:
        return _bad_month(error, now)


@bp.route("/report.pdf")
@roles_required(*READERS)
@transaction  # it may store a new rendering (services.report_pdf_for_download)
def report_as_pdf():
    now = utcnow()
    try:
        month = _month(now)
    except DomainError as error:
        return _bad_month(error, now)
    rendering = report_pdf_for_download(month, now=now)
    response = send_file(io.BytesIO(rendering.pdf), mimetype="application/pdf",
                         download_name=f"月度调度报告-{month.label}.pdf", last_modified=rendering.rendered_at)
    response.headers["Cache-Control"] = "private, no-cache"  # the browser asks again; the server decides
    return response


@bp.route("/report/archive/<month>.<any(pdf, xlsx):kind>")
@roles_required(*READERS)
def archived_report(month: str, kind: str):
    """The report as the scheduler produced it on the 1st (404 for a month it did not archive)."""
    archive = db.session.get(ReportArchive, month[:7]) or abort(404)
    if kind == "pdf":
        return send_file(io.BytesIO(archive.pdf), mimetype="application/pdf",
                         download_name=f"月度调度报告-{archive.month}-存档.pdf")
    return send_file(io.BytesIO(archive.xlsx), as_attachment=True,
                     download_name=f"月度调度台账-{archive.month}-存档.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/report.xlsx")
@roles_required(*READERS)
def report_as_xlsx():
    now = utcnow()
    try:
        month = _month(now)
    except DomainError as error:
        return _bad_month(error, now)
    return send_file(io.BytesIO(report_xlsx(monthly_report(month, now=now))), as_attachment=True,
                     download_name=f"月度调度台账-{month.label}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _period_and_filter(now):
    """(period, filter, error message or None); a bad period falls back to the default one."""
    f = TaskFilter(service_type_id=int_arg("service_type"), crew_id=int_arg("crew"))
    try:
        return Period.parse(request.args.get("from", "")[:10], request.args.get("to", "")[:10], now=now), f, None
    except DomainError as error:
        return Period.parse("", "", now=now), f, error.message


def _filters_context(period, f, error):
    types, crews = filter_options()
    chinese = str(get_locale()).startswith("zh")
    return {"period": period, "f": f, "error": error, "crews": [tuple(c) for c in crews],
            "types": [(i, zh if chinese else en) for i, zh, en in types]}


@bp.route("/subdistricts/<int:subdistrict_id>")
@roles_required(*READERS)
def subdistrict(subdistrict_id: int):
    subdistrict = db.get_or_404(Subdistrict, subdistrict_id)
    now = utcnow()
    period, f, error = _period_and_filter(now)
    return render_subdistrict(subdistrict, period, f, now, error), 400 if error else 200


@bp.route("/crews")
@roles_required(*READERS)
def crews():
    now = utcnow()
    period, f, error = _period_and_filter(now)
    return render_crews(period, f, now, error, page=page_arg()), 400 if error else 200


@bp.route("/tasks")
@roles_required(*READERS)
def tasks():
    """The due tasks behind a figure; a bad filter shows the message and the last 30 days' due tasks."""
    now = utcnow()
    period, _f, error = _period_and_filter(now)
    chosen = TaskList(period)
    try:
        chosen = TaskList.build(period, request.args.get("outcome"), subdistrict_id=int_arg("subdistrict"),
                                compound_id=int_arg("compound"), crew_id=int_arg("crew"),
                                assignee_id=int_arg("assignee"), service_type_id=int_arg("service_type"))
        narrowed_by = describe(chosen)
    except DomainError as problem:
        chosen, narrowed_by, error = TaskList(period), [], problem.message
    page = db.paginate(task_rows(chosen, now), page=page_arg(),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False,
                       count=False)
    page.total = count_rows(chosen, now)
    return render_template("oversight/tasks.html", page=page, tasks=chosen, narrowed_by=narrowed_by, error=error,
                           crews=crew_names(page.items), OUTCOME_LABELS=OUTCOME_LABELS,
                           finished_at=finished_at, finished_late=finished_late), 400 if error else 200


@bp.route("/complaints")
@roles_required(*READERS)
def complaints():
    """The residents' cases behind an overview figure (read-only; contact details are never shown)."""
    now = utcnow()
    period, _f, error = _period_and_filter(now)
    outcome = request.args.get("outcome") or "received"
    if outcome not in CASE_OUTCOME_LABELS:
        outcome, error = "received", _("Unknown figure: choose one from the list.")
    page = db.paginate(case_rows(outcome, period, now), page=page_arg(),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False,
                       count=False)
    page.total = count_cases(outcome, period, now)
    return render_template("oversight/complaints.html", page=page, outcome=outcome, period=period, error=error,
                           late={c.id for c in page.items if answered_late(c, now)},
                           CASE_OUTCOME_LABELS=CASE_OUTCOME_LABELS,
                           PROBLEM_LABELS=PROBLEM_LABELS), 400 if error else 200
