"""The short soak (README "Soak"): gunicorn with two workers and two schedulers on PostgreSQL, on an
accelerated clock through a district morning, one scheduler and one worker killed with -9 at random
moments; nothing may be lost or duplicated. The database is not restarted here: other test runs share
the server. PostgreSQL only (the production setup); `make soak` is the full version.
"""
import os
from datetime import time

import pytest

from tools.soak.options import SoakOptions
from tools.soak.run import run_soak

from ..scratch import scratch_database

URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = [pytest.mark.soak, pytest.mark.slow,
              pytest.mark.skipif(not URL.startswith("postgresql"),
                                 reason="the soak runs the production setup, on PostgreSQL (the PostgreSQL pass)")]


@pytest.fixture
def soak_url(tmp_path):
    """A database of its own beside the suite's (test -> test_soak_run), dropped afterwards; the soak
    creates it."""
    with scratch_database("soak_run", tmp_path, create=False) as url:
        yield url


def test_a_morning_under_kills_loses_and_duplicates_nothing(tmp_path, soak_url):
    lines = []
    result = run_soak(SoakOptions(
        database_url=soak_url,
        start=time(5, 0), end=time(10, 0), speed=720, workers=2, schedulers=2, crews=2,
        restart_database=False, work_dir=str(tmp_path), echo=lines.append))
    output = "\n".join(lines)
    figures = dict(result.figures.rows)
    assert result.figures.problems == [], output
    assert lines[-1] == "0 lost, 0 duplicate", output
    assert (result.faults.killed_schedulers, result.faults.restarted_schedulers) == (1, 1), output
    assert (result.faults.killed_workers, result.faults.respawned_workers) == (1, 1), output
    # The morning happened: tasks for 15 days, reminders by email and webhook, completions from tablets.
    assert figures["tasks lost / duplicate / unexpected"] == "0 / 0 / 0"
    sent, received, twice = figures["email: rows sent / received / received twice or more"].split(" / ")
    # A scheduler killed between the mail server's acceptance and its commit sends that one message
    # again, with the same Message-ID (README "Soak", the exactly-once caveat): at most one per kill.
    assert int(sent.replace(",", "")) > 100 and sent == received
    assert int(twice) <= result.faults.killed_schedulers, output
    completions = figures["completions sent / acknowledged / refused"].split(" / ")
    assert int(completions[1]) >= 10 and completions[0] == completions[1], output
