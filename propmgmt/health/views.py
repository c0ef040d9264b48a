"""GET /healthz: can the app reach and write its database and uploads, is the scheduler running, how long
is the outbox."""
import os
import shutil
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from ..auth.access import public
from ..clock import utcnow
from ..extensions import db
from ..outbox.models import Notification
from ..scheduler.models import SchedulerRun

bp = Blueprint("health", __name__)
BACKLOG = ("pending", "sending", "failed", "parked")


@bp.route("/healthz")
@public
def healthz():
    """503 when the database is unreachable, or when a scheduler is expected and has not run lately.

    `?check=database` checks the database only: for a load balancer, which should not take the
    web processes out of service because the scheduler stopped.
    """
    try:
        db.session.execute(text("SELECT 1"))
        database = {"status": "ok", "dialect": db.engine.dialect.name}
        if request.args.get("check") == "database":
            return jsonify(status="ok", database=database)
        scheduler, outbox, storage = _scheduler(), _outbox(), _storage()
    except SQLAlchemyError as error:
        db.session.rollback()
        return jsonify(status="error", database={"status": "unreachable", "error": type(error).__name__}), 503
    healthy = scheduler["status"] in ("ok", "not_expected") and storage["status"] == "ok"
    return jsonify(status="ok" if healthy else "error", database=database, scheduler=scheduler,
                   outbox=outbox, storage=storage), 200 if healthy else 503


def _storage() -> dict:
    """Whether a write can succeed: "read_only" or "disk_full" for the database and the uploads folder.

    Read without writing (a health check runs every few seconds): the server's own read-only flag on
    PostgreSQL; on SQLite and for uploads the file system's permission and free space, which is what
    SQLite and the photo writer will meet.
    """
    reserve = current_app.config["STORAGE_RESERVE_MB"] * 1024 * 1024
    places = {"uploads": _folder_state(Path(current_app.config["UPLOAD_DIR"]), reserve)}
    if db.engine.dialect.name == "sqlite":
        places["database"] = _sqlite_state(db.engine.url.database, reserve)
    else:
        read_only = db.session.scalar(text("SELECT current_setting('transaction_read_only') = 'on' "
                                           "OR pg_is_in_recovery()"))
        places["database"] = "read_only" if read_only else "ok"
    status = "ok" if all(state == "ok" for state in places.values()) else "cannot_write"
    return {"status": status, **places}


def _sqlite_state(database: str | None, reserve: int) -> str:
    if not database or database == ":memory:" or database.startswith("file:"):
        return "ok"
    path = Path(database)
    if path.exists() and not os.access(path, os.W_OK):
        return "read_only"
    return _folder_state(path.parent, reserve)  # the journal (WAL) is written beside it


def _folder_state(folder: Path, reserve: int) -> str:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # made on the first photo: its parent is what must be writable
    if not os.access(folder, os.W_OK):
        return "read_only"
    return "disk_full" if shutil.disk_usage(folder).free < reserve else "ok"


def _scheduler() -> dict:
    now = utcnow()
    rows = db.session.execute(select(SchedulerRun.job, SchedulerRun.last_ok_at)).all()
    jobs = {job: at.isoformat() if at else None for job, at in sorted(rows)}
    last = max((at for _, at in rows if at), default=None)
    limit = current_app.config["SCHEDULER_MAX_AGE_SECONDS"]
    age = round((now - last).total_seconds()) if last else None
    if not current_app.config["SCHEDULER_EXPECTED"]:
        status = "not_expected"
    elif last is None:
        status = "never_ran"
    else:
        status = "ok" if age <= limit else "stale"
    return {"status": status, "expected": current_app.config["SCHEDULER_EXPECTED"],
            "last_success": last.isoformat() if last else None, "seconds_since": age,
            "max_age_seconds": limit, "jobs": jobs}


def _outbox() -> dict:
    counts = dict.fromkeys(BACKLOG, 0)
    counts.update(db.session.execute(select(Notification.status, func.count())
                                     .where(Notification.status.in_(BACKLOG))
                                     .group_by(Notification.status)).all())
    oldest = db.session.scalar(select(func.min(Notification.next_attempt_at))
                               .where(Notification.status.in_(("pending", "failed"))))
    return {**counts, "backlog": sum(counts.values()),
            "oldest_due_seconds": max(round((utcnow() - oldest).total_seconds()), 0) if oldest else 0}
