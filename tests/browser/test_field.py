"""A day of field work on a tablet, half of it offline, and the dispatcher's verification."""
import sqlite3
from collections import Counter

import pytest
from PIL import Image

from propmgmt.extensions import db

from .conftest import PHONE, TABLET, lose_signal, open_windows, regain_signal, screenshot, sign_in, wait_until


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "evidence.jpg"
    Image.new("RGB", (3000, 2000), (120, 160, 90)).save(path, "JPEG")
    return str(path)


def _complete_on_page(page, base, task_id, photo):
    page.goto(f"{base}/field/tasks/{task_id}")
    for box in page.locator("input[name=check]").all():
        box.check()
    page.set_input_files("#photos", photo)
    page.click("button:has-text('完成')")
    page.wait_for_url(f"{base}/field")


def _completed_without_signal(browser, base, task_id, photo):
    """The operator, on a tablet whose day is cached, completes the task with no signal: it is queued."""
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    page = context.new_page()
    sign_in(page, base, "operator")
    wait_until(page, "navigator.serviceWorker.controller !== null")
    page.reload()
    page.goto(f"{base}/field/tasks/{task_id}")
    lose_signal(context)
    for box in page.locator("input[name=check]").all():
        box.check()
    page.set_input_files("#photos", photo)
    page.click("button:has-text('完成')")
    page.wait_for_url(f"{base}/field")
    return context, page


def _completions(live_db, task_id):
    with sqlite3.connect(live_db) as connection:
        return connection.execute("SELECT status, recorded_offline, device_completed_at, completed_at FROM task "
                                  "WHERE id = ?", (task_id,)).fetchone()


def test_a_day_of_work_half_offline(live_server, live_app, live_db, browser, photo):
    task_ids = open_windows(live_app)
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    sign_in(page, live_server, "operator")
    assert page.url.endswith("/field") and page.locator("h1").inner_text() == "我的今天"
    wait_until(page, "navigator.serviceWorker.controller !== null")
    page.reload()  # now controlled by the service worker, which caches the day and its task pages
    page.wait_for_timeout(1500)
    screenshot(page, "field-day-tablet")

    # Online: one task with a photo.
    _complete_on_page(page, live_server, task_ids[0], photo)
    assert _completions(live_db, task_ids[0])[:2] == ("done", 0)

    # Offline: two more, then a reload while still offline.
    lose_signal(context)
    for task_id in task_ids[1:3]:
        _complete_on_page(page, live_server, task_id, photo)
    wait_until(page, "document.getElementById('sync-text').textContent.indexOf('2 条记录等待同步') >= 0")
    page.reload()
    assert page.locator("h1").inner_text() == "我的今天"
    wait_until(page, "document.getElementById('sync-text').textContent.indexOf('2 条记录等待同步') >= 0")
    for task_id in task_ids[1:3]:
        assert "待同步" in page.locator(f"li[data-task-id='{task_id}']").inner_text()
    screenshot(page, "field-day-offline-tablet")
    assert _completions(live_db, task_ids[1])[0] == "scheduled"

    # Back online: each is applied exactly once, with the device time kept.
    regain_signal(context)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(page, "document.getElementById('sync-bar').hidden === true", timeout=20)
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
    task_id = open_windows(live_app, count=1)[0]
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


def test_my_day_is_light_on_first_load(live_server, live_app, browser):
    """Weight budget of the speed issue: /field on a first visit (after signing in) transfers at most
    100 KB: the page, its three static files and the print sheet, and the day's task pages in one
    request for the cache (each seen twice: by the page and by the service worker that fetches it)."""
    from urllib.parse import urlparse

    open_windows(live_app)
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    sign_in(page, live_server, "operator")
    page.wait_for_load_state("networkidle")
    requests = []
    context.on("request", lambda request: requests.append(urlparse(request.url).path))
    page.evaluate("caches.keys().then((keys) => Promise.all(keys.map((key) => caches.delete(key))))")
    page.goto(f"{live_server}/field", wait_until="load")
    transferred = page.evaluate(
        "performance.getEntriesByType('navigation')[0].transferSize"
        " + performance.getEntriesByType('resource').reduce((sum, r) => sum + r.transferSize, 0)")
    assert 0 < transferred <= 100 * 1024, f"{transferred} bytes"
    page.wait_for_load_state("networkidle")
    assert set(requests) == {"/field", "/static/css/app.css", "/static/js/page.js", "/static/js/field.js",
                             "/field/pages"}, requests
    context.close()


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


