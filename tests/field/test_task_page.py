"""The task page as a plain browser uses it (no JavaScript): a refused completion comes back to the
same page with the message next to its field and what was entered; and the tablet's stamps and user."""
import io
import re
from datetime import timedelta

from sqlalchemy import func, select

from propmgmt.clock import utcnow
from propmgmt.field.models import FieldSubmission

from ..conftest import jpeg
from ..factories import UserFactory

JSON = {"Accept": "application/json"}


def _sign_in(client, user):
    client.post_form("/login", {"username": user.username, "password": "password123"})


def _page(client, task):
    return client.get(f"/field/tasks/{task.id}").get_data(as_text=True)


def _fields(html: str) -> dict:
    return dict(re.findall(r'name="(key|page_loaded)" value="([^"]*)"', html.split('class="card js-queue')[1]))


def _submit(client, task, data, photos=(), headers=None):
    html = _page(client, task)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    body = {"csrf_token": token, **_fields(html), **data}
    if photos:
        body["photos"] = [(io.BytesIO(content), name) for name, content in photos]
    return client.post(f"/field/tasks/{task.id}/complete", data=body, content_type="multipart/form-data",
                       headers=headers or {})


def _field_block(html: str, css_class: str) -> str:
    return html.split(css_class, 1)[1].split("</fieldset>" if "checklist" in css_class else "</div>\n", 1)[0]


def test_the_page_states_what_completion_needs(client, field_day):
    _sign_in(client, field_day["operator"])
    html = _page(client, field_day["tasks"][0])
    assert "必填：至少一张作业照片" in html
    assert "没做的项目请在备注里说明原因" in html
    form = html.split('class="card js-queue')[1]
    assert re.search(r'name="key" value="[0-9a-f]{32}"', form)  # a plain form post has its key
    assert 'data-photo-required="1"' in form


def test_checklist_not_ticked_comes_back_with_the_error_there_and_entries_kept(client, field_day, db):
    task = field_day["tasks"][0]
    _sign_in(client, field_day["operator"])
    response = _submit(client, task, {"check": ["道路清扫"], "note": ""}, photos=[("before.jpg", jpeg())])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    checklist = _field_block(html, 'checklist-field has-error')
    assert "楼道清扫" in re.search(r'id="checklist-error"[^>]*>([^<]*)<', checklist).group(1)
    assert re.search(r'value="道路清扫" checked', html) and not re.search(r'value="楼道清扫" checked', html)
    assert "以下照片未保存，请重新选择：before.jpg" in html  # a file input cannot be kept: say which
    assert "flash-error" not in html.split('class="card js-queue')[0]  # not a banner at the top
    db.session.refresh(task)
    assert task.status == "scheduled"
    assert db.session.scalar(select(func.count(FieldSubmission.key))) == 0


