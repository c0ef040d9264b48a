"""load: the production server (gunicorn, deploy/gunicorn.conf.py) on a city-scale database, driven
by a realistic mix of the pages people use most; then a bare Flask hello-world on the same
settings, as the ceiling. A command, not a test: it prints a table for people to read.

The database is LOAD_DATABASE_URL, else instance/load.sqlite3: not the benchmark's, because this
one's history must end at the real yesterday (the server runs on the real clock, so the
operators' day and the officials' last 30 days have to be there) and because the load completes
tasks in it. It is built like the benchmark's (bench/build.py), reused for a week, then rebuilt.
"""
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app
from sqlalchemy import create_engine, func, or_, select, text, update
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from propmgmt.clock import district_tz, local_today, to_local, utcnow
from propmgmt.extensions import db

from .build import HISTORY_DAYS, build_city
from .cache import claim, describe, record_build, same_database, state_of, wipe
from .loadgen import (
    COMPLETE,
    ENDPOINTS,
    FIELD,
    HELLO,
    OVERSIGHT,
    PAGES,
    PUBLIC,
    TIMEOUT,
    LoadError,
    Plan,
    Session,
    Stats,
    run_processes,
    sign_in,
    split,
    table,
    total,
)

bp = Blueprint("load_cli", __name__, cli_group=None)
ROOT = Path(__file__).resolve().parents[2]
MAX_AGE_DAYS = 7  # older, the gap since the history ended starts to show in the officials' 30 days
SECRET_KEY = "load-test-only-not-secret"  # the load's own server, on its own database
PASSWORD = "load-test-password"
DEFAULT_MIX = "field=50,complete=15,oversight=10,public=25"
MIX_NAMES = {"field": FIELD, "complete": COMPLETE, "oversight": OVERSIGHT, "public": PUBLIC}


