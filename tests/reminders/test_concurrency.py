"""Two senders at the same moment, on committed data, in real threads: every row is sent once.

These tests commit (each thread has its own connection), so they clean the database after.
"""
import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from propmgmt.extensions import db
from propmgmt.outbox.models import Notification
from propmgmt.outbox.services import notify_users
from propmgmt.reminders.sender import send_due_notifications

from ..concurrency import wipe
from ..factories import UserFactory

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
USERS = 12


@pytest.fixture
def outbox(app, smtp_server, webhook_server):
    """USERS users who take email and webhook too, each told about one task: 3 rows per user, committed."""
    with app.app_context():
        users = [UserFactory(email=f"op{i}@example.cn", notify_email=True, notify_webhook=True)
                 for i in range(USERS)]
        notify_users(users, kind="overdue", subject_type="task", subject_id=1,
                     payload={"compound": "育英小区", "service": "保洁"}, due_at=NOW, now=NOW)
        db.session.commit()
        db.session.remove()
    yield smtp_server, webhook_server
    wipe(app)


def test_two_senders_send_each_row_exactly_once(app, outbox):
    smtp_server, webhook_server = outbox
    smtp_server.delay = 0.02  # a slow mail server keeps both senders busy at the same time
    barrier = threading.Barrier(2)
    results, errors = [None, None], []

    def sender(index):
        with app.app_context():
            try:
                barrier.wait()
                results[index] = send_due_notifications(NOW, batch_size=5)  # small batches: many claims each
            except Exception as error:  # reported below; a thread cannot fail the test itself
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(r["sent"] for r in results) == USERS * 3
    assert sorted(to for recipients, _ in smtp_server.messages for to in recipients) == \
        sorted(f"op{i}@example.cn" for i in range(USERS))
    assert len(webhook_server.requests) == USERS
    with app.app_context():
        statuses = dict(db.session.execute(
            select(Notification.status, func.count()).group_by(Notification.status)).all())
        db.session.remove()
    assert statuses == {"sent": USERS * 3}
