"""A soak run from start to end: a fresh database with the demo district, the receivers, gunicorn and
the schedulers on an accelerated clock, the tablets, the faults at random moments, then the count."""
import os
import random
import secrets
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as time_of
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, make_url, text
from werkzeug.security import generate_password_hash

from propmgmt.clock import AcceleratedClock

from . import checks
from .load import Crew, Tablet, Traffic, photo_bytes, run_tablet
from .options import SoakOptions
from .processes import BIN, ROOT, Processes, local_cluster, restart_postgresql
from .receivers import Receivers, free_port

TABLET_PASSWORD = "soak-tablet-1234"
DISTRICT_TZ = ZoneInfo("Asia/Shanghai")
HORIZON_DAYS = 14


class SoakError(RuntimeError):
    """The run could not be set up or its processes did not come up."""


@dataclass
class Faults:
    killed_schedulers: int = 0
    restarted_schedulers: int = 0
    killed_workers: int = 0
    respawned_workers: int = 0
    database_restarts: int = 0
    outages: list[tuple[float, float]] = field(default_factory=list)  # real (start, end) of each restart
    log: list[str] = field(default_factory=list)


@dataclass
class Result:
    figures: checks.Figures
    faults: Faults
    work_dir: Path

    @property
    def ok(self) -> bool:
        return not (self.figures.lost or self.figures.duplicate or self.figures.problems)


