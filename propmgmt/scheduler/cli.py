"""scheduler, generate-tasks, mark-missed and send-reminders."""
import logging
import signal
import threading
from datetime import date, datetime, timezone

import click
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Blueprint, current_app

from ..clock import clock_speed, utcnow
from ..extensions import db
from ..plans.generation import generate_tasks, horizon_end
from .jobs import run_job

bp = Blueprint("scheduler_cli", __name__, cli_group=None)

# Seconds between runs. Generation runs at start, then every ten minutes; it is cheap when
# nothing is new because it only looks past each plan's latest task. The monthly report is
# announced by the first hourly run of a month (the outbox's unique key makes later runs no-ops); the
# settlement statement is drafted by the first hourly run from the 2nd (the month is unique); a survey round
# is opened by the first hourly run once it is due (its schedule key is unique).
# Last month's report PDF is rendered again within ten minutes of a change to what it shows, so a download
# rarely waits for WeasyPrint (a run with nothing changed costs the report's queries and HTML only).
# Rollups are refreshed every five minutes: pages read changed days live meanwhile, so this only
# decides how much live counting a page does, never whether its figures are right.
INTERVALS = {"generate": 600, "mark_missed": 60, "enqueue_reminders": 60, "complaint_reminders": 60,
             "send_outbox": 15, "monthly_report": 3600, "render_report_pdf": 600, "draft_statements": 3600,
             "survey_rounds": 3600, "refresh_rollups": 300,
             "analyze": 86400}


# Jobs whose interval is about real time, not the district's clock: the report PDF is warmed so an
# official's click does not wait, and under a soak's 720x clock it would render WeasyPrint every second
# in every scheduler (the CPU the sender needed: outbox rows were left undelivered).
REAL_TIME = {"render_report_pdf"}


def intervals() -> dict[str, float]:
    """INTERVALS in real seconds: shorter under an accelerated clock (a soak run), at least 1 s, except
    the REAL_TIME jobs'."""
    speed = clock_speed()
    return {name: max(1.0, seconds / speed) if speed != 1 and name not in REAL_TIME else seconds
            for name, seconds in INTERVALS.items()}


@bp.cli.command("scheduler")
def scheduler_command():
    """Run the scheduler in the foreground until SIGTERM or Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # our jobs log one JSON line each
    app = current_app._get_current_object()
    scheduler = BackgroundScheduler(timezone=timezone.utc, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 120})
    every = intervals()
    for name, seconds in every.items():
        scheduler.add_job(run_job, "interval", seconds=seconds, args=[app, name], id=name,
                          next_run_time=datetime.now(timezone.utc))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    scheduler.start()
    click.echo(f"Scheduler running: {', '.join(f'{n} every {s:g}s' for n, s in every.items())}.")
    stop.wait()
    click.echo("Stopping: waiting for running jobs to finish ...")
    scheduler.shutdown(wait=True)
    click.echo("Scheduler stopped.")


def _parse_day(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD")


@bp.cli.command("generate-tasks")
@click.option("--through", callback=_parse_day, help="Last day to generate (default: the horizon).")
def generate_tasks_command(through):
    """Create the tasks of all active plans up to a day (the scheduler's generate job)."""
    now = utcnow()
    through = through or horizon_end(now, current_app.config["PROPMGMT_HORIZON_DAYS"])
    if through < now.date():
        raise click.BadParameter("the day must not be in the past", param_hint="--through")

    def checkpoint(created):
        db.session.commit()
        click.echo(f"  ... {created} tasks created so far", err=True)

    result = generate_tasks(through, now=now, checkpoint=checkpoint)
    db.session.commit()
    click.echo(f"Created {result['created']} tasks from {result['plans']} plans through {through}.")


@bp.cli.command("mark-missed")
def mark_missed_command():
    """Mark tasks whose window has closed without completion as missed."""
    counts = run_job(current_app._get_current_object(), "mark_missed")
    click.echo(f"Marked {counts['missed'] if counts else 0} tasks missed.")


@bp.cli.command("send-reminders")
def send_reminders_command():
    """Write the reminders due now to the outbox and send what the outbox holds."""
    app = current_app._get_current_object()
    for name in ("mark_missed", "enqueue_reminders", "complaint_reminders", "send_outbox"):
        counts = run_job(app, name)
        click.echo(f"{name}: {counts if counts is not None else 'failed (see log)'}")
