"""seed-demo: builds the demo district (or a city) in one transaction."""
import time
from datetime import timedelta

import click
from flask import Blueprint, current_app

from ..clock import local_today, utcnow
from ..extensions import db
from ..oversight.rollups import refresh_rollups
from .activity import build_activity, build_handovers
from .assessment import build_assessment
from .history import build_history
from .renovation import build_renovation
from .seed import DEMO_PASSWORD, SCALES, database_is_empty, seed_demo, wipe_database
from .surveys import build_surveys
from .voice import build_voice

bp = Blueprint("demo_cli", __name__, cli_group=None)
STEPS = ("service types", "areas", "organisations", "compounds", "crews and users", "assignments")


@bp.cli.command("seed-demo")
@click.option("--scale", type=click.Choice(list(SCALES)), default="district", show_default=True)
@click.option("--history-days", type=click.IntRange(0, 730), default=0, show_default=True,
              help="Days of past service history to build (tasks arrive with service plans).")
@click.option("--reset", is_flag=True, help="Empty a non-empty database first.")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when data exists; for make run.")
def seed_demo_command(scale, history_days, reset, if_empty):
    """Build the demo district from the seed article (deterministic)."""
    if not database_is_empty():
        if if_empty:
            click.echo("The database already has data; demo seeding skipped.")
            return
        if not reset:
            raise click.ClickException("The database is not empty. Use --reset to wipe it and seed again.")
        click.echo("Emptying the database ...")
        wipe_database()
    started = time.perf_counter()
    with click.progressbar(length=len(STEPS), label=f"Seeding {scale}", show_pos=True,
                           item_show_func=lambda step: step) as bar:
        def progress(step):
            bar.update(1, step)

        now = utcnow()
        result = seed_demo(scale, now=now, progress=progress)
        db.session.commit()
        # Before the history, so a compound handed over has no fallback service after its handover.
        handovers = build_handovers(now, upload_dir=current_app.config["UPLOAD_DIR"], scale=scale)
        db.session.commit()
        renovation = build_renovation(now)
        db.session.commit()
        voice = build_voice(now, upload_dir=current_app.config["UPLOAD_DIR"])
        db.session.commit()
    click.echo(
        f"Seeded {result['compounds']} compounds, {result['households']} households, "
        f"{result['fallback']} under fallback service, {result['operators']} operators, "
        f"{handovers['handovers']} handovers, {renovation['renovation_projects']} renovation projects "
        f"({voice['opinions']} residents' opinions, {voice['notes']} supervision notes) "
        f"in {time.perf_counter() - started:.1f} s."
    )
    if history_days:
        _build_history(history_days)
    _build_activity(scale, history_days)
    _build_surveys()  # before the assessment: its months read survey satisfaction
    _build_assessment()
    click.echo(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
    for username, role, name in result["accounts"]:
        click.echo(f"  {role:<11} {username:<11} {name}")


def _build_history(days: int) -> None:
    """The last `days` days of service before today, as the plans would have produced it."""
    started, first = time.perf_counter(), local_today() - timedelta(days=days)
    with click.progressbar(length=days, label="Building past service", show_pos=True) as bar:
        tasks = build_history(first, days, progress=lambda day, tasks: bar.update(1))
    click.echo(f"Built {tasks} past tasks from {first} in {time.perf_counter() - started:.1f} s.")


def _build_surveys() -> None:
    """Last quarter's survey round with its answers, and one open now with its first."""
    started = time.perf_counter()
    result = build_surveys(utcnow())
    db.session.commit()
    click.echo(f"Added {result['rounds']} survey rounds with {result['answers']} households' answers in "
               f"{time.perf_counter() - started:.1f} s.")


def _build_assessment() -> None:
    """The assessment policy, spot checks and rectifications, and the past months' statements."""
    started = time.perf_counter()
    result = build_assessment(utcnow(), upload_dir=current_app.config["UPLOAD_DIR"])
    db.session.commit()
    click.echo(f"Added {result['checks']} spot checks and {result['statements']} settlement statements in "
               f"{time.perf_counter() - started:.1f} s.")


def _build_activity(scale: str, history_days: int) -> None:
    """Cases, photos, send-backs and notifications up to now; then the rollups of the history's days
    (days not rolled up are counted live, so the figures agree either way)."""
    started, now = time.perf_counter(), utcnow()
    life = build_activity(now, upload_dir=current_app.config["UPLOAD_DIR"], scale=scale)
    rolled = refresh_rollups(now, backfill=history_days + 1) if history_days else {"days": 0}
    db.session.commit()
    click.echo(f"Added {life['cases']} residents' cases, {life['photos']} photos, {life['notifications']} "
               f"notifications and rolled up {rolled['days']} days in {time.perf_counter() - started:.1f} s.")
