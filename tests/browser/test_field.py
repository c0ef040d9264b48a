"""A day of field work on a tablet, half of it offline, and the dispatcher's verification."""
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image

from propmgmt.extensions import db
from propmgmt.plans.models import Task

from .conftest import TABLET, screenshot, sign_in


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "evidence.jpg"
    Image.new("RGB", (3000, 2000), (120, 160, 90)).save(path, "JPEG")
    return str(path)


def _open_windows(live_app, operator_name="operator", count=4):
    """Moves the demo operator crew's next tasks to windows open now, so they can be done today."""
    from propmgmt.auth.models import User
    now = datetime.now(timezone.utc)
    with live_app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == operator_name))
        tasks = db.session.scalars(db.select(Task).where(Task.crew_id == user.crew_id, Task.status == "scheduled")
                                   .order_by(Task.window_start).limit(count)).all()
        for i, task in enumerate(tasks):
            task.window_start = now - timedelta(minutes=10) + timedelta(seconds=i)
            task.window_end = now + timedelta(hours=3)
        db.session.commit()
        ids = [t.id for t in tasks]
        db.session.remove()
    return ids


def _complete_on_page(page, base, task_id, photo):
    page.goto(f"{base}/field/tasks/{task_id}")
    for box in page.locator("input[name=check]").all():
        box.check()
    page.set_input_files("#photos", photo)
    page.click("button:has-text('完成')")
    page.wait_for_url(f"{base}/field")


def _wait(page, expression: str, timeout: float = 15) -> None:
    """Polls a JS expression (wait_for_function would need 'unsafe-eval', which our CSP forbids)."""
    import time
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(200)


def _completions(live_db, task_id):
    with sqlite3.connect(live_db) as connection:
        return connection.execute("SELECT status, recorded_offline, device_completed_at, completed_at FROM task "
                                  "WHERE id = ?", (task_id,)).fetchone()


def test_a_day_of_work_half_offline(live_server, live_app, live_db, browser, photo):
    task_ids = _open_windows(live_app)
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    sign_in(page, live_server, "operator")
    assert page.url.endswith("/field") and page.locator("h1").inner_text() == "我的今天"
    _wait(page, "navigator.serviceWorker.controller !== null")
    page.reload()  # now controlled by the service worker, which caches the day and its task pages
    page.wait_for_timeout(1500)
    screenshot(page, "field-day-tablet")

    # Online: one task with a photo.
    _complete_on_page(page, live_server, task_ids[0], photo)
    assert _completions(live_db, task_ids[0])[:2] == ("done", 0)

    # Offline: two more, then a reload while still offline.
    context.set_offline(True)
    for task_id in task_ids[1:3]:
        _complete_on_page(page, live_server, task_id, photo)
    _wait(page, "document.getElementById('sync-text').textContent.indexOf('2 条记录等待同步') >= 0")
    page.reload()
    assert page.locator("h1").inner_text() == "我的今天"
    _wait(page, "document.getElementById('sync-text').textContent.indexOf('2 条记录等待同步') >= 0")
    for task_id in task_ids[1:3]:
        assert "待同步" in page.locator(f"li[data-task-id='{task_id}']").inner_text()
    screenshot(page, "field-day-offline-tablet")
    assert _completions(live_db, task_ids[1])[0] == "scheduled"

    # Back online: each is applied exactly once, with the device time kept.
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _wait(page, "document.getElementById('sync-bar').hidden === true", timeout=20)
    for task_id in task_ids[1:3]:
        status, offline, device_at, server_at = _completions(live_db, task_id)
        assert (status, offline) == ("done", 1) and device_at < server_at
    with sqlite3.connect(live_db) as connection:
        photos = connection.execute("SELECT task_id, count(*) FROM task_photo WHERE task_id IN (?, ?, ?) "
                                    "GROUP BY task_id", task_ids[:3]).fetchall()
        submissions = connection.execute("SELECT count(*) FROM field_submission").fetchone()[0]
    assert sorted(count for _, count in photos) == [1, 1, 1] and submissions == 3
    assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e] == []  # offline fetches fail, nothing else
    context.close()

    # The dispatcher verifies two and sends one back; the operator sees it to redo.
    dispatcher = browser.new_context(viewport=TABLET, locale="zh-CN").new_page()
    sign_in(dispatcher, live_server, "dispatcher")
    dispatcher.goto(f"{live_server}/field/verify")
    screenshot(dispatcher, "verify-queue-tablet")
    dispatcher.locator(f"article[data-task-id='{task_ids[0]}'] button:has-text('验收合格')").click()
    dispatcher.locator(f"article[data-task-id='{task_ids[1]}'] input[name=reason]").fill("垃圾桶周边未清理")
    dispatcher.locator(f"article[data-task-id='{task_ids[1]}'] button:has-text('退回返工')").click()
    assert "已退回返工" in dispatcher.locator(".flash-success").inner_text()

    again = browser.new_context(viewport=TABLET, locale="zh-CN").new_page()
    sign_in(again, live_server, "operator")
    row = again.locator(f"li[data-task-id='{task_ids[1]}']")
    assert "退回返工" in row.inner_text()
    row.locator("a").click()
    assert "垃圾桶周边未清理" in again.locator(".flash-error").inner_text()
    screenshot(again, "field-task-redo-tablet")


def test_a_replayed_request_changes_nothing(live_server, live_app, live_db, browser, photo):
    task_id = _open_windows(live_app, count=1)[0]
    page = browser.new_context(viewport=TABLET).new_page()
    sign_in(page, live_server, "operator")
    page.goto(f"{live_server}/field/tasks/{task_id}")
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    with open(photo, "rb") as handle:
        picture = handle.read()
    send = lambda: page.request.post(  # noqa: E731
        f"{live_server}/field/tasks/{task_id}/complete",
        headers={"Accept": "application/json", "X-CSRFToken": token, "X-Idempotency-Key": "replay-key-1"},
        multipart={"check": "道路清扫", "note": "按标准完成（部分检查项见备注）",
                   "photos": {"name": "p.jpg", "mimeType": "image/jpeg", "buffer": picture}})
    first, second = send(), send()
    assert first.status == second.status == 200 and first.json() == second.json()
    with sqlite3.connect(live_db) as connection:
        assert connection.execute("SELECT count(*) FROM task_photo WHERE task_id = ?", (task_id,)).fetchone()[0] == 1


def test_my_day_is_light_on_first_load(live_server, browser):
    """Weight budget of the issue: at most 300 KB transferred for /field on a first visit."""
    page = browser.new_context(viewport=TABLET).new_page()
    sign_in(page, live_server, "operator")
    page.wait_for_load_state("networkidle")
    transferred = page.evaluate(
        "performance.getEntriesByType('navigation')[0].transferSize"
        " + performance.getEntriesByType('resource').reduce((sum, r) => sum + r.transferSize, 0)")
    assert 0 < transferred <= 300 * 1024, f"{transferred} bytes"


@pytest.mark.parametrize("viewport", [{"width": 768, "height": 1024}, {"width": 1024, "height": 768},
                                      {"width": 1280, "height": 800}, {"width": 800, "height": 1280}])
def test_my_day_fits_tablets_in_both_orientations(live_server, browser, viewport):
    page = browser.new_context(viewport=viewport).new_page()
    sign_in(page, live_server, "operator")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"scrolls sideways by {overflow}px at {viewport}"
    row = page.locator(".task-link").first.bounding_box()
    assert row["height"] >= 56  # a gloved finger hits it
    screenshot(page, f"field-day-{viewport['width']}x{viewport['height']}")
