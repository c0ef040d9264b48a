"""The dispatcher's verification workbench on the demo district, at tablet and phone size."""
import io
import sqlite3
from datetime import timedelta

import pytest
from PIL import Image

from .conftest import PHONE, TABLET, open_windows, screenshot, sign_in


def _finish_with_photos(live_app, browser, base, count):
    """The demo operator finishes `count` of their crew's next tasks now, each with a photo."""
    ids = open_windows(live_app, count=count, opened=timedelta(minutes=20), left=timedelta(hours=2))
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (120, 160, 90)).save(buffer, "JPEG")
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    page = context.new_page()
    sign_in(page, base, "operator")
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    for task_id in ids:
        response = page.request.post(
            f"{base}/field/tasks/{task_id}/complete",
            headers={"Accept": "application/json", "X-CSRFToken": token, "X-Idempotency-Key": f"wb-{task_id}"},
            multipart={"check": "道路清扫", "note": "东门垃圾桶周边已清理",
                       "photos": {"name": "p.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}})
        assert response.status == 200, response.text()
    context.close()
    return ids


def _status(live_db, task_id):
    with sqlite3.connect(live_db) as connection:
        return connection.execute("SELECT status FROM task WHERE id = ?", (task_id,)).fetchone()[0]


@pytest.mark.parametrize("viewport, name", [(TABLET, "verify-tablet"), (PHONE, "verify-phone")])
def test_the_dispatcher_verifies_todays_work(live_server, live_app, live_db, browser, page_at, viewport, name):
    ids = _finish_with_photos(live_app, browser, live_server, 3)
    page = page_at(viewport)
    sign_in(page, live_server, "dispatcher")
    page.goto(f"{live_server}/field/verify")
    assert page.locator("h1").inner_text() == "验收已完成工作"
    page.click("a.button:has-text('今天')")
    items = page.locator("article.verify-item")
    shown = [int(items.nth(i).get_attribute("data-task-id")) for i in range(items.count())]
    assert set(ids) <= set(shown) and shown[0] == ids[-1]  # today's, the latest received first
    item = page.locator(f"article[data-task-id='{ids[0]}']")
    assert "赵师傅" in item.inner_text() and "东门垃圾桶周边已清理" in item.inner_text()
    thumb = item.locator(".photo-strip img").first
    thumb.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    assert thumb.evaluate("img => img.complete && img.naturalWidth > 0")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"scrolls sideways by {overflow}px"
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)

    item.locator("button:has-text('验收合格')").click()
    assert page.locator(".flash-success").inner_text() == "已验收。"
    assert _status(live_db, ids[0]) == "verified"
    assert "from=" in page.url  # back on the filtered list

    # The other two in one go, after the page asks.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    for task_id in ids[1:]:
        page.locator(f"article[data-task-id='{task_id}'] input[name=task]").check()
    page.click("#bulk-verify button[type=submit]")
    page.wait_for_load_state()
    assert questions and "2" in questions[0]
    assert "已验收 2 项任务" in page.locator(".flash-success").inner_text()
    assert [_status(live_db, task_id) for task_id in ids[1:]] == ["verified", "verified"]
    assert page.errors == []
