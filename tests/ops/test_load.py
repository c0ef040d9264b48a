"""`flask load` (make load) itself works: on a small database it builds, serves the app and the
hello-world under gunicorn, completes real tasks and prints its table with no failure.

On the suite's kind of database: a SQLite file, or (PostgreSQL pass) a scratch database
beside the suite's (tests/scratch.py), dropped afterwards.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ..scratch import scratch_database

pytestmark = pytest.mark.slow  # make test-fast leaves it out

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = ("GET /field", "POST /field/tasks/<id>/complete", "GET /oversight", "GET /r/<public_code>",
             "GET / (bare Flask)")


@pytest.fixture
def load_database_url(tmp_path):
    # `flask load` creates a missing PostgreSQL database itself.
    with scratch_database("ops_load", tmp_path, create=False) as url:
        yield url


@pytest.mark.timeout(120)
def test_load_prints_every_endpoint_without_failures(load_database_url, tmp_path):
    env = {**os.environ, "LOAD_DATABASE_URL": load_database_url,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}", "PROPMGMT_ENV": "development"}
    env.pop("TEST_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "load", "--scale", "district", "--history-days", "1",
         "--duration", "2", "--warmup", "0.5", "--hello-duration", "1", "--users", "3", "--processes", "1",
         "--workers", "2", "--operators", "3"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=110)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = {line.split("  ")[0].strip(): line for line in result.stdout.splitlines()}
    for endpoint in ENDPOINTS:
        assert endpoint in lines, result.stdout
        cells = re.split(r"\s{2,}", lines[endpoint].strip())
        requests, failures = int(cells[1].replace(",", "")), int(cells[6].replace(",", ""))
        assert requests > 0 and failures == 0, lines[endpoint]
