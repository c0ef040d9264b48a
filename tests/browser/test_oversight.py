"""The oversight pages in chromium: the vendored chart draws under the CSP, the report opens."""
from datetime import timedelta

from sqlalchemy import delete, select

from propmgmt.clock import utcnow
from propmgmt.compounds.models import Compound
from propmgmt.extensions import db
from propmgmt.plans.models import ServiceType, Task

from .conftest import TABLET_LANDSCAPE, screenshot, sign_in


def _past_tasks(app) -> list[int]:
    """Two tasks that came due two days ago (the demo district has no history), removed afterwards."""
    with app.app_context():
        compound_id = db.session.scalar(select(Compound.id).where(Compound.management_mode == "fallback").limit(1))
        type_id = db.session.scalar(select(ServiceType.id).limit(1))
        end = utcnow() - timedelta(days=2)
        tasks = [Task(compound_id=compound_id, service_type_id=type_id, status=status, window_end=end,
                      window_start=end - timedelta(hours=2), device_completed_at=end if status == "done" else None)
                 for status in ("done", "missed")]
        db.session.add_all(tasks)
        db.session.commit()
        ids = [t.id for t in tasks]
        db.session.remove()
        return ids


def test_official_sees_the_trend_chart_and_the_monthly_report(live_app, live_server, page_at):
    ids = _past_tasks(live_app)
    try:
        page = page_at(TABLET_LANDSCAPE)
        sign_in(page, live_server, "official")
        page.goto(f"{live_server}/oversight")
        page.wait_for_selector("[data-chart=trend] canvas")  # ECharts drew, from the vendored file
        screenshot(page, "overview-chart-landscape")
        page.click("a[href='/oversight/report']")
        assert "/oversight/report" in page.url
        assert page.locator("table.data tbody tr").count() >= 10  # the key figures
        screenshot(page, "monthly-report-landscape")
        # A figure leads to its rows: the 30-day "missed" count opens the list of those tasks.
        page.goto(f"{live_server}/oversight")
        missed = page.locator("tbody tr").nth(1).locator("td").nth(4).locator("a")
        count = int(missed.inner_text())
        missed.click()
        assert "outcome=missed" in page.url
        assert f"{count} 项任务" in page.locator("h1").inner_text()
        assert page.locator("table.data tbody tr").count() == min(count, 50)
        screenshot(page, "overview-missed-rows-landscape")
        assert page.errors == []  # no CSP violations or script errors
    finally:
        with live_app.app_context():
            db.session.execute(delete(Task).where(Task.id.in_(ids)))
            db.session.commit()
            db.session.remove()
