"""Writing the outbox: fan-out by each user's choices, quiet hours, once only; preferences."""
from datetime import datetime, time, timezone

import pytest
from sqlalchemy import func, select

from propmgmt.errors import Conflict, DomainError, NotFound
from propmgmt.outbox.models import Notification
from propmgmt.outbox.services import after_quiet_hours, notification_rows, notify_users
from propmgmt.reminders.services import mark_all_read, mark_read, requeue_notification, update_preferences

from ..factories import UserFactory

# 10:00 in Yangquan; 23:30 local is 15:30 UTC.
MORNING = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
LATE_EVENING = datetime(2026, 11, 25, 15, 30, tzinfo=timezone.utc)


def _rows(users, due_at=MORNING, **kw):
    return notification_rows(users, kind="overdue", subject_type="task", subject_id=7,
                             payload={"compound": "育英小区"}, due_at=due_at, now=MORNING, **kw)


def _count(db, *where):
    return db.session.scalar(select(func.count(Notification.id)).where(*where))


def test_in_app_always_email_and_webhook_by_choice(db, app, monkeypatch):
    monkeypatch.setitem(app.config, "PROPMGMT_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    quiet = UserFactory(role="operator")
    mail = UserFactory(role="operator", email="li@example.cn", notify_email=True)
    both = UserFactory(role="dispatcher", email="zhao@example.cn", notify_email=True, notify_webhook=True)
    no_address = UserFactory(role="operator", email="", notify_email=True)
    rows = _rows([quiet, mail, both, no_address])
    assert sorted((r["recipient_id"], r["channel"], r["recipient_key"]) for r in rows) == sorted([
        (quiet.id, "in_app", f"user:{quiet.id}"),
        (mail.id, "in_app", f"user:{mail.id}"), (mail.id, "email", "li@example.cn"),
        (both.id, "in_app", f"user:{both.id}"), (both.id, "email", "zhao@example.cn"),
        (both.id, "webhook", f"webhook:user:{both.id}"),
        (no_address.id, "in_app", f"user:{no_address.id}"),
    ])
    assert {r["status"] for r in rows} == {"pending"} and {r["next_attempt_at"] for r in rows} == {MORNING}


def test_no_webhook_rows_without_a_configured_webhook(db, app):
    assert app.config["PROPMGMT_WEBHOOK_URL"] == ""
    user = UserFactory(notify_webhook=True)
    assert [r["channel"] for r in _rows([user])] == ["in_app"]


def test_duplicates_and_inactive_users_are_left_out(db):
    user = UserFactory()
    gone = UserFactory(active=False)
    assert [r["recipient_id"] for r in _rows([user, user, gone, None])] == [user.id]


@pytest.mark.parametrize("start, end, due, expected", [
    (time(22), time(7), LATE_EVENING, datetime(2026, 11, 25, 23, 0, tzinfo=timezone.utc)),  # 07:00 next day
    (time(22), time(7), datetime(2026, 11, 25, 19, 0, tzinfo=timezone.utc),  # 03:00 local: same day 07:00
     datetime(2026, 11, 25, 23, 0, tzinfo=timezone.utc)),
    (time(22), time(7), MORNING, MORNING),  # 10:00 is not quiet
    (time(12), time(14), datetime(2026, 11, 25, 4, 30, tzinfo=timezone.utc),  # 12:30 local -> 14:00
     datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)),
    (time(12), time(14), datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc),  # 14:00 sharp is over
     datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)),
    (None, None, LATE_EVENING, LATE_EVENING),
])
def test_quiet_hours_in_local_time(db, start, end, due, expected):
    user = UserFactory(quiet_start=start, quiet_end=end)
    assert after_quiet_hours(user, due) == expected


def test_quiet_hours_hold_email_and_webhook_but_not_the_centre(db, app, monkeypatch):
    monkeypatch.setitem(app.config, "PROPMGMT_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    user = UserFactory(email="li@example.cn", notify_email=True, notify_webhook=True,
                       quiet_start=time(22), quiet_end=time(7))
    at = {r["channel"]: r["next_attempt_at"] for r in _rows([user], due_at=LATE_EVENING)}
    seven_next_morning = datetime(2026, 11, 25, 23, 0, tzinfo=timezone.utc)
    assert at == {"in_app": LATE_EVENING, "email": seven_next_morning, "webhook": seven_next_morning}


