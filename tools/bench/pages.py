"""Server time of the oversight pages at city scale, each beside the raw SQL of the same figures.

A page is its queries plus its template, rendered as the view renders it, for an official at the
bench's fixed "today" (the views themselves read the clock, so they are not called directly). The
raw SQL is hand-written and reads the task table directly, as a page without rollups would have to:
issue 8 asks that no page take more than three times it.
"""
from collections.abc import Callable
from datetime import date, timedelta

from flask import current_app
from flask_login import login_user
from sqlalchemy import func, select, text

from propmgmt.auth.models import User
from propmgmt.compounds.models import Community, Subdistrict
from propmgmt.extensions import db

from .build import TODAY, local
from .timing import Measurement, measure

PAGE_TARGET_MS = 150
RAW_RATIO_TARGET = 3
FIGURES = """count(*),
    sum(CASE WHEN t.status IN ('done', 'verified', 'rejected') THEN 1 ELSE 0 END),
    sum(CASE WHEN t.status IN ('done', 'verified', 'rejected')
              AND coalesce(t.device_completed_at, t.completed_at) <= t.window_end THEN 1 ELSE 0 END),
    sum(CASE WHEN t.status = 'missed' THEN 1 ELSE 0 END),
    sum(CASE WHEN t.status = 'verified' THEN 1 ELSE 0 END),
    sum(CASE WHEN t.status = 'verified' AND t.rejections = 0 THEN 1 ELSE 0 END)"""
DUE = """t.window_end > :since AND t.window_end <= :until
    AND t.status IN ('scheduled', 'in_progress', 'done', 'verified', 'rejected', 'missed')"""
RAW_HEALTH = text(f"SELECT {FIGURES} FROM task t WHERE {DUE}")
RAW_BY_SUBDISTRICT = text(f"""SELECT cm.subdistrict_id, {FIGURES} FROM task t
    JOIN compound c ON c.id = t.compound_id JOIN community cm ON cm.id = c.community_id
    WHERE {DUE} GROUP BY cm.subdistrict_id""")
RAW_COMPOUNDS_OF = text(f"""SELECT t.compound_id, {FIGURES} FROM task t
    JOIN compound c ON c.id = t.compound_id JOIN community cm ON cm.id = c.community_id
    WHERE cm.subdistrict_id = :subdistrict AND {DUE} GROUP BY t.compound_id""")
RAW_BY = {column: text(f"SELECT t.{column}, {FIGURES} FROM task t WHERE {DUE} GROUP BY t.{column}")
          for column in ("crew_id", "assignee_id", "compound_id")}


def oversight_pages(runs: int, progress) -> list[Measurement]:
    from propmgmt.oversight.drilldown import TaskFilter
    from propmgmt.oversight.report import Month
    from propmgmt.oversight.views import render_crews, render_overview, render_report, render_subdistrict
    from propmgmt.periods import Period

    now = local(TODAY, 10, 0)
    official = db.session.scalar(select(User).where(User.role == "official").limit(1))
    if official is None:
        return [Measurement("oversight pages", unavailable="no official in the bench database")]
    largest = db.session.get(Subdistrict, db.session.execute(
        select(Subdistrict.id).join(Community).group_by(Subdistrict.id).order_by(func.count().desc()).limit(1)
    ).scalar())
    period, everything = Period.parse("", "", now=now), TaskFilter()
    month = Month.before(now)

    def page(path: str, render: Callable[[], str]) -> Callable[[], int]:
        def action() -> int:  # returns the page's size in bytes
            with current_app.test_request_context(path):
                login_user(official)
                return len(render().encode())
        return action

    def days(first: date, last: date) -> dict:
        from propmgmt.oversight.rollups import day_bounds
        return {"since": day_bounds(first)[0], "until": min(day_bounds(last)[1], now)}

    def raw(statements: list[tuple]) -> Callable[[], int]:
        def action() -> int:
            return sum(len(db.session.execute(statement, params).all()) for statement, params in statements)
        return action

    today = period.last
    weeks = [(RAW_HEALTH, days(today - timedelta(days=7 * i + 6), today - timedelta(days=7 * i))) for i in range(12)]
    last_30 = days(period.first, period.last)
    month_days = days(month.first_day, month.next.first_day - timedelta(days=1))
    before = month.previous
    pages = (
        ("/oversight", "/oversight", lambda: render_overview(now),
         weeks + [(RAW_HEALTH, last_30), (RAW_BY_SUBDISTRICT, last_30)]),
        ("/oversight/subdistricts/<largest>", f"/oversight/subdistricts/{largest.id}",
         lambda: render_subdistrict(largest, period, everything, now),
         [(RAW_COMPOUNDS_OF, {**last_30, "subdistrict": largest.id})]),
        ("/oversight/crews (30 days)", "/oversight/crews", lambda: render_crews(period, everything, now),
         [(RAW_BY[column], last_30) for column in RAW_BY]),
        ("/oversight/report (last month)", "/oversight/report", lambda: render_report(month, now),
         [(RAW_HEALTH, month_days), (RAW_HEALTH, days(before.first_day, month.first_day - timedelta(days=1))),
          (RAW_BY_SUBDISTRICT, month_days)]),
    )
    results = []
    for label, path, render, statements in pages:
        progress(f"rendering {label} ...")
        results.append(measure(f"{label} (server time)", page(path, render), runs=runs, target_ms=PAGE_TARGET_MS))
        progress(f"the raw SQL of {label}'s figures ...")
        baseline = measure(f"  raw SQL of the same figures ({len(statements)} statements)", raw(statements),
                           runs=runs)
        baseline.raw_for = results[-1].label
        results.append(baseline)
    return results
