"""soak: the production setup through a simulated day under faults (see run.py)."""
import click
from flask import Blueprint

bp = Blueprint("soak_cli", __name__, cli_group=None)


@bp.cli.command("soak")
@click.option("--database-url", envvar="SOAK_DATABASE_URL", show_default=True,
              default="postgresql+psycopg://postgres@127.0.0.1:5432/soak",
              help="PostgreSQL database to DROP and create again for the run (SOAK_DATABASE_URL).")
@click.option("--day", default="", help="Simulated local day, YYYY-MM-DD (default: tomorrow).")
@click.option("--from", "start", default="00:05", show_default=True, help="Simulated local start time.")
@click.option("--to", "end", default="21:00", show_default=True, help="Simulated local end time.")
@click.option("--speed", type=click.FloatRange(1, 2000), default=360, show_default=True,
              help="Simulated seconds per real second.")
@click.option("--workers", type=click.IntRange(1, 16), default=4, show_default=True)
@click.option("--schedulers", type=click.IntRange(1, 8), default=2, show_default=True)
@click.option("--crews", type=click.IntRange(1, 15), default=3, show_default=True,
              help="Crews whose operators use tablets and get email and webhook reminders.")
@click.option("--restart-database/--no-restart-database", default=True, show_default=True,
              help="Restart the local PostgreSQL once (cuts every connection to it, also other databases').")
@click.option("--seed", type=int, default=None, help="Random seed for the fault moments (printed by every run).")
@click.option("--work-dir", default="", help="Where the processes' logs go (default: a new temporary folder).")
def soak_command(database_url, day, start, end, speed, workers, schedulers, crews, restart_database, seed,
                 work_dir):
    """Run the production setup through a simulated day under faults and count what was lost.

    gunicorn and the schedulers on an accelerated clock, operators' tablets completing tasks,
    kill -9 of one scheduler and one worker and a PostgreSQL restart at random moments; then
    prints its figures and "N lost, M duplicate", and fails unless both are 0 and no request got
    a 500 (or a 5xx while the database was up).
    """
    from datetime import time

    from .options import SoakOptions
    from .run import SoakError, run_soak

    try:
        options = SoakOptions(database_url=database_url, day=day, start=time.fromisoformat(start),
                              end=time.fromisoformat(end), speed=speed, workers=workers, schedulers=schedulers,
                              crews=crews, restart_database=restart_database, seed=seed, work_dir=work_dir,
                              echo=click.echo)
        result = run_soak(options)
    except (SoakError, ValueError) as error:
        raise click.ClickException(str(error))
    if not result.ok:
        raise SystemExit(1)
