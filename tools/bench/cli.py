"""bench: builds a city-scale database once (then reuses it) and prints how fast the scheduler's
work runs on it. A command, not a test: its figures are read by people, not asserted.
"""
import resource
import sys
import time

import click
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app

from propmgmt.clock import utcnow
from propmgmt.extensions import db

from .build import BENCH_SCALES, TODAY, build_city, local, recipe, row_counts
from .cache import bench_url, built_scale, claim, describe, record_build, same_database, state_of, wipe
from .measure import SECTIONS, run_all
from .pages import RAW_RATIO_TARGET
from .timing import Measurement

bp = Blueprint("bench_cli", __name__, cli_group=None)
COLUMNS = (("measurement", "<", 58), ("median ms", ">", 10), ("min", ">", 9), ("max", ">", 9),
           ("rows", ">", 8), ("peak MB", ">", 8), ("target", ">", 11))


@bp.cli.command("bench")
@click.option("--rebuild", is_flag=True, help="Build the bench database again even if a complete one exists.")
@click.option("--runs", type=click.IntRange(1, 100), default=5, show_default=True,
              help="Timed runs per measurement; the median is reported.")
@click.option("--only", multiple=True, type=click.Choice(SECTIONS),
              help="Measure only these sections (repeatable); the default is all of them.")
@click.option("--scale", type=click.Choice(list(BENCH_SCALES)), default="city", show_default=True,
              help="10x: ten cities (20,000 compounds), generation beside a bare insert only; its own database.")
def bench_command(rebuild, runs, only, scale):
    """Time task generation, the sweeps and the outbox on a city-scale database.

    The database is BENCH_DATABASE_URL, else instance/bench.sqlite3; never the application's own.
    """
    from propmgmt import create_app

    url = bench_url(current_app.instance_path, "bench" if scale == "city" else f"bench_{scale}")
    if same_database(url, current_app.config["SQLALCHEMY_DATABASE_URI"]):
        raise click.ClickException("The bench database is the application's own database; "
                                   "point BENCH_DATABASE_URL at a separate one.")
    head = ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head()
    state, built = state_of(url, recipe(scale), head)
    if state == "foreign":
        raise click.ClickException(f"{describe(url)} holds tables the benchmark did not create; "
                                   "it will not wipe them. Point BENCH_DATABASE_URL at an empty database.")
    if state == "incomplete" and built_scale(url) not in (None, scale):
        raise click.ClickException(f"{describe(url)} holds the bench's {built_scale(url)} build; it will not "
                                   f"wipe it for the {scale} one. Point BENCH_DATABASE_URL at another database.")
    with create_app(_config_for(url)).app_context():
        if rebuild or state not in ("complete", "outdated"):
            _build(url, wipe_first=state != "empty", scale=scale)
        elif state == "outdated":
            _upgrade(head)
        else:
            click.echo(f"Reusing the bench database built {built['built_at']:%Y-%m-%d %H:%M} UTC "
                       f"in {built['seconds']:.0f} s (--rebuild to build it again).")
        click.echo(f"\nDatabase: {describe(url)}")
        click.echo(f"Today (fixed): {TODAY}; {current_app.config['PROPMGMT_HORIZON_DAYS']}-day horizon; "
                   f"{runs} timed runs per measurement")
        for name, count in row_counts().items():
            click.echo(f"  {name:<16}{count:>12,}")
        rss_before = _max_rss_mb()
        started = time.perf_counter()
        results = run_all(runs, lambda text: click.echo(f"  [{time.perf_counter() - started:4.0f} s] {text}"),
                          set(only), scale)
        click.echo()
        _print_table(results)
        _print_notes(results, rss_before)
        db.session.remove()


def _build(url: str, *, wipe_first: bool, scale: str) -> None:
    """Claims the database, builds the city, and marks it complete last (see cache.state_of)."""
    if wipe_first:
        wipe(url)
    db.engine.dispose()  # no pooled connection may point at a removed SQLite file
    click.echo(f"Building the bench database {describe(url)} ...")
    claim(db.session.connection())
    db.session.commit()
    result = build_city(_progress, scale=scale, history_days=BENCH_SCALES[scale])
    record_build(db.session.connection(), recipe(scale), result["tasks"], result["seconds"],
                 utcnow().replace(tzinfo=None))
    db.session.commit()
    click.echo(f"Built in {result['seconds']:.0f} s.")


def _upgrade(head: str) -> None:
    """A build from before the newest migrations: upgraded in place (a year of a city's data through
    the migrations, timed), then its rollups refreshed as the scheduler would, until none is left."""
    from flask_migrate import upgrade

    from propmgmt.oversight.rollups import refresh_rollups

    click.echo(f"Upgrading the bench database to migration {head} ...")
    started = time.perf_counter()
    upgrade()
    click.echo(f"  migrated in {time.perf_counter() - started:.0f} s")
    now, days = local(TODAY, 0, 5), 0
    while (done := refresh_rollups(now)["days"]) > 0:
        db.session.commit()
        days += done
        _progress(f"rolled up {days} days again", done=False)
    db.session.commit()
    click.echo(f"\n  rollups refreshed in {time.perf_counter() - started:.0f} s in all")


