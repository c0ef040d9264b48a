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
    PUBLIC,
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
    return f"{scale} seed, {history_days} days of history before the build day, former plans, load v1"


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
@click.option("--duration", type=click.FloatRange(1), default=60, show_default=True,
              help="Seconds measured (after the warm-up).")
@click.option("--warmup", type=click.FloatRange(0), default=10, show_default=True,
              help="Seconds of load before measuring starts (not counted).")
@click.option("--hello-duration", type=click.FloatRange(1), default=None,
              help="Seconds measured against the hello-world [default: a third of --duration, at least 3].")
@click.option("--users", type=click.IntRange(1), default=8, show_default=True,
              help="Concurrent virtual users (each sends its next request when the last one is answered).")
@click.option("--workers", type=click.IntRange(1), default=4, show_default=True,
              help="gunicorn workers (WEB_CONCURRENCY), for the app and the hello-world alike.")
@click.option("--processes", type=click.IntRange(1), default=2, show_default=True,
              help="Load generator processes the virtual users are spread over.")
@click.option("--operators", type=click.IntRange(1), default=100, show_default=True,
              help="Operators signed in (their day pages and tasks are spread over the users).")
@click.option("--mix", "mix_text", default=DEFAULT_MIX, show_default=True, help="Weights of the requests.")
@click.option("--scale", type=click.Choice(["city", "district"]), default="city", show_default=True)
@click.option("--history-days", type=click.IntRange(0), default=HISTORY_DAYS, show_default=True)
@click.option("--rebuild", is_flag=True, help="Build the load database again even if a recent one exists.")
@click.option("--server-log", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Keep the app server's log (gunicorn and the app's JSON request lines) in this file.")
def load_command(duration, warmup, hello_duration, users, workers, processes, operators, mix_text, scale,
                 history_days, rebuild, server_log):
    """Throughput and p50/p95/p99 per endpoint of the production server under a realistic mix.

    The database is LOAD_DATABASE_URL, else instance/load.sqlite3; never the application's own.
    """
    from propmgmt import create_app

    mix = parse_mix(mix_text)
    processes = min(processes, users)
    hello_duration = hello_duration or max(3.0, duration / 3)
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
    click.echo(f"Server: gunicorn, {workers} sync workers (deploy/gunicorn.conf.py, PROPMGMT_ENV=production); "
               f"{users} virtual users in {processes} processes, no think time; "
               f"{warmup:g} s warm-up, {duration:g} s measured; {os.cpu_count()} CPUs shared by all of it "
               f"(load average {os.getloadavg()[0]:.1f} before starting)")
    click.echo("Mix: " + ", ".join(f"{label} {weight}" for label, weight in mix.items()))

    with tempfile.TemporaryDirectory(prefix="propmgmt-load-") as scratch:
        with Server("app:app", url, workers, Path(scratch)) as server:
            logins = _sign_in_all(server.port, data, mix)
            plans = _plans(server.port, mix, users, processes, logins, data, warmup, duration)
            stats = run_processes(plans)
            server_errors = server.errors()
            measured_from = plans[0].start_at + warmup
            app_ms = server.app_times(measured_from, measured_from + duration)
        if server_log:
            shutil.copyfile(server.log, server_log)
        with Server("tools.bench.hello:app", url, workers, Path(scratch)) as hello:
            ceiling = run_processes(_plans(hello.port, {HELLO: 1}, users, processes,
                                           {"operators": [], "official": None}, data, min(warmup, 3.0),
                                           hello_duration))
    rows = [(label, stats[label]) for label in ENDPOINTS if label in stats]
    app_ms["all"] = [ms for label in ENDPOINTS for ms in app_ms.get(label, [])]
    lines = table(rows + [("all", total(stats)), None], duration, app_ms)
    lines += table([(HELLO, ceiling.get(HELLO, Stats()))], hello_duration)[2:]
    click.echo()
    for line in lines:
        click.echo(line)
    failures = {label: s.samples for label, s in {**stats, **ceiling}.items() if s.failures}
    for label, samples in failures.items():
        click.echo(f"\nFailures of {label}, for example:")
        for sample in samples:
            click.echo(f"  {sample}")
    if server_errors:
        click.echo("\nThe server logged errors:")
        for line in server_errors[:10]:
            click.echo(f"  {line}")
    click.echo(f"\nLatency is measured by the client (sign-in excluded); req/s over the {duration:g} s measured "
               f"({hello_duration:g} s for the hello-world); app p50/p95: the app's own time per request, from its "
               "request log (the rest is waiting for a free worker, gunicorn and the network). The generator "
               "shares the CPUs with the server: figures are noisy on a busy machine.")
    if failures:
        sys.exit(1)


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
    # Open tasks from today on, nearest first; a crew's unassigned ones dealt to its chosen members.
    members: dict[int, list] = {}
    for row in chosen:
        members.setdefault(row.crew_id, []).append(row)
    checklists = dict(db.session.execute(select(ServiceStandard.id, ServiceStandard.checklist)).all())
    open_tasks = db.session.execute(
        select(Task.id, Task.crew_id, Task.assignee_id, Task.standard_id)
        .where(Task.window_start >= start, Task.status == "scheduled",
               or_(Task.assignee_id.in_([r.id for r in chosen]),
                   Task.assignee_id.is_(None) & Task.crew_id.in_(list(members))))
        .order_by(Task.window_start, Task.id)).all()
    if open_tasks:  # completing is refused before a window opens (plans.transitions): open them now
        opened = now - timedelta(minutes=30)
        db.session.execute(update(Task), [
            {"id": task.id, "window_start": opened - timedelta(seconds=i), "window_end": now + timedelta(hours=4)}
            for i, task in enumerate(open_tasks)])  # a second apart: one task per plan and window start
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
    """gunicorn with deploy/gunicorn.conf.py as `make serve` runs it, on a free port; stopped on exit."""

    def __init__(self, wsgi_app: str, database_url: str, workers: int, scratch: Path):
        self.wsgi_app, self.port = wsgi_app, free_port()
        name = wsgi_app.split(":")[0].rsplit(".", 1)[-1]
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

        labels = {"field.day": FIELD, "field.complete": COMPLETE, "oversight.overview": OVERSIGHT,
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