def load_url(instance_path: str) -> str:
    return os.environ.get("LOAD_DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'load.sqlite3'}"


def recipe(scale: str, history_days: int) -> str:
    return f"{scale} seed, {history_days} days of history before the build day, former plans, load v2"


def parse_mix(text_: str) -> dict[str, int]:
    mix = {}
    for part in text_.split(","):
        name, _sep, weight = part.partition("=")
        if name.strip() not in MIX_NAMES or not weight.strip().isdigit():
            raise click.BadParameter(f"{part!r}: use name=weight with names {', '.join(MIX_NAMES)}")
        if int(weight):
            mix[MIX_NAMES[name.strip()]] = int(weight)
    if not mix:
        raise click.BadParameter("every weight is zero")
    return mix


@bp.cli.command("load")
@click.option("--duration", type=click.FloatRange(1), default=20, show_default=True,
              help="Seconds the mix is measured in each round (after the warm-up).")
@click.option("--warmup", type=click.FloatRange(0), default=10, show_default=True,
              help="Seconds of load before measuring starts (not counted).")
@click.option("--hello-duration", type=click.FloatRange(1), default=None,
              help="Seconds measured against the hello-world [default: a third of --duration, at least 3].")
@click.option("--users", type=click.IntRange(1), default=8, show_default=True,
              help="Concurrent virtual users (each sends its next request when the last one is answered).")
@click.option("--workers", type=click.IntRange(1), default=4, show_default=True,
              help="gunicorn workers (WEB_CONCURRENCY) of the mixed load, for the app and the hello-world alike.")
@click.option("--field-workers", type=click.IntRange(1), default=2, show_default=True,
              help="gunicorn workers of the /field phase (issue 22: -w 2), for the app and the hello-world alike.")
@click.option("--field-duration", type=click.FloatRange(1), default=None,
              help="Seconds measured in the /field phase [default: a third of --duration, at least 3].")
@click.option("--port", type=click.IntRange(0, 65535), default=0,
              help="Port of the app's server [default: a free port].")
@click.option("--hello-port", type=click.IntRange(0, 65535), default=0,
              help="Port of the hello-world's server [default: a free port].")
@click.option("--processes", type=click.IntRange(1), default=2, show_default=True,
              help="Load generator processes the virtual users are spread over.")
@click.option("--operators", type=click.IntRange(1), default=100, show_default=True,
              help="Operators signed in (their day pages and tasks are spread over the users).")
@click.option("--mix", "mix_text", default=DEFAULT_MIX, show_default=True, help="Weights of the requests.")
@click.option("--scale", type=click.Choice(["city", "district"]), default="city", show_default=True)
@click.option("--history-days", type=click.IntRange(0), default=HISTORY_DAYS, show_default=True)
@click.option("--rebuild", is_flag=True, help="Build the load database again even if a recent one exists.")
@click.option("--rounds", type=click.IntRange(1), default=3, show_default=True,
              help="Rounds of both phases with their hello-worlds, interleaved; issue 22's rows are their medians.")
@click.option("--server-log", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Keep the app server's log (gunicorn and the app's JSON request lines) in this file.")
def load_command(duration, warmup, hello_duration, users, workers, field_workers, field_duration, port, hello_port,
                 processes, operators, mix_text, scale, history_days, rebuild, rounds, server_log):
    """Throughput and p50/p95/p99 per endpoint of the production server under a realistic mix.

    The database is LOAD_DATABASE_URL, else instance/load.sqlite3; never the application's own.
    """
    from propmgmt import create_app

    mix = parse_mix(mix_text)
    processes = min(processes, users)
    hello_duration = hello_duration or max(3.0, duration / 3)
    field_duration = field_duration or max(3.0, duration / 3)
    url = load_url(current_app.instance_path)
    if same_database(url, current_app.config["SQLALCHEMY_DATABASE_URI"]):
        raise click.ClickException("The load database is the application's own database; "
                                   "point LOAD_DATABASE_URL at a separate one.")
    _create_postgres_database(url)
    head = ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head()
    wanted = recipe(scale, history_days)
    state, built = state_of(url, wanted, head)
    if state == "foreign":
        raise click.ClickException(f"{describe(url)} holds tables the load command did not create; "
                                   "it will not wipe them. Point LOAD_DATABASE_URL at an empty database.")
    settings = {key: value for key, value in current_app.config.items() if key.isupper()}
    settings["SQLALCHEMY_DATABASE_URI"] = url
    with create_app(type("LoadConfig", (), settings)).app_context():
        age = (local_today() - to_local(built["built_at"]).date()).days if built else None
        if rebuild or state != "complete" or age > MAX_AGE_DAYS:
            _build(url, wanted, wipe_first=state != "empty", scale=scale, history_days=history_days)
        else:
            click.echo(f"Reusing the load database built {built['built_at']:%Y-%m-%d %H:%M} UTC "
                       f"({age} days ago; rebuilt after {MAX_AGE_DAYS}, or with --rebuild).")
        data = _prepare(operators)
        db.session.remove()
        db.engine.dispose()  # the server and the generator processes must not share its connections
    click.echo(f"\nDatabase: {describe(url)}")
    click.echo(f"  {data['tasks']:,} tasks; today {data['today']}: {data['today_tasks']:,} tasks; "
               f"{len(data['operators']):,} operators signed in with {data['completable']:,} tasks to complete; "
               f"{len(data['codes']):,} public compound pages")
    click.echo(f"Server: gunicorn, {field_workers} sync workers for the /field phase and {workers} for the mixed "
               "load (deploy/gunicorn.conf.py, PROPMGMT_ENV=production); "
               f"{users} virtual users in {processes} processes, no think time; "
               f"{warmup:g} s warm-up, {duration:g} s of the mix measured in each of {rounds} rounds; "
               f"{os.cpu_count()} CPUs shared by all of it "
               f"(load average {os.getloadavg()[0]:.1f} before starting)")
    click.echo("Mix: " + ", ".join(f"{label} {weight}" for label, weight in mix.items()))

    with tempfile.TemporaryDirectory(prefix="propmgmt-load-") as scratch_dir:
        scratch = Path(scratch_dir)
        # Round after round: the /field phase, then the mixed load; each followed at once by the
        # hello-world on the same workers, users and client, so that both see the same machine. The
        # sessions signed in once stay signed in (server-side) across the servers.
        logins, phases = None, []
        for number in range(1, rounds + 1):
            with Server("app:app", url, field_workers, scratch, port, name=f"app-field-{number}") as server:
                logins = logins or _sign_in_all(server.port, data, mix)
                field = _phase(server, {FIELD: 1}, users, processes, logins, data, warmup, field_duration)
            field_hello = _ceiling(f"hello-field-{number}", url, field_workers, scratch, hello_port, users, processes,
                                   data, warmup, hello_duration)
            for session in logins["operators"]:  # each round completes tasks of its own (the forked clients'
                # completions are not seen here): every rounds-th of each operator's
                session.tasks = data["tasks_of"][session.username][number - 1::rounds]
            with Server("app:app", url, workers, scratch, port, name=f"app-mixed-{number}") as server:
                mixed = _phase(server, mix, users, processes, logins, data, warmup, duration)
            if server_log:
                shutil.copyfile(server.log, server_log)
            mixed_hello = _ceiling(f"hello-mixed-{number}", url, workers, scratch, hello_port, users, processes, data,
                                   warmup, hello_duration)
            phases.append((field, field_hello, mixed, mixed_hello))
            if rounds > 1:
                figures = round_figures(*phases[-1])
                click.echo(f"  round {number} of {rounds}: /field {figures['field'][0] / figures['field'][1]:.1%} "
                           f"of its hello-world, the mix {figures['mixed'][0] / figures['mixed'][1]:.1%}")
    field, field_hello, mixed, mixed_hello = (_merged([round_phases[n] for round_phases in phases]) for n in range(4))
    click.echo()
    last = f", {rounds} rounds together" if rounds > 1 else ""
    for title, phase, hello in ((f"/field alone, {field_workers} workers", field, field_hello),
                                (f"Mixed load, {workers} workers", mixed, mixed_hello)):
        click.echo(f"{title}, {phase['duration']:.3g} s measured (hello-world {hello['duration']:.3g} s){last}:")
        for line in _report(phase) + table([(HELLO, hello["stats"].get(HELLO, Stats()))], hello["duration"])[2:]:
            click.echo(line)
        click.echo()
    click.echo(same_settings([(f, fh, field_workers) for f, fh, _m, _mh in phases]
                             + [(m, mh, workers) for _f, _fh, m, mh in phases], users, processes, rounds))
    click.echo()
    for line in issue_block([round_figures(*round_phases) for round_phases in phases]):
        click.echo(line)
    failed = False
    for number, (field, field_hello, mixed, mixed_hello) in enumerate(phases, 1):
        failed |= _print_failures({f"/field{last and f', round {number}'}": field, "/field's hello-world": field_hello,
                                   "mixed": mixed, "mixed's hello-world": mixed_hello})
    click.echo("\nLatency is measured by the client (sign-in excluded); req/s over the seconds measured; "
               "app p50/p95: the app's own time per request, from its request log (the rest is waiting for a "
               "free worker, gunicorn and the network). GET /field/pages is the tablet's follow-up of GET /field "
               "(field.js warmCache): every page of the day on a session's first visit (made at sign-in), then "
               "only those whose version changed (a task completed since, the crew's too), none if none did. "
               "The generator shares the CPUs with the server: figures are noisy on a busy machine.")
    if failed:
        sys.exit(1)


def _merged(phases: list[dict]) -> dict:
    """One phase's rounds as one table: requests and app times together over all the seconds measured."""
    stats: dict[str, Stats] = {}
    app_ms: dict[str, list[float]] = {}
    for phase in phases:
        for label, item in phase["stats"].items():
            stats.setdefault(label, Stats()).add(item)
        for label, times in phase.get("app_ms", {}).items():
            app_ms.setdefault(label, []).extend(times)
    return {**phases[-1], "stats": stats, "app_ms": app_ms, "duration": sum(p["duration"] for p in phases)}


def _print_failures(phases: dict[str, dict]) -> bool:
    """A few failed requests of each endpoint, and what the servers logged as errors; True if any failed."""
    failed = False
    for name, phase in phases.items():
        for label, stats in phase["stats"].items():
            if stats.failures:
                failed = True
                click.echo(f"\nFailures of {label} ({name}), for example:")
                for sample in stats.samples:
                    click.echo(f"  {sample}")
    errors = [line for phase in phases.values() for line in phase.get("errors", [])]
    if errors:
        click.echo("\nThe server logged errors:")
        for line in errors[:10]:
            click.echo(f"  {line}")
    return failed


def _phase(server: "Server", mix, users, processes, logins, data, warmup, duration) -> dict:
    """One measured run against a started app server: its stats, the app's own times, its errors."""
    plans = _plans(server.port, mix, users, processes, logins, data, warmup, duration)
    stats = run_processes(plans)
    measured_from = plans[0].start_at + warmup
    # Up to the last answer: the clients count every request sent before the end, answered or not yet.
    app_ms = server.app_times(measured_from, measured_from + duration + TIMEOUT)
    app_ms["all"] = [ms for label in ENDPOINTS for ms in app_ms.get(label, [])]
    return {"stats": stats, "app_ms": app_ms, "errors": server.errors(), "workers": server.workers_booted(),
            "duration": duration}


def _ceiling(name, url, workers, scratch, port, users, processes, data, warmup, duration) -> dict:
    """The bare hello-world under the same gunicorn settings, workers, users and processes as the app."""
    with Server("tools.bench.hello:app", url, workers, scratch, port, name=name) as hello:
        plans = _plans(hello.port, {HELLO: 1}, users, processes, {"operators": [], "official": None}, data,
                       min(warmup, 3.0), duration)
        return {"stats": run_processes(plans), "workers": hello.workers_booted(), "duration": duration}


def _report(phase: dict) -> list[str]:
    stats = phase["stats"]
    rows = [(label, stats[label]) for label in ENDPOINTS if label in stats]
    return table(rows + [("all", total(stats)), None], phase["duration"], phase["app_ms"])


def same_settings(pairs: list[tuple[dict, dict, int]], users: int, processes: int, rounds: int = 1) -> str:
    """The app and its ceiling ran on the same settings: gunicorn booted the asked number of workers for
    both (counted in their logs), and the same users in the same processes of one client drove both."""
    restarted = []
    for app, hello, workers in pairs:
        if app["workers"] < workers or hello["workers"] < workers:
            raise click.ClickException(f"gunicorn booted {app['workers']} workers for the app and {hello['workers']} "
                                       f"for the hello-world instead of {workers}: not comparable.")
        if app["workers"] > workers or hello["workers"] > workers:  # a worker killed (timeout) and booted again
            restarted.append(f"{app['workers'] - workers} of the app's and {hello['workers'] - workers} of the "
                             f"hello-world's {workers} workers were restarted")
    return (f"Same settings for the app and its hello-world: deploy/gunicorn.conf.py with "
            f"{' and '.join(str(workers) for _a, _h, workers in pairs[::rounds])} workers booted by each"
            f"{f' in each of {rounds} rounds' if rounds > 1 else ''}, {users} virtual "
            f"users in {processes} processes of the same client (tools/bench/loadgen.py)"
            + (f"; {', '.join(restarted)}." if restarted else "."))


GOALS = {"field": 0.30, "mixed": 0.25, "complete_ms": (50, 150)}  # issue 22's table


def _rate(phase: dict, label: str | None = None) -> float:
    """req/s of one endpoint, or of all, over the seconds measured."""
    stats = phase["stats"].get(label, Stats()) if label else total(phase["stats"])
    return stats.requests / phase["duration"]


def round_figures(field: dict, field_hello: dict, mixed: dict, mixed_hello: dict) -> dict:
    """One round's issue 22 figures: each phase's req/s beside its hello-world's, the completion's app time."""
    times = Stats(mixed["app_ms"].get(COMPLETE, []))
    return {"field": (_rate(field, FIELD), _rate(field_hello, HELLO)),
            "mixed": (_rate(mixed), _rate(mixed_hello, HELLO)),
            "complete": (times.percentile(50), times.percentile(95)) if times.latencies_ms else None,
            "not_modified": {name: (day.not_modified / len(day.latencies_ms)) if day.latencies_ms else None
                             for name, day in (("/field phase", field["stats"].get(FIELD, Stats())),
                                               ("mix", mixed["stats"].get(FIELD, Stats())))},
            "workers": (field["workers"], mixed["workers"])}


def issue_block(rounds: list[dict]) -> list[str]:
    """Issue 22's load rows, each the median of the rounds (round_figures; interleaved: each phase
    beside its own hello-world, round after round): figure | app | limit (hello) | ratio | goal | ok/OVER."""
    median = statistics.median
    field_workers, mixed_workers = rounds[-1]["workers"]
    of = f" (median of {len(rounds)} rounds)" if len(rounds) > 1 else ""
    rows = []
    for figure, key in ((f"/field throughput, gunicorn -w {field_workers} (req/s)", "field"),
                        (f"mixed load (make load), -w {mixed_workers} (req/s)", "mixed")):
        app, limit = median(r[key][0] for r in rounds), median(r[key][1] for r in rounds)
        ratio = median(r[key][0] / r[key][1] if r[key][1] else 0.0 for r in rounds)
        rows.append((figure, f"{app:,.1f}", f"{limit:,.0f}", f"{ratio:.1%}{of}", f">= {GOALS[key]:.0%}",
                     "ok" if ratio >= GOALS[key] else "OVER"))
    for name in ("/field phase", "mix"):
        shares = [r["not_modified"][name] for r in rounds if r["not_modified"][name] is not None]
        if shares:  # how often the tablet's copy was current: the rest were rendered
            rows.append((f"  GET /field answered 304 ({name})", f"{median(shares):.0%}", "-", "-", "-", ""))
    p50_goal, p95_goal = GOALS["complete_ms"]
    figure, goal = "completion POST, app time p50 / p95 (ms)", f"<= {p50_goal} / {p95_goal}"
    measured = [r["complete"] for r in rounds if r["complete"]]
    if measured:
        p50, p95 = median(m[0] for m in measured), median(m[1] for m in measured)
        rows.append((figure, f"{p50:,.0f} / {p95:,.0f}", "-", f"{p50 / p50_goal:.1f}x / {p95 / p95_goal:.1f}x goal",
                     goal, "ok" if p50 <= p50_goal and p95 <= p95_goal else "OVER"))
    else:
        rows.append((figure, "-", "-", "-", goal, "not measured"))
    header = ("issue 22", "app", "limit (hello)", "ratio", "goal", "")
    widths = [max(len(row[n]) for row in [header, *rows]) for n in range(len(header))]
    return [" | ".join(f"{cell:<{width}}" if n == 0 else f"{cell:>{width}}"
                       for n, (cell, width) in enumerate(zip(row, widths))).rstrip() for row in [header, *rows]]


def _create_postgres_database(url: str) -> None:
    """A PostgreSQL database named in LOAD_DATABASE_URL is created if it does not exist yet."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return
    engine = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                     {"name": parsed.database}):
                connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
                click.echo(f"Created the database {parsed.database}.")
    finally:
        engine.dispose()


def _build(url: str, wanted: str, *, wipe_first: bool, scale: str, history_days: int) -> None:
    from .cli import _progress

    if wipe_first:
        wipe(url)
    db.engine.dispose()
    today = local_today()
    click.echo(f"Building the load database {describe(url)}: the {scale} seed and {history_days} days of "
               f"history before {today} ...")
    claim(db.session.connection())
    db.session.commit()
    result = build_city(_progress, today=today, scale=scale, history_days=history_days)
    record_build(db.session.connection(), wanted, result["tasks"], result["seconds"], utcnow().replace(tzinfo=None))
    db.session.commit()
    click.echo(f"Built in {result['seconds']:.0f} s.")


def _prepare(operator_count: int) -> dict:
    """Today's tasks (as the scheduler would have made them), the users the load signs in, and what
    each operator will complete: open tasks of theirs from today on, each given to one operator."""
    from propmgmt.auth.models import User
    from propmgmt.compounds.models import Compound
    from propmgmt.plans.generation import generate_tasks, horizon_end
    from propmgmt.plans.models import ServiceStandard, Task

    now = utcnow()
    click.echo("Generating the tasks of the horizon (as the scheduler does) ...")
    generate_tasks(horizon_end(now, current_app.config["PROPMGMT_HORIZON_DAYS"]), now=now,
                   checkpoint=lambda created: db.session.commit())
    db.session.commit()
    tz = district_tz()
    today = local_today(now)
    start = datetime.combine(today, datetime.min.time(), tzinfo=tz)
    # Operators of the crews with work in their day as /field shows it (today and tomorrow: late in the
    # evening, today's windows have all been), a few per crew, spread over all crews.
    busy = (select(Task.crew_id).where(Task.window_start >= start, Task.window_start < start + timedelta(days=2))
            .distinct().scalar_subquery())
    candidates = db.session.execute(select(User.id, User.username, User.crew_id).where(
        User.role == "operator", User.active, User.crew_id.in_(busy)).order_by(User.id)).all()
    by_crew: dict[int, list] = {}
    for row in candidates:
        by_crew.setdefault(row.crew_id, []).append(row)
    chosen = []
    while len(chosen) < operator_count and any(by_crew.values()):
        for crew_rows in by_crew.values():
            if crew_rows and len(chosen) < operator_count:
                chosen.append(crew_rows.pop(0))
    if not chosen:
        raise click.ClickException("No operator has work today or tomorrow in the load database.")
    official = db.session.scalar(select(User).where(User.role == "official", User.active).order_by(User.id).limit(1))
    if official is None:
        raise click.ClickException("No official in the load database.")
    password_hash = generate_password_hash(PASSWORD)  # production's hashing: sign-in costs what it costs
    db.session.execute(update(User).where(User.id.in_([r.id for r in chosen] + [official.id]))
                       .values(password_hash=password_hash))
    db.session.commit()
    # Open tasks of the two days /field shows, nearest first; a crew's unassigned ones dealt to its chosen
    # members. Only those two days: opening later ones too would crowd the horizon's two weeks into
    # today's page (473 tasks a page instead of the day's 60 or so).
    members: dict[int, list] = {}
    for row in chosen:
        members.setdefault(row.crew_id, []).append(row)
    checklists = dict(db.session.execute(select(ServiceStandard.id, ServiceStandard.checklist)).all())
    open_tasks = db.session.execute(
        select(Task.id, Task.crew_id, Task.assignee_id, Task.standard_id)
        .where(Task.window_start >= start, Task.window_start < start + timedelta(days=2), Task.status == "scheduled",
               or_(Task.assignee_id.in_([r.id for r in chosen]),
                   Task.assignee_id.is_(None) & Task.crew_id.in_(list(members))))
        .order_by(Task.window_start, Task.id)).all()
    if open_tasks:  # completing is refused before a window opens (plans.transitions): open them now
        # Half an hour ago, but not before today's local midnight: opened yesterday, they would leave
        # today's page (the load failed so in the first half hour of each day, 16:00-16:30 UTC).
        opened = max(now - timedelta(minutes=30), start)
        db.session.execute(update(Task), [
            {"id": task.id, "window_start": opened + timedelta(microseconds=i), "window_end": now + timedelta(hours=4)}
            for i, task in enumerate(open_tasks)])  # apart: one task per plan and window start
        db.session.commit()
    tasks: dict[str, list] = {r.username: [] for r in chosen}
    names = {r.id: r.username for r in chosen}
    dealt = {crew: 0 for crew in members}
    for task in open_tasks:
        if task.assignee_id is not None:
            owner = names[task.assignee_id]
        else:
            crew = members[task.crew_id]
            owner, dealt[task.crew_id] = crew[dealt[task.crew_id] % len(crew)].username, dealt[task.crew_id] + 1
        tasks[owner].append((task.id, list(checklists.get(task.standard_id) or [])))
    for items in tasks.values():
        items.reverse()  # sessions pop from the end: the nearest first
    codes = db.session.scalars(select(Compound.public_code).where(Compound.public_code.is_not(None))
                               .order_by(Compound.id)).all()
    return {
        "operators": [r.username for r in chosen], "official": official.username, "tasks_of": tasks,
        "completable": sum(len(items) for items in tasks.values()), "codes": list(codes), "today": today,
        "tasks": db.session.scalar(select(func.count(Task.id))),
        "today_tasks": db.session.scalar(select(func.count(Task.id)).where(
            Task.window_start >= start, Task.window_start < start + timedelta(days=1))),
    }


def _sign_in_all(port: int, data: dict, mix: dict) -> dict:
    """Every session signs in through the form before the clock starts (a few at a time)."""
    from concurrent.futures import ThreadPoolExecutor

    click.echo(f"Signing in {len(data['operators'])} operators and an official ...")
    with ThreadPoolExecutor(4) as pool:
        operators = list(pool.map(lambda name: sign_in("127.0.0.1", port, name, PASSWORD, operator=True),
                                  data["operators"]))
    for session in operators:
        session.tasks = data["tasks_of"][session.username]
    first = Stats([s.first_visit_ms for s in operators if s.first_visit_ms is not None])
    if first.latencies_ms:
        pages = sum(len(s.versions) - 1 for s in operators) / len(operators)  # less the report page
        click.echo(f"  their first visits (GET /field, then GET /field/pages for all {pages:.0f} task pages on "
                   f"average and the report page): GET /field/pages p50 {first.percentile(50):,.0f} ms, "
                   f"p95 {first.percentile(95):,.0f} ms, 4 at a time; the phases below are revisits")
    official = sign_in("127.0.0.1", port, data["official"], PASSWORD, operator=False) if OVERSIGHT in mix else None
    return {"operators": operators, "official": official}


def _plans(port, mix, users, processes, logins, data, warmup, duration) -> list[Plan]:
    """Operators dealt to the virtual users, the users dealt to the processes; one start time."""
    operators: list[Session] = logins["operators"]
    if operators and len(operators) < users:
        raise click.ClickException(f"--operators ({len(operators)}) must be at least --users ({users}).")
    per_user = split(operators, users) if operators else [[] for _ in range(users)]
    start_at = time.time() + 1.0
    return [Plan("127.0.0.1", port, mix, group, logins["official"], data["codes"], start_at, warmup, duration,
                 seed=n) for n, group in enumerate(split(per_user, processes))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with deploy/gunicorn.conf.py as `make serve` runs it, on `port` (0: a free one); stopped
    on exit. `name` names its log and metrics folder in `scratch`."""

    def __init__(self, wsgi_app: str, database_url: str, workers: int, scratch: Path, port: int = 0, *,
                 name: str):
        self.wsgi_app, self.port = wsgi_app, port or free_port()
        self.log = scratch / f"{name}.log"
        metrics = scratch / f"prometheus-{name}"
        metrics.mkdir()
        self.env = {**os.environ, "PROPMGMT_ENV": "production", "SECRET_KEY": SECRET_KEY,
                    "DATABASE_URL": database_url, "PROPMGMT_BIND": f"127.0.0.1:{self.port}",
                    "WEB_CONCURRENCY": str(workers), "PROPMGMT_UPLOAD_DIR": str(scratch / "uploads"),
                    "PROMETHEUS_MULTIPROC_DIR": str(metrics), "PROPMGMT_SCHEDULER_EXPECTED": "0"}
        self.process = None

    def __enter__(self) -> "Server":
        click.echo(f"Starting gunicorn {self.wsgi_app} on port {self.port} ...")
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", self.wsgi_app],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        path = "/healthz?check=database" if self.wsgi_app == "app:app" else "/"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as response:
                    if response.status == 200:
                        break
            except (OSError, urllib.error.URLError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise click.ClickException(f"gunicorn did not start:\n{self.tail()}")
            time.sleep(0.2)
        return self

    def __exit__(self, *_exc) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # graceful: workers finish their requests
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def app_times(self, start: float, end: float) -> dict[str, list[float]]:
        """Per endpoint label, the app's own milliseconds (its JSON request log) between two times."""
        import json

        labels = {"field.day": FIELD, "field.pages": PAGES, "field.complete": COMPLETE, "oversight.overview": OVERSIGHT,
                  "residents.compound_page": PUBLIC}
        times: dict[str, list[float]] = {}
        for line in self.log.read_text(errors="replace").splitlines():
            if not line.startswith("{") or '"ms"' not in line:
                continue
            try:
                entry = json.loads(line)
                at = datetime.fromisoformat(entry["ts"]).timestamp()
            except (ValueError, KeyError):
                continue
            label = labels.get(entry.get("endpoint"))
            if label and start <= at <= end and entry.get("status") == 200:
                times.setdefault(label, []).append(float(entry["ms"]))
        return times

    def workers_booted(self) -> int:
        """How many workers gunicorn started (its "Booting worker" lines)."""
        return sum("Booting worker" in line for line in self.log.read_text(errors="replace").splitlines())

    def errors(self) -> list[str]:
        """What the server's log reports as errors (the exceptions' last lines, gunicorn's [ERROR] and
        [CRITICAL] lines), each once with how often it came."""
        import json
        from collections import Counter

        seen: Counter = Counter()
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{") and '"level": "error"' in line:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                # the exception's own line: not SQLAlchemy's [SQL: ...] and (Background ...) notes
                lines = [part for part in (entry.get("error") or entry.get("message") or "error").splitlines()
                         if re.match(r"[\w.]+(Error|Exception|Shutdown)\b", part)] or ["error"]
                seen[(lines[-1] if lines else "error")[:240]] += 1
            elif "[ERROR]" in line or "[CRITICAL]" in line:
                seen[re.sub(r"/\d+", "/<n>", line.split("] ", 3)[-1])[:240]] += 1
        return [f"{count} x {text_}" for text_, count in seen.most_common()]


__all__ = ["bp", "load_command", "LoadError"]