def test_a_missing_photo_is_said_at_the_photos_and_the_note_is_kept(client, field_day):
    task = field_day["tasks"][0]
    _sign_in(client, field_day["operator"])
    response = _submit(client, task, {"check": ["道路清扫", "楼道清扫"], "note": "东侧垃圾桶已清洗"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    photos = html.split("photos-field has-error", 1)[1]
    assert "至少需要一张照片" in re.search(r'id="photos-error"[^>]*>([^<]*)<', photos).group(1)
    assert ">东侧垃圾桶已清洗</textarea>" in html
    assert html.count('checked') == 2


def test_a_file_that_is_not_an_image_is_named_at_the_photos(client, field_day):
    task = field_day["tasks"][0]
    _sign_in(client, field_day["operator"])
    response = _submit(client, task, {"check": ["道路清扫", "楼道清扫"]},
                       photos=[("scan.pdf", b"%PDF-1.7 fake"), ("ok.jpg", jpeg())])
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    error = re.search(r'id="photos-error"[^>]*>([^<]*)<', html).group(1)
    assert error.startswith("scan.pdf：") and "不是可读取的照片" in error
    assert "请重新选择：scan.pdf、ok.jpg" in html


def test_before_the_window_opens_the_page_says_when(client, field_day, db):
    task = field_day["tasks"][0]
    task.window_start, task.window_end = utcnow() + timedelta(hours=2), utcnow() + timedelta(hours=4)
    db.session.commit()
    _sign_in(client, field_day["operator"])
    response = _submit(client, task, {"check": ["道路清扫", "楼道清扫"]}, photos=[("p.jpg", jpeg())])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "开始后才能完成" in re.search(r'class="form-error flash flash-error"[^>]*>([^<]*)<', html).group(1)


def test_a_completion_without_errors_goes_to_the_day(client, field_day):
    task = field_day["tasks"][0]
    _sign_in(client, field_day["operator"])
    response = _submit(client, task, {"check": ["道路清扫", "楼道清扫"]}, photos=[("p.jpg", jpeg())])
    assert response.status_code == 302 and response.headers["Location"].endswith("/field")
    assert task.status == "done"


def test_the_pages_stamp_decides_whether_the_tablets_offline_time_is_kept(client, field_day, db):
    first, second, third = field_day["tasks"][:3]
    _sign_in(client, field_day["operator"])
    device = (utcnow() - timedelta(minutes=20)).isoformat()
    # the stamp of a page loaded now: a tablet time 20 minutes earlier was not recorded on it
    _submit(client, first, {"check": ["道路清扫", "楼道清扫"], "offline": "1", "device_time": device},
            photos=[("p.jpg", jpeg())], headers={**JSON})
    assert first.device_completed_at == utcnow() and not first.recorded_offline
    # a forged stamp is no stamp
    html = _page(client, second)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post(f"/field/tasks/{second.id}/complete", content_type="multipart/form-data", headers=JSON, data={
        "csrf_token": token, "key": "forged-1", "page_loaded": "1.forged", "offline": "1", "device_time": device,
        "check": ["道路清扫", "楼道清扫"], "photos": (io.BytesIO(jpeg()), "p.jpg")})
    assert second.device_completed_at == utcnow() and not second.recorded_offline
    # a page loaded an hour ago (the tablet's cached copy): the offline time is kept
    from propmgmt.field.views import page_stamp
    with client.application.test_request_context():
        stamp = page_stamp(utcnow() - timedelta(hours=1))
    client.post(f"/field/tasks/{third.id}/complete", content_type="multipart/form-data", headers=JSON, data={
        "csrf_token": token, "key": "cached-1", "page_loaded": stamp, "offline": "1", "device_time": device,
        "check": ["道路清扫", "楼道清扫"], "photos": (io.BytesIO(jpeg()), "p.jpg")})
    assert third.device_completed_at.isoformat() == device and third.recorded_offline


def test_another_users_queued_record_is_refused_and_not_applied(client, field_day, db):
    task = field_day["tasks"][0]
    _sign_in(client, field_day["operator"])
    response = _submit(client, task, {"check": ["道路清扫", "楼道清扫"], "queued_by": str(UserFactory().id)},
                       photos=[("p.jpg", jpeg())], headers={**JSON, "X-Idempotency-Key": "theirs-1"})
    assert response.status_code == 409 and response.json["error"]["code"] == "other_user"
    assert "另一位用户" in response.json["error"]["message"]
    db.session.refresh(task)
    assert task.status == "scheduled"
    mine = _submit(client, task, {"check": ["道路清扫", "楼道清扫"], "queued_by": str(field_day["operator"].id)},
                   photos=[("p.jpg", jpeg())], headers={**JSON, "X-Idempotency-Key": "mine-1"})
    assert mine.status_code == 200
    assert mine.json["task"] == {"id": task.id, "status": "done", "label": "已完成"}


def test_the_page_names_its_user_for_the_queue(client, field_day):
    _sign_in(client, field_day["operator"])
    assert f'<meta name="field-user" content="{field_day["operator"].id}">' in client.get("/field").get_data(
        as_text=True)