def _reset_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SoakError("The soak runs on PostgreSQL: give a postgresql+psycopg:// URL")
    name = parsed.database
    if not name or not name.replace("_", "").isalnum():
        raise SoakError(f"Unsuitable database name for a soak run: {name!r}")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def _flask(env: dict, *args: str) -> None:
    result = subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    if result.returncode:
        raise SoakError(f"flask {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


def _people(engine, crews: int, tablets_per_crew: int) -> dict[int, list[tuple[int, str]]]:
    """The soak's crews: their operators get a password for the tablets and email + webhook reminders,
    as does every dispatcher. Returns crew id -> [(user id, username)] of the tablets."""
    with engine.begin() as connection:
        crew_ids = [row[0] for row in connection.execute(text(
            "SELECT crew_id FROM crew_compound GROUP BY crew_id ORDER BY crew_id LIMIT :n"), {"n": crews})]
        connection.execute(text(
            "UPDATE \"user\" SET email = username || '@soak.invalid', notify_email = true, notify_webhook = true "
            "WHERE (role = 'operator' AND crew_id = ANY(:crews)) OR role = 'dispatcher'"), {"crews": crew_ids})
        connection.execute(text("UPDATE \"user\" SET password_hash = :hash WHERE crew_id = ANY(:crews)"),
                           {"hash": generate_password_hash(TABLET_PASSWORD), "crews": crew_ids})
        # The demo's group robots point at a closed port; without them every work-group message goes to
        # PROPMGMT_WEBHOOK_URL, the soak's receiver, which counts each row once.
        connection.execute(text("DELETE FROM robot"))
        tablets = {}
        for crew_id in crew_ids:
            tablets[crew_id] = [tuple(row) for row in connection.execute(text(
                "SELECT id, username FROM \"user\" WHERE crew_id = :crew AND active ORDER BY id LIMIT :n"),
                {"crew": crew_id, "n": tablets_per_crew})]
    return tablets


def _busy_periods(engine, day: date, start: datetime, speed: float, duration: float) -> list[tuple[float, float]]:
    """Real offsets into the run when service windows are open (tablets at work, reminders going out)."""
    with engine.connect() as connection:
        windows = {(w["start"], w["end"]) for (plan_windows,) in connection.execute(text(
            "SELECT windows FROM service_plan WHERE status = 'active'")) for w in plan_windows}

    def offset(clock: str) -> float:
        moment = datetime.combine(day, time_of.fromisoformat(clock), tzinfo=DISTRICT_TZ)
        return (moment - start).total_seconds() / speed

    periods = []
    for opens, closes in sorted(windows):
        low, high = max(offset(opens), 3.0), min(offset(closes), duration - 3.0)
        if high > low:
            periods.append((low, high))
    return periods or [(0.15 * duration, 0.85 * duration)]


def _moments(rng: random.Random, periods: list[tuple[float, float]], kinds: list[str]) -> list[tuple[float, str]]:
    """A random moment for each fault while the district is at work, at least 3 s apart when possible."""
    weights = [high - low for low, high in periods]
    for _ in range(1000):
        picked = []
        for kind in kinds:
            low, high = rng.choices(periods, weights=weights)[0]
            picked.append((rng.uniform(low, high), kind))
        picked.sort()
        if all(b[0] - a[0] >= 3 for a, b in zip(picked, picked[1:])):
            return picked
    return picked


def _wait_until_up(port: int, processes: Processes, timeout: float) -> None:
    import http.client
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz?check=database")
            if connection.getresponse().status == 200 and len(processes.worker_pids()) == processes.workers:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SoakError(f"gunicorn did not come up on port {port} within {timeout:.0f} s (see the logs)")


def _database_back(engine, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return time.time()
        except Exception:
            time.sleep(0.1)
    raise SoakError("PostgreSQL did not come back after its restart")


def _do_faults(plan, anchor: float, processes: Processes, engine, cluster, rng, faults: Faults,
               stop: threading.Event) -> None:
    for offset, kind in plan:
        if stop.wait(max(0.0, anchor + offset - time.time())):
            return
        if kind == "worker":
            pids = processes.worker_pids()
            if pids:
                victim = rng.choice(pids)
                processes.kill_worker(victim)
                faults.killed_workers += 1
                faults.log.append(f"{offset:6.1f} s  kill -9 gunicorn worker {victim}")
                time.sleep(1)
                if processes.wait_for_workers(30) and victim not in processes.worker_pids():
                    faults.respawned_workers += 1
        elif kind == "scheduler":
            index = rng.randrange(len(processes.schedulers))
            pid = processes.kill_scheduler(index)
            faults.killed_schedulers += 1
            faults.log.append(f"{offset:6.1f} s  kill -9 scheduler {index + 1} ({pid}); restarted 1 s later")
            time.sleep(1)
            processes.start_scheduler(index)
            faults.restarted_schedulers += 1
        elif kind == "database":
            down = time.time()
            result = restart_postgresql(cluster)
            back = _database_back(engine, 120)
            engine.dispose()
            faults.database_restarts += result.returncode == 0
            # A request that overlaps the restart, or the moment workers reconnect, may get a 503.
            faults.outages.append((down, back + 2))
            faults.log.append(f"{offset:6.1f} s  PostgreSQL restarted (pg_ctlcluster {' '.join(cluster)} restart: "
                              f"exit {result.returncode}), unreachable for {back - down:.1f} s")


def _drain(engine, clock: AcceleratedClock, until: float) -> int:
    """Waits until no email or webhook row is due and unsent; returns how many still are."""
    left = -1
    while time.time() < until:
        try:
            with engine.connect() as connection:
                left = connection.execute(text(
                    "SELECT count(*) FROM notification WHERE status <> 'sent' AND status <> 'parked' "
                    "AND next_attempt_at <= :now"), {"now": clock.now()}).scalar()
        except Exception:
            left = -1
        if left == 0:
            return 0
        time.sleep(0.5)
    return left


def run_soak(options: SoakOptions) -> Result:
    echo = options.echo
    seed = options.seed if options.seed is not None else secrets.randbelow(1_000_000)
    rng = random.Random(seed)
    work_dir = Path(options.work_dir or tempfile.mkdtemp(prefix="propmgmt-soak-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    cluster = local_cluster(options.database_url) if options.restart_database else None
    if options.restart_database and cluster is None:
        raise SoakError("Restarting PostgreSQL needs a local cluster (pg_lsclusters) serving the soak database; "
                        "use --no-restart-database otherwise")
    day = date.fromisoformat(options.day) if options.day else datetime.now(DISTRICT_TZ).date() + timedelta(days=1)
    start = datetime.combine(day, options.start, tzinfo=DISTRICT_TZ)
    end = datetime.combine(day, options.end, tzinfo=DISTRICT_TZ)
    duration = options.real_seconds(start, end)
    echo(f"Soak: {day} {options.start:%H:%M}-{options.end:%H:%M} simulated at {options.speed:g}x "
         f"({duration:.0f} s), {options.workers} workers, {options.schedulers} schedulers, seed {seed}; "
         f"logs in {work_dir}")

    _reset_database(options.database_url)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PROPMGMT_", "MAIL_")) and key not in ("TEST_DATABASE_URL", "DATABASE_URL")}
    env.update({"PROPMGMT_ENV": "production", "DATABASE_URL": options.database_url,
                "SECRET_KEY": secrets.token_hex(16), "PROPMGMT_UPLOAD_DIR": str(work_dir / "uploads"),
                "PROPMGMT_HORIZON_DAYS": str(HORIZON_DAYS)})
    _flask(env, "db", "upgrade")
    _flask(env, "seed-demo", "--scale", "district")
    engine = create_engine(options.database_url, pool_pre_ping=True)
    tablets_of = _people(engine, options.crews, options.tablets_per_crew)

    receivers = Receivers().start()
    port = free_port()
    clock = AcceleratedClock(start.astimezone(ZoneInfo("UTC")), time.time(), options.speed)
    env.update(receivers.environ(), **clock.environ(), PROPMGMT_CLOCK_SOAK="1",
               # A stopped sender's claims are retaken after 15 real seconds (README "Soak").
               PROPMGMT_NOTIFY_CLAIM_TIMEOUT_MINUTES="0.25", PROPMGMT_NOTIFY_TIMEOUT_SECONDS="5")
    processes = Processes(env, work_dir, options.workers, options.schedulers, port)
    faults, traffic, stop = Faults(), Traffic(), threading.Event()
    figures = checks.Figures()
    try:
        processes.start()
        _wait_until_up(port, processes, 90)
        kinds = (["worker"] * options.kill_worker + ["scheduler"] * options.kill_scheduler
                 + ["database"] * bool(cluster))
        plan = _moments(rng, _busy_periods(engine, day, start, options.speed, duration), kinds)
        give_up_at = [clock.anchor + duration + 60]
        photo = photo_bytes()
        threads = []
        for crew_id, people in tablets_of.items():
            crew = Crew(crew_id, engine, clock, options, traffic, random.Random(rng.random()))
            for user_id, username in people:
                tablet = Tablet(port, username, TABLET_PASSWORD, traffic)
                threads.append(threading.Thread(target=run_tablet, daemon=True,
                                                args=(crew, tablet, user_id, stop, give_up_at, photo)))
        faulter = threading.Thread(target=_do_faults, args=(plan, clock.anchor, processes, engine, cluster, rng,
                                                            faults, stop), daemon=True)
        for thread in threads + [faulter]:
            thread.start()
        time.sleep(max(0.0, clock.anchor + duration - time.time()))
        stop.set()
        faulter.join(timeout=180)
        for thread in threads:
            thread.join(timeout=max(1.0, give_up_at[0] - time.time() + 5))
        # Let the outbox empty, but not past the simulated midnight (the horizon would move on).
        midnight = datetime.combine(day, datetime.max.time(), tzinfo=DISTRICT_TZ) - timedelta(minutes=10)
        left = _drain(engine, clock, min(time.time() + 60, clock.anchor + options.real_seconds(start, midnight)))
        final_now = clock.now()
        codes = processes.stop()
        stopped_badly = {pid: code for pid, code in codes.items() if code not in (0, -15)}
        if stopped_badly:
            figures.problems.append(f"processes that did not stop cleanly: {stopped_badly}")
        if left:
            figures.problems.append(f"{left} outbox rows still due after the drain")
        wanted = {"worker": (faults.killed_workers, faults.respawned_workers),
                  "scheduler": (faults.killed_schedulers, faults.restarted_schedulers),
                  "database": (faults.database_restarts, faults.database_restarts)}
        missing = [kind for kind in kinds if wanted[kind] != (1, 1)]
        if missing:
            figures.problems.append(f"faults that did not happen as planned: {', '.join(missing)}")
    finally:
        stop.set()
        processes.stop()
        receivers.stop()

    with engine.connect() as connection:
        checks.check_tasks(connection, figures, first_day=day, last_day=day + timedelta(days=HORIZON_DAYS),
                           after=start)
        checks.check_reminders(connection, figures, receivers.receipts, now=final_now)
        checks.check_completions(connection, figures, traffic.records)
    checks.check_responses(figures, traffic.responses, faults.outages)
    engine.dispose()
    _report(echo, figures, faults, options, final_now)
    return Result(figures, faults, work_dir)


def _report(echo, figures: checks.Figures, faults: Faults, options: SoakOptions, final_now: datetime) -> None:
    echo("")
    for line in faults.log:
        echo(f"  {line}")
    echo("")
    width = max(len(label) for label, _ in figures.rows)
    for label, value in figures.rows:
        echo(f"  {label:<{width}}  {value}")
    for problem in figures.problems:
        echo(f"  !! {problem}")
    echo("")
    echo(f"Faults: {faults.killed_schedulers} scheduler killed (-9) and {faults.restarted_schedulers} restarted, "
         f"{faults.killed_workers} worker killed (-9) and {faults.respawned_workers} respawned by gunicorn, "
         f"PostgreSQL restarted {faults.database_restarts} time(s); simulated clock ended at "
         f"{final_now.astimezone(DISTRICT_TZ):%Y-%m-%d %H:%M} local.")
    echo(f"{figures.lost} lost, {figures.duplicate} duplicate")
