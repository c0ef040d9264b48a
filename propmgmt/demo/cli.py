"""seed-demo: builds the demo district (or a city) in one transaction."""
import time
from datetime import timedelta

import click
from flask import Blueprint

from ..clock import local_today, utcnow
from ..extensions import db
from ..oversight.rollups import refresh_rollups
from .history import build_history
from .seed import DEMO_PASSWORD, SCALES, database_is_empty, seed_demo, wipe_database

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

        result = seed_demo(scale, now=utcnow(), progress=progress)
        db.session.commit()
    click.echo(
        f"Seeded {result['compounds']} compounds, {result['households']} households, "
        f"{result['fallback']} under fallback service, {result['operators']} operators "
        f"in {time.perf_counter() - started:.1f} s."
    )
    if history_days:
        _build_history(history_days)
    click.echo(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
    for username, role, name in result["accounts"]:
        click.echo(f"  {role:<11} {username:<11} {name}")


def _build_history(days: int) -> None:
    """The last `days` days of service before today, as the plans would have produced it."""
    started, first = time.perf_counter(), local_today() - timedelta(days=days)
    with click.progressbar(length=days, label="Building past service", show_pos=True) as bar:
        tasks = build_history(first, days, progress=lambda day, tasks: bar.update(1))
    rolled = refresh_rollups(utcnow(), backfill=days + 1)
    db.session.commit()
    click.echo(f"Built {tasks} past tasks from {first} and rolled up {rolled['days']} days "
               f"in {time.perf_counter() - started:.1f} s.")
