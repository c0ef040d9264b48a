"""The sender against real parties: an SMTP server, a webhook receiver, a port where nothing listens.

The sender commits; inside the `db` fixture those commits only release savepoints.
"""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from propmgmt.extensions import db as _db
from propmgmt.outbox.models import Notification
from propmgmt.outbox.services import notify_users
from propmgmt.reminders.sender import send_due_notifications
from propmgmt.reminders.services import requeue_notification

from ..factories import UserFactory

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)  # 10:00 in Yangquan
PAYLOAD = {"compound": "育英小区", "service": "保洁", "window_start": "2026-11-25T01:30:00+00:00",
           "window_end": "2026-11-25T03:00:00+00:00"}


def _notify(users, *, kind="overdue", subject_id=1, due_at=NOW):
    notify_users(users, kind=kind, subject_type="task", subject_id=subject_id, payload=PAYLOAD, due_at=due_at,
                 now=NOW)
    _db.session.commit()


def _rows(db, **where):
    db.session.expire_all()
    return db.session.scalars(select(Notification).filter_by(**where).order_by(Notification.id)).all()


def test_in_app_rows_appear_when_due(db):
    user = UserFactory()
    _notify([user], subject_id=1)
    _notify([user], subject_id=2, due_at=NOW + timedelta(hours=1))
    assert send_due_notifications(NOW) == {"sent": 1, "failed": 0, "parked": 0, "recovered": 0}
    assert [(r.subject_id, r.status, r.sent_at) for r in _rows(db)] == [(1, "sent", NOW), (2, "pending", None)]
    assert send_due_notifications(NOW)["sent"] == 0  # nothing is sent twice
    assert send_due_notifications(NOW + timedelta(hours=1))["sent"] == 1


def test_email_reaches_the_smtp_server(db, smtp_server):
    user = UserFactory(email="li@example.cn", notify_email=True, display_name="李师傅")
    _notify([user])
    assert send_due_notifications(NOW)["sent"] == 2
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["li@example.cn"]
    assert message["From"] == "reminders@propmgmt.test"
    assert message["Subject"] == "未开始：育英小区 保洁"
    assert "2026-11-25 09:30–11:00" in message.get_content()
    email_row = _rows(db, channel="email")[0]
    assert (email_row.status, email_row.attempts, email_row.claim_token) == ("sent", 0, None)
    # Stable per outbox row: a message sent again after an interrupted attempt is recognisably the same.
    assert message["Message-ID"] == f"<notification-{email_row.id}@propmgmt.test>"


def test_email_in_the_readers_language(db, smtp_server):
    user = UserFactory(email="li@example.cn", notify_email=True, locale="en")
    _notify([user])
    send_due_notifications(NOW)
    assert smtp_server.messages[0][1]["Subject"] == "Not started: 保洁 at 育英小区"


def test_smtp_down_retries_with_backoff_then_parks(db, app, smtp_down):
    user = UserFactory(email="li@example.cn", notify_email=True)
    _notify([user])
    moment, waits = NOW, []
    for attempt in range(1, 6):
        counts = send_due_notifications(moment)
        assert counts["failed" if attempt < 5 else "parked"] == 1
        row = _rows(db, channel="email")[0]
        assert row.attempts == attempt and "127.0.0.1" in row.last_error
        assert send_due_notifications(moment)["failed"] == 0  # not due again until the backoff passed
        waits.append(row.next_attempt_at - moment)
        moment = row.next_attempt_at
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert row.status == "parked"
    assert send_due_notifications(moment + timedelta(days=1))["failed"] == 0  # parked rows wait for an admin
    assert _rows(db, channel="in_app")[0].status == "sent"  # the centre was not held up


def test_parked_email_is_sent_after_a_requeue(db, app, smtp_server, closed_port, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_MAX_ATTEMPTS", 1)
    user = UserFactory(email="li@example.cn", notify_email=True)
    _notify([user])
    working_port = app.config["MAIL_PORT"]
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port)  # the mail server is down for a while ...
    assert send_due_notifications(NOW)["parked"] == 1
    monkeypatch.setitem(app.config, "MAIL_PORT", working_port)  # ... is fixed, and an admin sends again
    requeue_notification(UserFactory(role="admin"), _rows(db, channel="email")[0].id, now=NOW)
    assert send_due_notifications(NOW)["sent"] == 1
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize("fmt", ["json", "wecom", "dingtalk"])
def test_webhook_bodies(db, app, webhook_server, monkeypatch, fmt):
    monkeypatch.setitem(app.config, "PROPMGMT_WEBHOOK_FORMAT", fmt)
    user = UserFactory(notify_webhook=True, display_name="赵调度", phone="13800000000")
    _notify([user])
    assert send_due_notifications(NOW)["sent"] == 2
    [request] = webhook_server.requests
    assert request["path"] == "/robot/send?key=k" and request["content_type"].startswith("application/json")
    webhook_row = _rows(db, channel="webhook")[0]
    assert request["idempotency_key"] == f"notification-{webhook_row.id}"  # the same on a second attempt
    body = request["json"]
    if fmt == "json":
        assert body["kind"] == "overdue" and body["title"] == "未开始：育英小区 保洁"
        assert body["recipient"] == {"user_id": user.id, "name": "赵调度"} and body["payload"] == PAYLOAD
    else:
        assert body["msgtype"] == "text"
        content = body["text"]["content"]
        assert content.startswith("未开始：育英小区 保洁\n") and "@赵调度" not in content
        mobiles = body["text"]["mentioned_mobile_list"] if fmt == "wecom" else body["at"]["atMobiles"]
        assert mobiles == ["13800000000"]
        # WeCom shows the mention itself; DingTalk needs "@<mobile>" in the text.
        assert ("@13800000000" in body["text"]["content"]) == (fmt == "dingtalk")


