"""`make serve` as production runs it: gunicorn with several workers and two schedulers under honcho.

On the suite's kind of database: a SQLite file, or (PostgreSQL pass) a scratch database
beside the suite's (tests/scratch.py), dropped afterwards.
"""
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import make_url

from ..scratch import scratch_database
from .test_metrics import sample

pytestmark = pytest.mark.slow  # make test-fast leaves it out

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "serve-test-token"


@pytest.fixture
def database_url(tmp_path):
    with scratch_database("ops_serve", tmp_path) as url:
        yield url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def serve_env(database_url: str, tmp_path: Path, port: int, **extra) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "serve-test-secret",
           "PROPMGMT_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "3", "PROPMGMT_METRICS_TOKEN": TOKEN,
           "PROPMGMT_UPLOAD_DIR": str(tmp_path / "uploads"), "METRICS_DIR": str(tmp_path / "prometheus"),
           "PROPMGMT_SCHEDULER_MAX_AGE_SECONDS": "120", **extra}
    for name in ("TEST_DATABASE_URL", "PROPMGMT_ENV", "MAKEFLAGS", "MFLAGS"):
        env.pop(name, None)
    return env


def test_make_serve_refuses_without_secret_key(tmp_path):
    env = serve_env("sqlite:///x", tmp_path, 1)
    env.pop("SECRET_KEY")
    result = subprocess.run(["make", "-s", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "set SECRET_KEY and DATABASE_URL" in result.stdout


def test_make_serve_runs_workers_and_two_schedulers(tmp_path, database_url):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        process = subprocess.Popen(["make", "-s", "serve"], cwd=ROOT, env=serve_env(database_url, tmp_path, port),
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    healthz_calls = 0
    try:
        status, body, deadline = None, {}, time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                code, _, raw = get(f"{base}/healthz")
                healthz_calls += 1
                status, body = code, json.loads(raw)
                if code == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.5)
        output = log.read_text()
        assert status == 200, output[-3000:]
        # Production expects a scheduler: healthy means one has run; the outbox is reported too.
        assert body["scheduler"]["expected"] and body["scheduler"]["status"] == "ok"
        assert body["outbox"]["backlog"] == 0
        assert body["database"]["dialect"] == make_url(database_url).get_backend_name()

        def healthz_total(text_):
            return sample(text_, "propmgmt_requests_total", endpoint="health.healthz", status="200") \
                + (sample(text_, "propmgmt_requests_total", endpoint="health.healthz", status="503") or 0)

        # The start-up polls are counted by the server even when this client gave up waiting on one
        # (a busy machine), so the count is compared from here on.
        before = healthz_total(get(f"{base}/metrics", {"Authorization": f"Bearer {TOKEN}"})[2])
        assert before >= healthz_calls
        for i in range(20):
            code, headers, _ = get(f"{base}/healthz?check=database", {"X-Request-ID": f"serve-test-{i}"})
            assert code == 200 and headers["X-Request-ID"] == f"serve-test-{i}"
        # Both schedulers have sent the outbox at least once: healthy needed only one, and on an idle machine
        # the test reaches here before the second one's first run.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (sample(get(f"{base}/metrics", {"Authorization": f"Bearer {TOKEN}"})[2],
                                                      "propmgmt_scheduler_job_runs_total", job="send_outbox") or 0) < 2:
            time.sleep(0.5)
        # Whichever worker answers, /metrics sums the requests of all three (PROMETHEUS_MULTIPROC_DIR).
        seen = set()
        for _ in range(6):
            code, _, text_ = get(f"{base}/metrics", {"Authorization": f"Bearer {TOKEN}"})
            assert code == 200
            seen.add(healthz_total(text_))
            assert sample(text_, "propmgmt_scheduler_job_runs_total", job="send_outbox") >= 2  # both schedulers
        assert seen == {before + 20}
        code, _, message = get(f"{base}/metrics", {"Authorization": "Bearer wrong"})
        assert code == 401 and message == "Wrong metrics token.\n"

        code, headers, _ = get(f"{base}/login")
        assert code == 200 and "Secure" in headers["Set-Cookie"] and "Strict-Transport-Security" in headers

        output = log.read_text()
        assert len(set(re.findall(r"Booting worker with pid: (\d+)", output))) == 3
        assert output.count("Scheduler running") == 2
        lines = [json.loads(line.split("| ", 1)[1]) for line in output.splitlines()
                 if '"logger": "propmgmt.request"' in line]
        logged = next(line for line in lines if line["request_id"] == "serve-test-7")
        assert logged["path"] == "/healthz" and logged["status"] == 200 and logged["method"] == "GET"
        assert "ms" in logged and "user_id" in logged
        job_lines = [line for line in output.splitlines() if '"logger": "propmgmt.scheduler"' in line]
        assert job_lines and all('"run_id": "' in line for line in job_lines)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        finally:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
