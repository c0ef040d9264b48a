"""The scheduler as it runs in production: a separate process, and two of them at once."""
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from propmgmt.assignments.services import Proposal, approve_assignment, propose_assignment
from propmgmt.extensions import db
from propmgmt.outbox.models import Notification
from propmgmt.plans.models import Task
from propmgmt.scheduler.jobs import run_job

from ..concurrency import wipe
from ..factories import (
    CompoundFactory,
    CrewFactory,
    FallbackOperatorFactory,
    ServiceStandardFactory,
    ServiceTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.slow  # make test-fast leaves it out

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "app"]


def test_scheduler_process_generates_tasks_and_stops_cleanly_on_sigterm(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'sched.sqlite3'}", "PROPMGMT_ENV": "development"}
    env.pop("TEST_DATABASE_URL", None)
    for args in (["db", "upgrade"], ["seed-demo", "--scale", "district"]):
        subprocess.run(FLASK + args, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    process = subprocess.Popen(FLASK + ["scheduler"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        tasks, deadline = 0, time.monotonic() + 60
        while time.monotonic() < deadline and tasks == 0:
            time.sleep(0.5)
            with sqlite3.connect(tmp_path / "sched.sqlite3") as connection:
                # The plans' tasks: the demo's residents' cases come with tasks of their own.
                tasks = connection.execute("SELECT count(*) FROM task WHERE plan_id IS NOT NULL").fetchone()[0]
        assert tasks > 0, "the scheduler created no task within a minute"
        time.sleep(1)  # let the first generation finish its batches
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "Scheduler stopped." in output and '"job": "generate", "status": "ok"' in output
    with sqlite3.connect(tmp_path / "sched.sqlite3") as connection:
        fallback = connection.execute("SELECT count(*) FROM compound WHERE management_mode='fallback'").fetchone()[0]
        covered = connection.execute("SELECT count(DISTINCT compound_id) FROM task WHERE plan_id IS NOT NULL"
                                     ).fetchone()[0]
    assert covered == fallback  # every compound under fallback has its tasks


@pytest.fixture
def small_district(app):
    """Three compounds in fallback, a crew of two operators, a dispatcher; committed for real."""
    start = datetime(2026, 11, 25, 0, 0, tzinfo=timezone.utc)
    with app.app_context():
        operator_org = FallbackOperatorFactory()
        types = [ServiceStandardFactory().service_type, ServiceStandardFactory(
            service_type=ServiceTypeFactory(code="garbage_sorting", name_zh="垃圾分类督导"),
            default_windows=[{"start": "07:00", "end": "08:30"}, {"start": "18:00", "end": "19:30"}]).service_type]
        official = UserFactory(role="official")
        crew = CrewFactory(organisation=operator_org)
        operators = [UserFactory(role="operator", crew=crew).id for _ in range(2)]
        UserFactory(role="dispatcher", organisation=operator_org)
        for _ in range(3):
            approve_assignment(official, propose_assignment(official, CompoundFactory(), Proposal(
                decision_no="文号", reason="", service_type_ids=[t.id for t in types], leader_id=official.id,
                start_date=date(2026, 11, 25), review_date=None, crew_id=crew.id), now=start), now=start,
                generate=False)  # the schedulers make every task here
        db.session.commit()
        db.session.remove()
    yield {"start": start, "operators": operators}
    wipe(app)


def test_two_schedulers_through_a_simulated_day(app, small_district, monkeypatch):
    """Both run every job every 15 simulated minutes: exactly the expected tasks, one reminder each."""
    monkeypatch.setitem(app.config, "PROPMGMT_HORIZON_DAYS", 1)
    moments = [small_district["start"] + timedelta(minutes=15 * i) for i in range(4 * 30)]
    errors = []

    def scheduler():
        for moment in moments:
            for job in ("generate", "mark_missed", "enqueue_reminders", "send_outbox"):
                if run_job(app, job, now=moment) is None:
                    errors.append((job, moment))

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    with app.app_context():
        # From 08:00 local on the 25th to 13:45 on the 26th, one day ahead: the 25th's three windows (none
        # had ended at 08:00), the 26th's three and, once it is the 26th, the 27th's three; per compound.
        tasks = db.session.scalars(select(Task)).all()
        assert len({(t.plan_id, t.window_start) for t in tasks}) == len(tasks) == 3 * 9
        due_soon = db.session.execute(select(Notification.subject_id, Notification.recipient_id, func.count())
                                      .where(Notification.kind == "due_soon", Notification.channel == "in_app")
                                      .group_by(Notification.subject_id, Notification.recipient_id)).all()
        started_in_range = [t for t in tasks if moments[0] < t.window_start <= moments[-1]]
        assert {(s, r) for s, r, _ in due_soon} == {(t.id, o) for t in started_in_range
                                                    for o in small_district["operators"]}
        assert {count for _, _, count in due_soon} == {1}
        missed = [t for t in tasks if t.window_end <= moments[-1]]
        assert missed and all(t.status == "missed" for t in missed)
        statuses = set(db.session.scalars(select(Notification.status).where(Notification.channel == "in_app")))
        assert statuses == {"sent"}
