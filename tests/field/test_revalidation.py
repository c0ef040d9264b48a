"""The tablet opens its day all day long: when nothing it shows has changed, the server answers 304
and renders nothing; anything the page shows that changes gives a new page."""
from datetime import timedelta

from propmgmt import clock
from propmgmt.outbox.models import Notification

from ..conftest import jpeg
from ..factories import UserFactory
from .test_views import JSON, _complete, _sign_in


def _day(client, version=None):
    return client.get("/field", headers={"If-None-Match": version} if version else {})


def _version(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "private, no-cache"  # kept, and asked again every time
    return response.headers["ETag"]


def test_an_unchanged_day_is_answered_304_without_a_page(client, field_day, count_queries):
    _sign_in(client, field_day["operator"])
    first = _day(client)
    version = _version(first)
    with count_queries() as counted:
        again = _day(client, version)
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == version
    with count_queries() as rendered:
        assert _day(client).status_code == 200
    assert counted.count <= rendered.count  # the version is what the page reads, not a second reading
    assert _day(client, 'W/"another"').status_code == 200


def test_a_started_or_completed_task_gives_a_new_day(client, field_day):
    _sign_in(client, field_day["operator"])
    version = _version(_day(client))
    task = field_day["tasks"][0]
    token = client.csrf_token(f"/field/tasks/{task.id}")
    assert client.post(f"/field/tasks/{task.id}/start",
                       headers={**JSON, "X-CSRFToken": token, "X-Idempotency-Key": "s-reval"}).status_code == 200
    started = _day(client, version)
    assert started.status_code == 200 and "进行中" in started.get_data(as_text=True)
    version = _version(started)
    assert _complete(client, task, "k-reval", photo=jpeg()).status_code == 200
    done = _day(client, version)
    assert done.status_code == 200 and _version(done) != version


def test_a_message_waiting_for_the_page_is_shown_on_it(client, field_day):
    """A plain form's completion goes back to the day with its message: not the tablet's old copy."""
    _sign_in(client, field_day["operator"])
    version = _version(_day(client))
    task = field_day["tasks"][0]
    token = client.csrf_token(f"/field/tasks/{task.id}")
    assert client.post(f"/field/tasks/{task.id}/start", data={"csrf_token": token, "key": "plain-1"}).status_code == 302
    shown = _day(client, version)
    assert shown.status_code == 200 and 'class="flash flash-success"' in shown.get_data(as_text=True)


def test_time_passing_marks_overdue_and_gives_a_new_day(client, field_day, db, monkeypatch):
    _sign_in(client, field_day["operator"])
    for n, task in enumerate(field_day["tasks"]):  # opened 20 minutes ago: not overdue yet
        task.window_start = clock.utcnow() - timedelta(minutes=20, seconds=n)
    db.session.commit()
    fresh = _day(client)
    version = _version(fresh)
    assert "已超时" not in fresh.get_data(as_text=True)
    assert _day(client, version).status_code == 304
    monkeypatch.setattr(clock, "_frozen", clock.utcnow() + timedelta(minutes=15))
    later = _day(client, version)
    assert later.status_code == 200 and "已超时" in later.get_data(as_text=True)


def test_another_user_language_or_message_gets_its_own_page(client, field_day, db):
    operator = field_day["operator"]
    _sign_in(client, operator)
    version = _version(_day(client))
    other = client.application.test_client()
    _sign_in(other, UserFactory(role="operator", crew=operator.crew))
    assert _day(other, version).status_code == 200  # the same tasks, another operator's page
    db.session.add(Notification(recipient_id=operator.id, recipient_key=str(operator.id), channel="in_app",
                                kind="reminder", subject_type="task", subject_id=field_day["tasks"][0].id,
                                status="sent", sent_at=clock.utcnow()))
    db.session.commit()
    with_badge = _day(client, version)
    assert with_badge.status_code == 200  # the header's unread count changed
    version = _version(with_badge)
    client.get("/lang/en")
    assert _day(client, version).status_code == 200
