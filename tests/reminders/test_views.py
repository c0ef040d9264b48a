"""The notification centre as a user meets it: the badge, reading, settings, parked rows."""
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select

from propmgmt.outbox.models import Notification

from ..factories import UserFactory

SENT = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


def _add(db, user, *, subject_id=1, status="sent", read_at=None, channel="in_app", **fields):
    row = Notification(subject_type="task", subject_id=subject_id, kind="overdue", channel=channel,
                       recipient_id=user.id, recipient_key=fields.pop("recipient_key", f"user:{user.id}"),
                       payload={"compound": f"小区{subject_id}", "service": "保洁",
                                "window_start": "2026-11-24T23:00:00+00:00", "window_end": "2026-11-25T01:00:00+00:00"},
                       status=status, sent_at=SENT + timedelta(minutes=subject_id) if status == "sent" else None,
                       read_at=read_at, **fields)
    db.session.add(row)
    db.session.commit()
    return row


def test_the_header_counts_unread_and_the_centre_lists_newest_first(client, db, login_as):
    me = login_as("operator")
    _add(db, me, subject_id=1)
    _add(db, me, subject_id=2)
    _add(db, me, subject_id=3, read_at=SENT)
    _add(db, me, subject_id=4, status="pending")  # not due yet: not shown
    _add(db, UserFactory(), subject_id=5)  # someone else's
    html = client.get("/notifications").get_data(as_text=True)
    assert '<span class="count-badge" aria-label="2 条未读">2</span>' in html
    assert html.index("小区3") < html.index("小区2") < html.index("小区1")
    assert "小区4" not in html and "小区5" not in html
    assert html.count('class="unread"') == 2
    assert "2026-11-25 07:00–09:00" in html


def test_the_header_badge_stops_at_99_and_the_centre_says_how_many(client, db, login_as):
    me = login_as("official")
    db.session.add_all([Notification(subject_type="task", subject_id=i, kind="missed", channel="in_app",
                                     recipient_id=me.id, recipient_key=f"user:{me.id}", payload={}, status="sent",
                                     sent_at=SENT) for i in range(120)])
    db.session.commit()
    html = client.get("/notifications").get_data(as_text=True)
    assert '<span class="count-badge" aria-label="99+ 条未读">99+</span>' in html
    assert "120 条未读" in html


def test_the_empty_centre_says_so(client, login_as):
    login_as("firm")
    html = client.get("/notifications").get_data(as_text=True)
    assert "还没有通知" in html and "count-badge" not in html


def test_mark_one_and_all_read(client, db, login_as):
    me = login_as("dispatcher")
    first, second, third = (_add(db, me, subject_id=i) for i in (1, 2, 3))
    response = client.post_form(f"/notifications/{first.id}/read", page="/notifications")
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications")
    db.session.expire_all()
    assert first.read_at is not None and second.read_at is None
    response = client.post_form("/notifications/read-all", page="/notifications", follow_redirects=True)
    assert "已将 2 条通知标为已读" in response.get_data(as_text=True)
    assert "count-badge" not in response.get_data(as_text=True)


def test_another_users_notification_is_not_found(client, db, login_as):
    login_as("operator")
    theirs = _add(db, UserFactory(role="operator"))
    assert client.post_form(f"/notifications/{theirs.id}/read", page="/notifications").status_code == 404
    db.session.expire_all()
    assert theirs.read_at is None


def test_settings_are_validated_and_saved(client, db, login_as):
    me = login_as("dispatcher")
    response = client.post_form("/notifications/settings", {"quiet_start": "22:00"})
    assert response.status_code == 400
    assert "请同时填写免打扰的开始和结束时间" in response.get_data(as_text=True)
    response = client.post_form("/notifications/settings", {"notify_email": "y"})
    assert response.status_code == 400 and "请先填写邮箱地址" in response.get_data(as_text=True)
    response = client.post_form("/notifications/settings", {"email": "zhao@example.cn", "notify_email": "y",
                                                             "quiet_start": "22:00", "quiet_end": "07:00"},
                                follow_redirects=True)
    assert "通知设置已保存" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (me.email, me.notify_email, me.notify_webhook, me.quiet_start, me.quiet_end) == (
        "zhao@example.cn", True, False, time(22), time(7))
    html = client.get("/notifications/settings").get_data(as_text=True)
    assert 'value="22:00"' in html and "尚未配置群机器人" in html


def test_parked_page_is_for_admins(client, db, login_as):
    official = login_as("official")
    assert client.get("/notifications/parked").status_code == 403
    row = _add(db, official, channel="email", recipient_key="wang@example.cn", status="parked", attempts=5,
               last_error="cannot use the mail server 127.0.0.1:25: refused")
    assert client.post_form(f"/notifications/{row.id}/requeue", page="/notifications").status_code == 403
    client.post_form("/logout", page="/notifications")
    login_as("admin")
    html = client.get("/notifications/parked").get_data(as_text=True)
    assert "wang@example.cn" in html and "refused" in html and "1 条未送达" in html
    response = client.post_form(f"/notifications/{row.id}/requeue", page="/notifications/parked",
                                follow_redirects=True)
    assert "将很快重新发送" in response.get_data(as_text=True)
    assert "全部通知均已送达" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Notification.status).where(Notification.id == row.id)) == "pending"
    response = client.post_form(f"/notifications/{row.id}/requeue", page="/notifications/parked",
                                follow_redirects=True)
    assert "不再处于未送达状态" in response.get_data(as_text=True)
