"""Server time of the oversight pages at city scale, each beside the raw SQL of its main figure.

A page is its queries plus its template, rendered as the view renders it, for an official at the
bench's fixed "today" (the views themselves read the clock, so they are not called directly).
"""
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from flask_login import login_user
from sqlalchemy import func, select, text

from ..auth.models import User
from ..compounds.models import Community, Subdistrict
from ..extensions import db
from .build import TODAY, local
from .measure import Measurement, measure

PAGE_TARGET_MS = 150
# The 30-day service figures as one hand-written statement: what the overview's health() computes.
RAW_HEALTH = text("""
    SELECT count(*),
           sum(CASE WHEN status IN ('done', 'verified', 'rejected') THEN 1 ELSE 0 END),
           sum(CASE WHEN status IN ('done', 'verified', 'rejected')
                     AND coalesce(device_completed_at, completed_at) <= window_end THEN 1 ELSE 0 END),
           sum(CASE WHEN status = 'missed' THEN 1 ELSE 0 END)
    FROM task WHERE window_end <= :now AND window_end > :since
      AND status IN ('scheduled', 'in_progress', 'done', 'verified', 'rejected', 'missed')
""")


def oversight_pages(runs: int, progress) -> list[Measurement]:
    from ..oversight.drilldown import Period, TaskFilter
    from ..oversight.report import Month
    from ..oversight.views import render_crews, render_overview, render_report, render_subdistrict

    now = local(TODAY, 10, 0)
    official = db.session.scalar(select(User).where(User.role == "official").limit(1))
    if official is None:
        return [Measurement("oversight pages", unavailable="no official in the bench database")]
    largest = db.session.get(Subdistrict, db.session.execute(
        select(Subdistrict.id).join(Community).group_by(Subdistrict.id).order_by(func.count().desc()).limit(1)
    ).scalar())
    period, everything = Period.parse("", "", now=now), TaskFilter()

    def page(path: str, render: Callable[[], str]) -> Callable[[], int]:
        def action() -> int:  # returns the page's size in bytes
            with current_app.test_request_context(path):
                login_user(official)
                return len(render().encode())
        return action

    results = []
    for label, path, render in (
            ("/oversight", "/oversight", lambda: render_overview(now)),
            ("/oversight/subdistricts/<largest>", "/oversight/subdistricts/1",
             lambda: render_subdistrict(largest, period, everything, now)),
            ("/oversight/crews (30 days)", "/oversight/crews", lambda: render_crews(period, everything, now)),
            ("/oversight/report (last month)", "/oversight/report", lambda: render_report(Month.before(now), now))):
        progress(f"rendering {label} ...")
        results.append(measure(f"{label} (server time)", page(path, render), runs=runs, target_ms=PAGE_TARGET_MS))
    progress("the raw SQL of the 30-day service figures ...")
    results.append(measure("raw SQL: 30-day due/completed/on time/missed", raw_health(now), runs=runs))
    return results


def raw_health(now) -> Callable[[], int]:
    def action() -> int:
        db.session.execute(RAW_HEALTH, {"now": now, "since": now - timedelta(days=30)}).one()
        return 1
    return action