def test_a_robot_refusing_or_a_server_error_is_a_failure(db, app, webhook_server, monkeypatch):
    monkeypatch.setitem(app.config, "PROPMGMT_WEBHOOK_FORMAT", "wecom")
    webhook_server.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    user = UserFactory(notify_webhook=True)
    _notify([user])
    assert send_due_notifications(NOW)["failed"] == 1
    assert "93000" in _rows(db, channel="webhook")[0].last_error
    webhook_server.status, webhook_server.answer = 500, {}
    assert send_due_notifications(NOW + timedelta(minutes=1))["failed"] == 1
    assert "HTTP 500" in _rows(db, channel="webhook")[0].last_error
    webhook_server.status, webhook_server.answer = 200, {"errcode": 0}
    assert send_due_notifications(NOW + timedelta(minutes=3))["sent"] == 1
    assert len(webhook_server.requests) == 3


def test_quiet_hours_hold_the_email(db, smtp_server):
    from datetime import time
    user = UserFactory(email="li@example.cn", notify_email=True, quiet_start=time(22), quiet_end=time(7))
    late = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)  # 23:00 local
    _notify([user], due_at=late)
    assert send_due_notifications(late)["sent"] == 1  # the centre only
    assert send_due_notifications(datetime(2026, 11, 25, 22, 59, tzinfo=timezone.utc))["sent"] == 0
    assert send_due_notifications(datetime(2026, 11, 25, 23, 0, tzinfo=timezone.utc))["sent"] == 1
    assert len(smtp_server.messages) == 1


def test_a_stopped_senders_claim_is_taken_over(db, app, smtp_server):
    user = UserFactory(email="li@example.cn", notify_email=True)
    _notify([user])
    row = _rows(db, channel="email")[0]
    row.status, row.claim_token, row.claimed_at = "sending", "crashed", NOW - timedelta(minutes=30)
    db.session.commit()
    counts = send_due_notifications(NOW)
    assert counts["recovered"] == 1 and counts["sent"] == 2
    row = _rows(db, channel="email")[0]
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")  # the interruption counted as a try
    assert len(smtp_server.messages) == 1


def test_a_recent_claim_is_left_alone(db, smtp_server):
    user = UserFactory(email="li@example.cn", notify_email=True)
    _notify([user])
    row = _rows(db, channel="email")[0]
    row.status, row.claim_token, row.claimed_at = "sending", "busy", NOW - timedelta(minutes=1)
    db.session.commit()
    assert send_due_notifications(NOW) == {"sent": 1, "failed": 0, "parked": 0, "recovered": 0}
    assert smtp_server.messages == []


def test_batches_until_the_outbox_is_empty(db):
    users = [UserFactory() for _ in range(7)]
    _notify(users)
    assert send_due_notifications(NOW, batch_size=3)["sent"] == 7


def test_a_claim_takes_at_most_one_batch(db):
    from propmgmt.reminders.sender import _claim
    users = [UserFactory() for _ in range(7)]
    _notify(users)
    assert len(_claim(NOW, 3, "one")) == 3
    assert len(_claim(NOW, 3, "two")) == 3
    assert [r.claim_token for r in _rows(db)].count(None) == 1


def test_a_message_that_cannot_be_built_fails_alone(db, smtp_server):
    """An address the email library cannot encode parks its own row with the reason; the next
    person's email goes out in the same run (it used to fail the whole job)."""
    first = UserFactory(email="wang@[10.0.0.1", notify_email=True)  # passes the settings form's check
    second = UserFactory(email="li@example.cn", notify_email=True)
    _notify([first], subject_id=1)
    _notify([second], subject_id=2)
    counts = send_due_notifications(NOW)
    assert counts["parked"] == 1 and [r for r, _ in smtp_server.messages] == [["li@example.cn"]]
    [broken] = _rows(db, channel="email", subject_id=1)
    assert broken.status == "parked" and "could not be built" in broken.last_error


def test_a_line_break_in_a_name_cannot_reach_an_email_header(db, smtp_server):
    """A 12345 compound name with CR/LF in it goes into the subject as one line, and the email is sent."""
    user = UserFactory(email="li@example.cn", notify_email=True)
    notify_users([user], kind="overdue", subject_type="task", subject_id=1, due_at=NOW, now=NOW,
                 payload={**PAYLOAD, "compound": "育英小区\r\nBcc: victim@example.cn"})
    assert send_due_notifications(NOW)["sent"] == 2
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["li@example.cn"] and "\n" not in message["Subject"] and message["Bcc"] is None