def _queued(page) -> list:
    """The records in the tablet's queue (all users'), as [userId, kind, taskId]."""
    return page.evaluate("""new Promise((resolve) => {
        const open = indexedDB.open('propmgmt-field', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('queue', {keyPath: 'key'});
        open.onsuccess = () => {
            const all = open.result.transaction('queue', 'readonly').objectStore('queue').getAll();
            all.onsuccess = () => resolve(all.result.map((r) => [r.userId, r.kind, r.taskId]));
        };
    })""")


@pytest.mark.parametrize("viewport, name", [(TABLET, "tablet"), (PHONE, "phone")])
def test_an_error_is_shown_next_to_its_field_with_the_ticks_kept(live_server, live_app, page_at, photo, viewport,
                                                                 name, tmp_path):
    task_id = open_windows(live_app, count=1)[0]
    page = page_at(viewport)
    sign_in(page, live_server, "operator")
    page.goto(f"{live_server}/field/tasks/{task_id}")
    assert "必填：至少一张作业照片" in page.locator(".photo-rule").inner_text()
    boxes = page.locator("input[name=check]")
    boxes.first.check()
    page.set_input_files("#photos", photo)
    page.click("button:has-text('完成')")
    error = page.locator("#checklist-error")
    error.wait_for(state="visible")
    assert "请勾选全部检查项" in error.inner_text()
    assert page.url.endswith(f"/field/tasks/{task_id}") and boxes.first.is_checked()
    assert page.evaluate("document.getElementById('photos').files.length") == 1  # kept on the page
    screenshot(page, f"task-error-{name}")

    # The server's refusal (a file that is no photo) is shown at the photos, the ticks still there.
    fake = tmp_path / "scan.jpg"
    fake.write_bytes(b"%PDF-1.7 not a photo")
    for box in boxes.all():
        box.check()
    page.set_input_files("#photos", str(fake))
    page.click("button:has-text('完成')")
    photos_error = page.locator("#photos-error")
    photos_error.wait_for(state="visible")
    assert photos_error.inner_text().startswith("scan.jpg") and "不是可读取的照片" in photos_error.inner_text()
    assert page.locator("#photo-preview img.chosen").count() == 1  # the photo chosen before is replaced
    assert page.locator(".photos-field.has-error").count() == 1 and not page.locator("#checklist-error").is_visible()
    assert all(box.is_checked() for box in boxes.all()) and page.url.endswith(f"/field/tasks/{task_id}")
    screenshot(page, f"task-photo-error-{name}")
    assert page.errors == [] or all("422" in e or "400" in e for e in page.errors)


def test_without_javascript_the_error_is_at_its_field_too(live_server, live_app, browser):
    task_id = open_windows(live_app, count=1)[0]
    context = browser.new_context(viewport=TABLET, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "operator")
    page.goto(f"{live_server}/field/tasks/{task_id}")
    page.locator("input[name=check]").first.check()
    page.fill("#note", "")
    page.click("button:has-text('完成')")
    assert page.url.endswith(f"/field/tasks/{task_id}/complete")
    assert "请勾选全部检查项" in page.locator(".checklist-field.has-error #checklist-error").inner_text()
    assert page.locator("input[name=check]").first.is_checked()
    screenshot(page, "task-error-nojs-tablet")
    context.close()


