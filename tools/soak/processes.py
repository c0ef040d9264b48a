"""The production processes of a soak run and the faults done to them: gunicorn (its master
respawns a killed worker), the schedulers (restarted by the driver), PostgreSQL (restarted once)."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import make_url

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def children_of(pid: int) -> list[int]:
    """The live child processes of `pid` (from /proc, so it needs no extra package)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return sorted(found)


class Processes:
    """gunicorn with N workers and M schedulers, each writing its log under `work_dir`."""

    def __init__(self, env: dict, work_dir: Path, workers: int, schedulers: int, port: int):
        self.env = {**env, "PROPMGMT_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers)}
        self.work_dir = work_dir
        self.workers = workers
        self.port = port
        self.gunicorn: subprocess.Popen | None = None
        self.schedulers: list[subprocess.Popen | None] = [None] * schedulers
        self.started = {"gunicorn": 0, "scheduler": 0}

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.work_dir / f"{name}.log", "a")
        try:
            return subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        finally:
            log.close()

    def start(self) -> None:
        self.gunicorn = self._spawn("gunicorn", [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py",
                                                 "app:app"])
        self.started["gunicorn"] += 1
        for index in range(len(self.schedulers)):
            self.start_scheduler(index)

    def start_scheduler(self, index: int) -> None:
        self.schedulers[index] = self._spawn(f"scheduler{index + 1}",
                                             [str(BIN / "flask"), "--app", "app", "scheduler"])
        self.started["scheduler"] += 1

    def worker_pids(self) -> list[int]:
        return children_of(self.gunicorn.pid) if self.gunicorn else []

    def wait_for_workers(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.worker_pids()) == self.workers:
                return True
            time.sleep(0.2)
        return False

    def kill_scheduler(self, index: int) -> int:
        process = self.schedulers[index]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        return process.pid

    def kill_worker(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> dict:
        """SIGTERM to all (schedulers finish their running jobs); returns each exit code."""
        running = [p for p in [self.gunicorn, *self.schedulers] if p and p.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        codes = {}
        for process in running:
            try:
                codes[process.pid] = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[process.pid] = process.wait()
        return codes


def local_cluster(database_url: str) -> tuple[str, str] | None:
    """(version, name) of the local PostgreSQL cluster serving `database_url`, if there is one here."""
    url = make_url(database_url)
    if url.host not in ("127.0.0.1", "localhost", None):
        return None
    try:
        listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in listing.stdout.splitlines():
        version, name, port, status, *_ = line.split()
        if int(port) == (url.port or 5432) and status == "online":
            return version, name
    return None


def restart_postgresql(cluster: tuple[str, str]) -> subprocess.CompletedProcess:
    """Stops PostgreSQL (fast: open connections are cut) and starts it again."""
    return subprocess.run(["pg_ctlcluster", "--mode", "fast", *cluster, "restart"], capture_output=True,
                          text=True, timeout=120)
