"""The accelerated clock of soak runs: every process computes the same simulated now; production refuses it."""
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from propmgmt.clock import AcceleratedClock, accelerated_clock_from

ROOT = Path(__file__).resolve().parents[1]


def test_no_setting_means_the_real_clock():
    assert accelerated_clock_from({}) is None


def test_simulated_now_runs_speed_times_faster_from_the_anchor():
    clock = accelerated_clock_from({"PROPMGMT_CLOCK_START": "2026-12-01T00:05:00+08:00",
                                    "PROPMGMT_CLOCK_ANCHOR": "1000", "PROPMGMT_CLOCK_SPEED": "360"})
    assert clock.start == datetime(2026, 11, 30, 16, 5, tzinfo=timezone.utc)
    assert clock.at(1000) == clock.start
    assert clock.at(1010) == clock.start + timedelta(hours=1)
    assert accelerated_clock_from(clock.environ()) == clock


@pytest.mark.parametrize("environ, message", [
    ({"PROPMGMT_CLOCK_START": "2026-12-01T00:05:00+08:00"}, "needs all of"),
    ({"PROPMGMT_CLOCK_START": "2026-12-01T00:05:00", "PROPMGMT_CLOCK_ANCHOR": "1",
      "PROPMGMT_CLOCK_SPEED": "2"}, "UTC offset"),
    ({"PROPMGMT_CLOCK_START": "2026-12-01T00:05:00Z", "PROPMGMT_CLOCK_ANCHOR": "1",
      "PROPMGMT_CLOCK_SPEED": "0"}, "above 0"),
])
def test_a_half_or_wrong_setting_is_refused(environ, message):
    with pytest.raises(RuntimeError, match=message):
        accelerated_clock_from(environ)


def _python(env: dict, code: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, **env}
    for name in ("TEST_DATABASE_URL", "PROPMGMT_ENV"):
        environ.pop(name, None)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**environ, **env},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_every_process_shares_the_clock_and_production_refuses_it_outside_a_soak(tmp_path):
    clock = AcceleratedClock(datetime(2026, 12, 1, tzinfo=timezone.utc), 1_000_000_000.0, 2.0)
    env = {**clock.environ(), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "k"}
    code = ("import app; from propmgmt.clock import utcnow, clock_speed; "
            "from propmgmt.scheduler.cli import intervals; print(utcnow().year, clock_speed(), intervals())")
    result = _python(env, code)
    assert result.returncode == 0, result.stderr
    year, speed, *_ = result.stdout.split(" ", 2)
    assert int(year) >= 2058 and speed == "2.0"  # 2026 plus twice the real time since 2001
    assert "'send_outbox': 7.5" in result.stdout and "'generate': 300.0" in result.stdout
    assert "'render_report_pdf': 600" in result.stdout  # real time: warming the PDF is about an official's click
    refused = _python({**env, "PROPMGMT_ENV": "production"}, code)
    assert refused.returncode != 0 and "for soak runs only" in refused.stderr
    allowed = _python({**env, "PROPMGMT_ENV": "production", "PROPMGMT_CLOCK_SOAK": "1"}, code)
    assert allowed.returncode == 0, allowed.stderr
