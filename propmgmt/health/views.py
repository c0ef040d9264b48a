"""GET /healthz: can the app reach its database, is the scheduler running, how long is the outbox."""
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
        scheduler, outbox = _scheduler(), _outbox()
    except SQLAlchemyError as error:
        db.session.rollback()
        return jsonify(status="error", database={"status": "unreachable", "error": type(error).__name__}), 503
    healthy = scheduler["status"] in ("ok", "not_expected")
    return jsonify(status="ok" if healthy else "error", database=database, scheduler=scheduler,
                   outbox=outbox), 200 if healthy else 503


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
