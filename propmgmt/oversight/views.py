"""/oversight: the officials' overview, drill-down by subdistrict, crews and operators, and the
monthly dispatch report with its PDF and ledger.

Each page is rendered by a render_* function taking `now`, which the view calls with the clock
and `make bench` (propmgmt/bench/pages.py) with its fixed day.
"""
import io

from flask import Blueprint, render_template, request, send_file
from flask_babel import get_locale

from ..auth.access import roles_required
from ..clock import local_today, utcnow
from ..compounds.models import Subdistrict
from ..errors import DomainError
from ..extensions import db
from ..request_args import int_arg
from .drilldown import (PERSISTENT_LATE_SHARE, PERSISTENT_MIN_DUE, Period, TaskFilter, crew_figures, filter_options,
                        operator_figures, persistently_late, subdistrict_compounds, total)
from .exports import key_figures, report_pdf, report_xlsx
from .queries import (by_subdistrict, coverage, handover_funnel, health, open_complaints, overdue_now,
                      unmanaged_days, weekly_trend)
from .report import UNMANAGED_TOO_LONG_DAYS, Month, monthly_report

bp = Blueprint("oversight", __name__, url_prefix="/oversight")
READERS = ("admin", "official", "dispatcher")


def render_overview(now) -> str:
    trend = weekly_trend(now)  # its last week is the last 7 days: no second count of them
    return render_template("oversight/overview.html", coverage=coverage(), unmanaged_days=unmanaged_days(now),
                           health=[trend[-1][1], health(now, 30)], overdue=overdue_now(now),
                           funnel=handover_funnel(), open_complaints=open_complaints(),
                           subdistricts=by_subdistrict(now), trend=trend)


def render_report(month: Month, now) -> str:
    report = monthly_report(month, now=now)
    return render_template("oversight/report.html", report=report, figures=key_figures(report), error=None,
                           asked=month.label, latest=Month.containing(local_today(now)),
                           UNMANAGED_TOO_LONG_DAYS=UNMANAGED_TOO_LONG_DAYS)


def render_subdistrict(subdistrict: Subdistrict, period: Period, f: TaskFilter, now, error=None) -> str:
    rows = subdistrict_compounds(subdistrict.id, period, f, now=now)
    return render_template("oversight/subdistrict.html", subdistrict=subdistrict, rows=rows,
                           total=total(rows, period.days), **_filters_context(period, f, error))


def render_crews(period: Period, f: TaskFilter, now, error=None) -> str:
    return render_template("oversight/crews.html", crew_rows=crew_figures(period, f, now=now),
                           operator_rows=operator_figures(period, f, now=now),
                           late=persistently_late(period, f, now=now), late_share=round(100 * PERSISTENT_LATE_SHARE),
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
def report_as_pdf():
    now = utcnow()
    try:
        month = _month(now)
    except DomainError as error:
        return _bad_month(error, now)
    return send_file(io.BytesIO(report_pdf(monthly_report(month, now=now))), mimetype="application/pdf",
                     download_name=f"月度调度报告-{month.label}.pdf")


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
    return render_crews(period, f, now, error), 400 if error else 200
