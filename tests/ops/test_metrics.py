"""/metrics (admins or the metrics token) and /healthz's scheduler and outbox report."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from propmgmt.field.models import FieldSubmission
from propmgmt.field.services import apply_once
from propmgmt.outbox.models import Notification
from propmgmt.scheduler.records import record_run

from ..factories import UserFactory

TOKEN = "metrics-secret-token"


def sample(text: str, name: str, **labels) -> float | None:
    """The value of one sample in Prometheus text, or None."""
    for line in text.splitlines():
        match = re.match(r"^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(3) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(match.group(4))
    return None


@pytest.fixture
def token(app, monkeypatch):
    monkeypatch.setitem(app.config, "PROPMGMT_METRICS_TOKEN", TOKEN)
    return TOKEN


def _notify(user, status, channel="email", n=0):
    return Notification(subject_type="task", subject_id=1000 + n, kind="due_soon", channel=channel,
                        recipient_id=user.id, recipient_key=str(user.id), status=status, payload={})


def test_metrics_count_state_from_the_database(db, client, token):
    user = UserFactory(role="operator")
    db.session.add_all([_notify(user, "pending", n=1), _notify(user, "pending", n=2),
                        _notify(user, "parked", "webhook", n=3), _notify(user, "sent", n=4)])
    now = datetime.now(timezone.utc)
    record_run("generate", "run-1", ok=True, ms=12, counts={"plans": 3, "created": 40}, now=now)
    record_run("generate", "run-2", ok=True, ms=10, counts={"plans": 3, "created": 2}, now=now)
    record_run("send_outbox", "run-3", ok=False, ms=5, counts=None, now=now)
    db.session.commit()
    calls = []
    for _ in range(3):
        apply_once(user, "key-1", "start", lambda: (calls.append(1), (200, {"message": "ok"}, None))[1], now=now)
    db.session.commit()

    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    text = response.get_data(as_text=True)
    assert sample(text, "propmgmt_outbox_notifications", status="pending", channel="email") == 2
    assert sample(text, "propmgmt_outbox_parked") == 1
    assert sample(text, "propmgmt_outbox_notifications", status="sent") is None  # not a backlog
    assert sample(text, "propmgmt_scheduler_job_runs_total", job="generate") == 2
    assert sample(text, "propmgmt_scheduler_job_failures_total", job="send_outbox") == 1
    assert sample(text, "propmgmt_scheduler_job_items_total", job="generate", count="created") == 42
    assert sample(text, "propmgmt_tasks_generated_total") == 42
    assert sample(text, "propmgmt_field_submissions_total") == 1
    assert sample(text, "propmgmt_field_sync_replays_total") == 2
    assert db.session.get(FieldSubmission, "key-1").replays == 2 and len(calls) == 1


def test_metrics_time_requests_by_endpoint(db, client, login_as):
    login_as("admin")
    client.get("/healthz")
    text = client.get("/metrics").get_data(as_text=True)
    assert sample(text, "propmgmt_requests_total", endpoint="health.healthz", method="GET", status="200") >= 1
    assert sample(text, "propmgmt_request_duration_seconds_count", endpoint="health.healthz", method="GET") >= 1
    assert sample(text, "propmgmt_request_duration_seconds_bucket", endpoint="health.healthz", le="+Inf") >= 1


def test_metrics_refuse_a_wrong_token_and_other_roles(db, client, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "PROPMGMT_METRICS_TOKEN", "")
    unset = client.get("/metrics", headers={"Authorization": "Bearer anything"})
    assert unset.status_code == 401 and "No metrics token is configured" in unset.get_data(as_text=True)
    monkeypatch.setitem(app.config, "PROPMGMT_METRICS_TOKEN", TOKEN)
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401 and wrong.get_data(as_text=True) == "Wrong metrics token.\n"
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    basic = client.get("/metrics", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401 and "Bearer" in basic.get_data(as_text=True)
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login_as("official")
    assert client.get("/metrics").status_code == 403


def test_requests_carry_a_request_id(client):
    given = client.get("/healthz", headers={"X-Request-ID": "lb-1234"})
    assert given.headers["X-Request-ID"] == "lb-1234"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])


def test_healthz_reports_outbox_and_ignores_the_scheduler_when_none_is_expected(db, client):
    user = UserFactory(role="operator")
    db.session.add_all([_notify(user, "pending", n=1), _notify(user, "parked", n=2)])
    db.session.commit()
    body = client.get("/healthz").json
    assert body["status"] == "ok" and body["scheduler"]["status"] == "not_expected"
    assert body["outbox"]["pending"] == 1 and body["outbox"]["parked"] == 1 and body["outbox"]["backlog"] == 2


def test_healthz_is_503_when_an_expected_scheduler_has_not_run_lately(db, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SCHEDULER_EXPECTED", True)
    monkeypatch.setitem(app.config, "SCHEDULER_MAX_AGE_SECONDS", 300)
    never = client.get("/healthz")
    assert never.status_code == 503 and never.json["scheduler"]["status"] == "never_ran"
    assert client.get("/healthz?check=database").status_code == 200  # for load balancers

    record_run("send_outbox", "old", ok=True, ms=1, counts={}, now=datetime.now(timezone.utc) - timedelta(hours=1))
    db.session.commit()
    stale = client.get("/healthz")
    assert stale.status_code == 503 and stale.json["scheduler"]["status"] == "stale"
    assert stale.json["scheduler"]["seconds_since"] >= 3600

    record_run("mark_missed", "new", ok=True, ms=1, counts={}, now=datetime.now(timezone.utc))
    db.session.commit()
    fresh = client.get("/healthz")
    assert fresh.status_code == 200 and fresh.json["scheduler"]["status"] == "ok"
    assert set(fresh.json["scheduler"]["jobs"]) == {"send_outbox", "mark_missed"}


def test_a_failed_job_run_is_recorded_and_logged_as_one_json_line(db, app, monkeypatch, caplog):
    import json
    import logging

    from propmgmt.ops.logs import JsonFormatter
    from propmgmt.scheduler.jobs import JOBS, run_job
    from propmgmt.scheduler.models import SchedulerRun

    def boom(app, now):
        raise RuntimeError("SMTP server on fire")

    monkeypatch.setitem(JOBS, "boom", boom)
    # Alembic's logging set-up (the session's `upgrade()`) disables loggers that existed before it.
    monkeypatch.setattr(logging.getLogger("propmgmt.scheduler"), "disabled", False)
    with caplog.at_level(logging.INFO, logger="propmgmt.scheduler"):
        assert run_job(app, "boom") is None
        assert run_job(app, "mark_missed") == {"missed": 0}
    failed, ok = [JsonFormatter().format(record) for record in caplog.records]
    line = json.loads(failed)
    assert "\n" not in failed and line["job"] == "boom" and line["status"] == "failed"
    assert "SMTP server on fire" in line["error"] and len(line["run_id"]) == 16
    assert json.loads(ok)["status"] == "ok" and json.loads(ok)["missed"] == 0
    row = db.session.get(SchedulerRun, "boom")
    assert (row.runs, row.failures, row.last_ok_at, row.last_run_id) == (1, 1, None, line["run_id"])
    assert db.session.get(SchedulerRun, "mark_missed").last_ok_at is not None