def test_notifying_twice_writes_once(db):
    user = UserFactory(email="li@example.cn", notify_email=True)
    for _ in range(2):
        notify_users([user], kind="assigned", subject_type="assignment", subject_id=3,
                     payload={"compound": "育英小区"}, due_at=MORNING, now=MORNING)
    assert _count(db, Notification.recipient_id == user.id) == 2  # in-app and email, once each
    notify_users([user], kind="review_due", subject_type="assignment", subject_id=3, payload={},
                 due_at=MORNING, now=MORNING, channel="in_app")
    assert _count(db, Notification.kind == "review_due") == 1


def _sent_in_app(user, **fields):
    values = dict(subject_type="task", subject_id=1, kind="overdue", channel="in_app", recipient_id=user.id,
                  recipient_key=f"user:{user.id}", payload={}, status="sent", sent_at=MORNING)
    return Notification(**(values | fields))


def test_mark_read_only_own_rows(db):
    me, other = UserFactory(), UserFactory()
    mine, theirs = _sent_in_app(me), _sent_in_app(other)
    db.session.add_all([mine, theirs])
    db.session.flush()
    with pytest.raises(NotFound):
        mark_read(me, theirs.id, now=MORNING)
    mark_read(me, mine.id, now=MORNING)
    mark_read(me, mine.id, now=LATE_EVENING)  # a second click keeps the first time
    db.session.expire_all()
    assert (mine.read_at, theirs.read_at) == (MORNING, None)


def test_mark_all_read_counts_only_unread_own_rows(db):
    me, other = UserFactory(), UserFactory()
    db.session.add_all([_sent_in_app(me, subject_id=1), _sent_in_app(me, subject_id=2),
                        _sent_in_app(me, subject_id=3, read_at=MORNING), _sent_in_app(other)])
    db.session.flush()
    assert mark_all_read(me, now=LATE_EVENING) == 2
    assert _count(db, Notification.read_at.is_(None)) == 1


@pytest.mark.parametrize("fields, field, message", [
    ({"quiet_start": time(22)}, "quiet_end", "开始和结束"),
    ({"quiet_end": time(7)}, "quiet_start", "开始和结束"),
    ({"quiet_start": time(7), "quiet_end": time(7)}, "quiet_end", "不能相同"),
    ({"notify_email": True}, "email", "邮箱"),
    ({"email": "not-an-address"}, "email", "邮箱地址无效"),
    ({"notify_webhook": True}, "notify_webhook", "群机器人"),
])
def test_preferences_are_checked(db, fields, field, message):
    user = UserFactory()
    values = {"email": "", "notify_email": False, "notify_webhook": False, "quiet_start": None,
              "quiet_end": None} | fields
    with pytest.raises(DomainError, match=message) as raised:
        update_preferences(user, **values)
    assert raised.value.field == field


def test_preferences_are_saved(db):
    user = UserFactory()
    update_preferences(user, email=" li@example.cn ", notify_email=True, notify_webhook=False,
                       quiet_start=time(22), quiet_end=time(7))
    db.session.expire_all()
    assert (user.email, user.notify_email, user.quiet_start, user.quiet_end) == (
        "li@example.cn", True, time(22), time(7))


def test_requeue_by_admins_and_only_parked_rows(db):
    admin, official = UserFactory(role="admin"), UserFactory(role="official")
    row = _sent_in_app(official, status="parked", attempts=5, channel="email", recipient_key="x@example.cn")
    db.session.add(row)
    db.session.flush()
    with pytest.raises(DomainError, match="管理员"):
        requeue_notification(official, row.id, now=LATE_EVENING)
    with pytest.raises(NotFound):
        requeue_notification(admin, row.id + 1000, now=LATE_EVENING)
    requeue_notification(admin, row.id, now=LATE_EVENING)
    db.session.expire_all()
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, LATE_EVENING)
    with pytest.raises(Conflict):
        requeue_notification(admin, row.id, now=LATE_EVENING)