def test_an_offline_completion_syncs_and_updates_its_row_without_reload(live_server, live_app, live_db, browser,
                                                                        photo):
    task_id = open_windows(live_app, count=1)[0]
    context, page = _completed_without_signal(browser, live_server, task_id, photo)
    row = page.locator(f"li[data-task-id='{task_id}']")
    wait_until(page, f"document.querySelector(\"li[data-task-id='{task_id}']\").innerText.indexOf('待同步') >= 0")
    page.evaluate("window.notReloaded = true")
    regain_signal(context)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(page, f"document.querySelector(\"li[data-task-id='{task_id}'] .task-status\").textContent === '已完成'",
          timeout=30)
    assert page.evaluate("window.notReloaded === true")
    assert row.locator(".pending-sync").is_hidden() and "status-done" in row.get_attribute("class")
    status, offline, device_at, server_at = _completions(live_db, task_id)
    assert (status, offline) == ("done", 1) and device_at < server_at
    screenshot(page, "field-day-synced-tablet")
    context.close()


def _second_operator(live_app) -> None:
    """A second operator of the demo (their password is locked by the seed) gets the demo password."""
    from propmgmt.auth.models import User
    with live_app.app_context():
        first = db.session.scalar(db.select(User).where(User.username == "operator"))
        second = db.session.scalar(db.select(User).where(User.username == "op0002"))
        second.password_hash = first.password_hash
        db.session.commit()
        db.session.remove()


def test_two_operators_on_one_tablet(live_server, live_app, live_db, browser, photo):
    first_task, second_task = open_windows(live_app, count=2)
    _second_operator(live_app)
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    page = context.new_page()
    dialogs, sent = [], []
    page.on("request", lambda r: r.method == "POST" and "/complete" in r.url and sent.append(r.url))
    sign_in(page, live_server, "operator")
    me = page.locator("meta[name=field-user]").get_attribute("content")

    # No signal for uploads: the completion stays in the tablet's queue.
    page.route("**/field/tasks/*/complete", lambda route: route.abort("internetdisconnected"))
    _complete_on_page(page, live_server, first_task, photo)
    wait_until(page, "document.getElementById('sync-text').textContent.indexOf('1 条记录等待同步') >= 0")
    assert _queued(page) == [[me, "complete", str(first_task)]]

    # Signing out asks; declining keeps the operator signed in with the record.
    page.wait_for_load_state("networkidle")  # the day's pages fetched for the offline cache
    page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.click("button:has-text('退出')")
    page.wait_for_timeout(500)
    assert "1 条记录没有同步" in dialogs[0] and page.url.endswith("/field")
    screenshot(page, "field-signout-asks-tablet")

    # The session ends without the script (it expired): the record stays; the next operator signs in.
    page.wait_for_load_state("networkidle")
    page.goto("about:blank")  # no request of the first session's page still under way to set its cookie again
    page.wait_for_timeout(500)
    context.clear_cookies()
    page.unroute("**/field/tasks/*/complete")
    sent.clear()
    sign_in(page, live_server, "op0002")
    other = page.locator("meta[name=field-user]").get_attribute("content")
    assert other != me and page.locator("#sync-bar").is_hidden()
    page.click("#sync-now", force=True) if page.locator("#sync-now").is_visible() else None
    page.wait_for_timeout(1500)
    assert sent == [] and _queued(page) == [[me, "complete", str(first_task)]]
    assert _completions(live_db, first_task)[0] == "scheduled"
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.wait_for_load_state("networkidle")
    page.click("button:has-text('退出')")
    page.wait_for_url("**/login")
    assert len(dialogs) == 1  # nothing of the second operator's was waiting: not asked

    # The first operator is back: their record is sent under their own session.
    sign_in(page, live_server, "operator")
    for _ in range(100):
        if _completions(live_db, first_task)[0] == "done":
            break
        page.wait_for_timeout(200)
    assert _completions(live_db, first_task)[0] == "done"
    page.wait_for_timeout(500)
    assert _queued(page) == []

    # Queued again and signing out, accepted: the record is deleted from the tablet.
    page.route("**/field/tasks/*/complete", lambda route: route.abort("internetdisconnected"))
    _complete_on_page(page, live_server, second_task, photo)
    wait_until(page, "document.getElementById('sync-text').textContent.indexOf('1 条记录等待同步') >= 0")
    page.click("button:has-text('退出')")
    page.wait_for_url("**/login")
    assert len(dialogs) == 2 and _queued(page) == []
    assert _completions(live_db, second_task)[0] == "scheduled"
    context.close()


