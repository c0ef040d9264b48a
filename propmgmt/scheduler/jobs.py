"""The scheduler's jobs. Each opens its own app context and transactions and logs one line.

Safety does not depend on there being one scheduler: every job is idempotent through the
database (unique keys, conditional updates, row claims), so two processes only share work.
"""
import logging
import time
import uuid
from collections.abc import Callable

from flask import Flask
from sqlalchemy import text

from ..clock import utcnow
from ..extensions import db
from ..plans.generation import generate_tasks, horizon_end
from ..plans.transitions import mark_missed
from ..reminders.sweeps import ReminderPolicy, enqueue_complaint_reminders, enqueue_task_reminders
from .records import record_run

log = logging.getLogger("propmgmt.scheduler")


def generate(app: Flask, now=None) -> dict:
    now = now or utcnow()
    through = horizon_end(now, app.config["PROPMGMT_HORIZON_DAYS"])
    return generate_tasks(through, now=now, checkpoint=lambda created: db.session.commit())


def sweep_missed(app: Flask, now=None) -> dict:
    return {"missed": mark_missed(now=now or utcnow())}


def enqueue_reminders(app: Flask, now=None) -> dict:
    return enqueue_task_reminders(now=now or utcnow(), policy=ReminderPolicy.from_config(app.config))


def complaint_reminders(app: Flask, now=None) -> dict:
    return enqueue_complaint_reminders(now=now or utcnow())


def send_outbox(app: Flask, now=None) -> dict:
    from ..reminders.sender import send_due_notifications
    return send_due_notifications(now or utcnow())


def monthly_report(app: Flask, now=None) -> dict:
    from ..oversight.services import announce_monthly_report
    return announce_monthly_report(now=now or utcnow())


def render_report_pdf(app: Flask, now=None) -> dict:
    """Last month's report PDF rendered here when what it shows has changed, so that an official's
    download finds it stored (oversight.services.report_pdf_for_download; a no-op when unchanged)."""
    from ..oversight.report import Month
    from ..oversight.services import report_pdf_for_download
    now = now or utcnow()
    rendering = report_pdf_for_download(Month.before(now), now=now)
    return {"rendered": int(rendering.rendered_at == now)}


def draft_statements(app: Flask, now=None) -> dict:
    """From the 2nd of each month, the previous month's settlement statement as a draft (once: the
    month is unique, so the hourly runs after the first find it there)."""
    from ..settlement.services import draft_due
    return draft_due(now or utcnow())


def survey_rounds(app: Flask, now=None) -> dict:
    """Each quarter's survey round, and one 3 months after a renovation project completes (once each: the
    round's schedule key is unique, so the hourly runs after the first find it there)."""
    from ..surveys.services import schedule_rounds
    return schedule_rounds(now or utcnow())


def refresh_rollups(app: Flask, now=None) -> dict:
    from ..oversight.rollups import refresh_rollups as refresh
    return refresh(now or utcnow())


def analyze(app: Flask, now=None) -> dict:
    """Table statistics for SQLite's query planner (PostgreSQL's autovacuum keeps its own).

    Without them SQLite ranges over the (status, window end) index where (compound, window end)
    is 10x faster for a subdistrict's drill-down; analysis_limit samples, so it takes milliseconds.
    """
    if db.engine.dialect.name != "sqlite":
        return {"analyzed": 0}
    db.session.execute(text("PRAGMA analysis_limit=2000"))
    db.session.execute(text("ANALYZE"))
    return {"analyzed": 1}


JOBS: dict[str, Callable] = {
    "generate": generate,
    "mark_missed": sweep_missed,
    "enqueue_reminders": enqueue_reminders,
    "complaint_reminders": complaint_reminders,
    "send_outbox": send_outbox,
    "monthly_report": monthly_report,
    "render_report_pdf": render_report_pdf,
    "draft_statements": draft_statements,
    "survey_rounds": survey_rounds,
    "refresh_rollups": refresh_rollups,
    "analyze": analyze,
}


def run_job(app: Flask, name: str, now=None) -> dict | None:
    """Runs one job in its own transaction; logs its counts (or its failure) as one JSON line.

    Each run has a run id (in the log line and in scheduler_run, which /healthz and /metrics read);
    a success is recorded in the job's own transaction, a failure in a new one after the rollback.
    """
    run_id = uuid.uuid4().hex[:16]
    started = time.perf_counter()
    with app.app_context():
        try:
            counts = JOBS[name](app, now)
            record_run(name, run_id, ok=True, ms=_ms(started), counts=counts, now=utcnow())
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception({"job": name, "status": "failed", "run_id": run_id, "ms": _ms(started)})
            _record_failure(name, run_id, started)
            return None
        finally:
            db.session.remove()
    log.info({"job": name, "status": "ok", "run_id": run_id, "ms": _ms(started), **counts})
    return counts


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _record_failure(name: str, run_id: str, started: float) -> None:
    try:
        record_run(name, run_id, ok=False, ms=_ms(started), counts=None, now=utcnow())
        db.session.commit()
    except Exception:  # the database itself may be what failed; the log line above says so
        db.session.rollback()