def _config_for(url: str) -> type:
    """The running app's settings, on the bench database."""
    settings = {key: value for key, value in current_app.config.items() if key.isupper()}
    settings["SQLALCHEMY_DATABASE_URI"] = url
    return type("BenchConfig", (), settings)


def _progress(text: str, done: bool = True) -> None:
    """One line updated in place on a terminal; in a log, only the lines marked done."""
    if sys.stdout.isatty():
        click.echo(f"\r  {text}", nl=done)
    elif done:
        click.echo(f"  {text}")


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _print_table(results: list[Measurement]) -> None:
    def line(cells, verdict=""):
        text = "  ".join(f"{cell:{align}{width}}" for cell, (_n, align, width) in zip(cells, COLUMNS))
        return f"{text}  {verdict}".rstrip()

    click.echo(line([name for name, _a, _w in COLUMNS]))
    click.echo(line(["-" * width for _n, _a, width in COLUMNS]))
    for m in results:
        if m.unavailable:  # the reason spans the number columns
            click.echo(f"{m.label:<{COLUMNS[0][2]}}  {m.unavailable}")
            continue
        target = "" if m.target_ms is None else f"<= {m.target_ms:,.0f} ms"
        click.echo(line([m.label, f"{m.median_ms:,.1f}", f"{min(m.timings_ms):,.1f}", f"{max(m.timings_ms):,.1f}",
                         f"{m.rows:,}", f"{m.peak_mb:,.1f}", target], m.verdict))


GOAL_COLUMNS = (("figure", "<", 66), ("app", ">", 11), ("limit", ">", 11), ("ratio", ">", 7), ("goal", "<", 16))


def goal_rows(results: list[Measurement]) -> list[tuple]:
    """Each goal a measurement has, as (figure, app, limit, ratio, goal, verdict): a page beside the SQL it
    ran and generation beside a bare insert of its rows (their limits), a time beside its target, a size
    or a request count beside its budget."""
    measured = [m for m in results if not m.unavailable and m.timings_ms]
    limit_of = {m.limit_for: m for m in measured if m.limit_for}
    rows = []
    for m in measured:
        if m.limit_for:
            continue
        limit = limit_of.get(m.label)
        what = limit.limit_name.format(rows=limit.rows) if limit else ""
        limit_text = f"{limit.median_ms:,.1f} ms" if limit else ""
        ratio = m.median_ms / limit.median_ms if limit and limit.median_ms else None
        ratio_text = "" if ratio is None else f"{ratio:.2f}x"
        if m.target_ms is not None and not m.per_second:
            rows.append((m.label, f"{m.median_ms:,.1f} ms", limit_text, ratio_text, f"<= {m.target_ms:,.0f} ms",
                         m.median_ms <= m.target_ms))
        if limit and (m.ratio_goal or m.target_ms is None):
            goal = m.ratio_goal or RAW_RATIO_TARGET
            rows.append((f"{m.label} / {what}", f"{m.median_ms:,.1f} ms", limit_text, ratio_text,
                         f"<= {goal}x", ratio is not None and ratio <= goal))
        if m.size_goal:
            size = m.rows if m.size is None else m.size
            rows.append((f"{m.label}: size", f"{size / 1000:,.1f} KB", "", "", f"<= {m.size_goal / 1000:,.0f} KB",
                         size <= m.size_goal))
        if m.rows_goal:
            rows.append((f"{m.label}: requests", f"{m.rows}", "", "", f"<= {m.rows_goal}", m.rows <= m.rows_goal))
    return rows


def _print_goals(results: list[Measurement]) -> None:
    rows = goal_rows(results)
    if not rows:
        return
    click.echo("\nGoals (issues 8, 19, 22), each figure beside its limit measured in this run:")
    header = "  ".join(f"{name:{align}{width}}" for name, align, width in GOAL_COLUMNS)
    click.echo(header)
    click.echo("  ".join("-" * width for _n, _a, width in GOAL_COLUMNS))
    for *cells, held in rows:
        text = "  ".join(f"{cell:{align}{width}}" for cell, (_n, align, width) in zip(cells, GOAL_COLUMNS))
        click.echo(f"{text}  {'ok' if held else 'OVER'}")
    over = sum(1 for *_cells, held in rows if not held)
    click.echo(f"{len(rows) - over} of {len(rows)} goals held" + (f"; {over} OVER" if over else "."))


def _print_notes(results: list[Measurement], rss_before: float) -> None:
    growth = [m for m in results if m.history_tasks is not None]
    if len(growth) == 2:
        half, full = growth
        click.echo(f"\nAs the history grows from {half.history_tasks:,} to {full.history_tasks:,} tasks, one day's "
                   f"generation takes {half.median_ms:,.0f} -> {full.median_ms:,.0f} ms and peaks at "
                   f"{half.peak_mb:,.1f} -> {full.peak_mb:,.1f} MB.")
    _print_goals(results)
    click.echo("Timings: median of the timed runs; generation commits per batch as the scheduler job does, "
               "except the rolled-back history rows; sweeps run in a rolled-back SAVEPOINT.")
    click.echo("Peak MB: Python allocations during one further, untimed run under tracemalloc "
               "(the database's own cache is not included).")
    click.echo(f"Process max RSS: {rss_before:,.0f} MB before measuring, {_max_rss_mb():,.0f} MB after.")