def test_a_record_refused_on_sync_keeps_its_photos_until_seen(live_server, live_app, live_db, browser, photo):
    task_id = open_windows(live_app, count=1)[0]
    context, page = _completed_without_signal(browser, live_server, task_id, photo)
    with sqlite3.connect(live_db) as connection:  # meanwhile the dispatcher cancelled it
        connection.execute("UPDATE task SET status = 'cancelled' WHERE id = ?", (task_id,))
    regain_signal(context)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(page, "document.querySelectorAll('#conflicts li').length === 1", timeout=30)
    page.reload()  # kept on the tablet: the refusal and the photo taken for it
    wait_until(page, "document.querySelectorAll('#conflicts .refused-photos img').length === 1")
    conflict = page.locator("#conflicts li")
    assert conflict.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert conflict.locator(f"a[href='/field/tasks/{task_id}']").count() == 1
    screenshot(page, "field-refused-on-sync-tablet")
    page.once("dialog", lambda dialog: dialog.accept())  # 知道了 asks first: the photo goes with it
    conflict.locator("button").click()
    wait_until(page, "document.querySelectorAll('#conflicts li').length === 0")
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.locator("#conflicts li").count() == 0
    with sqlite3.connect(live_db) as connection:
        assert connection.execute("SELECT status FROM task WHERE id = ?", (task_id,)).fetchone() == ("cancelled",)
    context.close()


def test_the_tablet_caches_its_day_in_one_request_and_a_revisit_fetches_nothing(live_server, live_app, browser,
                                                                                    served):
    """/field used to fetch every task page of the day on every visit (66 requests for the busiest operator).
    Counted where it costs, at the server. After the sign-in page (which brought app.css and page.js,
    kept for a year under their versioned addresses), the first load sends the page, field.js and one
    request for the day's task pages; the service worker's install (once per tablet) its script, the
    page and the stylesheet for its own cache. A revisit sends the page alone, and when nothing on
    it changed it is answered 304: the tablet shows the copy it holds."""
    task_ids = open_windows(live_app)
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    page = context.new_page()
    del served.paths[:]
    sign_in(page, live_server, "operator")
    wait_until(page, "navigator.serviceWorker.controller !== null")
    wait_until(page, "(JSON.parse(localStorage.getItem('propmgmt-field-pages') || '{}')"
                     "[document.querySelector('meta[name=field-user]').content] || {})['/field/report'] !== undefined")
    page.wait_for_load_state("networkidle")
    day_links = page.locator("a.task-link").count()
    assert day_links >= len(task_ids)
    first = Counter(served.paths[served.paths.index("/field"):])
    first.subtract(["/field", "/static/js/field.js", "/field/pages"])  # the page's; the rest is the worker's install
    assert set(first.elements()) <= {"/field/sw.js", "/field", "/static/css/app.css", "/static/js/field.js"}
    assert min(first.values()) == 0 and max(first.values()) == 1, first  # each once, at most

    page.goto(f"{live_server}/field/report")
    page.wait_for_load_state("networkidle")
    del served.paths[:], served.answers[:]
    page.goto(f"{live_server}/field")  # back to the day (the same address again would be a reload: every file)
    page.wait_for_load_state("networkidle")
    assert served.answers == [("/field", 304)], served.answers
    assert page.locator("a.task-link").count() == day_links

    context.set_offline(True)  # and the pages it cached open without signal
    page.goto(f"{live_server}/field/tasks/{task_ids[-1]}")
    assert page.locator("button:has-text('完成')").count() == 1
    context.close()
