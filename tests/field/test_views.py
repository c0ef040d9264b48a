"""The field app over HTTP, as the tablet's script and a plain browser use it."""
import io
import re
from datetime import timedelta

from sqlalchemy import func, select

from propmgmt.clock import utcnow
from propmgmt.complaints.models import Complaint, ComplaintPhoto
from propmgmt.field.models import FieldSubmission
from propmgmt.plans.models import TaskPhoto
from propmgmt.reminders.sender import send_due_notifications

from ..conftest import jpeg
from ..factories import UserFactory

JSON = {"Accept": "application/json"}


def _sign_in(client, user):
    client.post_form("/login", {"username": user.username, "password": "password123"})


def _complete(client, task, key, photo=None, **fields):
    token = client.csrf_token(f"/field/tasks/{task.id}")
    data = {"check": ["道路清扫", "楼道清扫"], "note": "", "device_time": "", **fields}
    if photo is not None:
        data["photos"] = (io.BytesIO(photo), "p.jpg")
    return client.post(f"/field/tasks/{task.id}/complete", data=data, content_type="multipart/form-data",
                       headers={**JSON, "X-CSRFToken": token, "X-Idempotency-Key": key})


def test_my_day_lists_todays_tasks_by_compound(client, field_day):
    _sign_in(client, field_day["operator"])
    assert client.get("/").headers["Location"].endswith("/field")
    html = client.get("/field").get_data(as_text=True)
    assert "我的今天" in html and "育英小区" in html
    assert html.count('class="task-row') == len(field_day["tasks"])
    assert "已超时" in html  # the windows started 30 minutes ago and nothing was started


def test_complete_over_http_once_even_when_replayed(client, field_day, db):
    task = field_day["tasks"][0]
    _sign_in(client, field_day["operator"])
    first = _complete(client, task, "key-123", photo=jpeg())
    assert first.status_code == 200 and first.json["task"]["status"] == "done"
    replay = _complete(client, task, "key-123", photo=jpeg())
    assert replay.status_code == 200 and replay.json == first.json
    assert db.session.scalar(select(func.count(TaskPhoto.id))) == 1
    assert db.session.scalar(select(func.count(FieldSubmission.key))) == 1
    second = _complete(client, task, "key-456", photo=jpeg())
    assert second.status_code == 409 and "已经完成" in second.json["error"]["message"]


def test_bad_uploads_are_clear_4xx_and_write_nothing(client, field_day, db):
    task = field_day["tasks"][0]
    _sign_in(client, field_day["operator"])
    response = _complete(client, task, "k-pdf", photo=b"%PDF-1.7 fake")
    assert response.status_code == 400 and "不是可读取的照片" in response.json["error"]["message"]
    response = _complete(client, task, "k-none")
    assert response.status_code == 422 and "至少需要一张照片" in response.json["error"]["message"]
    db.session.refresh(task)
    assert task.status == "scheduled"
    assert db.session.scalar(select(func.count(FieldSubmission.key))) == 0


def test_another_operators_task(client, field_day):
    _sign_in(client, UserFactory(role="operator"))
    task = field_day["tasks"][0]
    assert client.get(f"/field/tasks/{task.id}").status_code == 403
    response = _complete(client, task, "k-x", photo=jpeg())
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"


def test_plain_form_post_without_javascript(client, field_day):
    task = field_day["tasks"][0]
    _sign_in(client, field_day["operator"])
    response = client.post_form(f"/field/tasks/{task.id}/start", {"key": "plain-1"}, page=f"/field/tasks/{task.id}",
                                follow_redirects=True)
    assert "已开始" in response.get_data(as_text=True)
    assert task.status == "in_progress"


def test_dispatcher_verifies_or_sends_back(client, field_day, setting, db):
    first, second = field_day["tasks"][:2]
    _sign_in(client, field_day["operator"])
    _complete(client, first, "a1", photo=jpeg())
    _complete(client, second, "a2", photo=jpeg())
    client.post_form("/logout", page="/field")
    _sign_in(client, setting.dispatcher)
    queue = client.get("/field/verify").get_data(as_text=True)
    assert queue.count('class="card verify-item"') == 2 and "赵师傅" in queue
    photo = db.session.scalars(select(TaskPhoto).where(TaskPhoto.task_id == first.id)).one()
    assert client.get(f"/field/photos/{photo.id}?size=thumb").mimetype == "image/jpeg"
    client.post_form(f"/field/verify/{first.id}/accept", page="/field/verify")
    client.post_form(f"/field/verify/{second.id}/reject", {"reason": "楼道未清扫干净"}, page="/field/verify")
    assert (first.status, second.status) == ("verified", "rejected")
    for task in (first, second):  # both windows have now ended: the two tasks are due, and counted
        task.window_end = utcnow()
    db.session.commit()
    rates = client.get("/field/verify").get_data(as_text=True)
    crew_table = rates.split('class="data crew-rates"')[1].split("</table>")[0]
    # 2 due, both completed and on time, the verified one at the first pass (as the crews page counts)
    assert setting.crew.name in crew_table and crew_table.count("100.0%") == 3
    assert '<td class="num">2</td>' in crew_table
    client.post_form("/logout", page="/field/verify")
    _sign_in(client, field_day["operator"])
    page = client.get(f"/field/tasks/{second.id}").get_data(as_text=True)
    assert "退回返工" in page and "楼道未清扫干净" in page
    send_due_notifications(utcnow())
    assert "楼道未清扫干净" in client.get("/notifications").get_data(as_text=True)


def test_operator_cannot_see_photos_of_other_crews(client, field_day, db):
    _sign_in(client, field_day["operator"])
    _complete(client, field_day["tasks"][0], "p1", photo=jpeg())
    photo = db.session.scalars(select(TaskPhoto)).one()
    client.post_form("/logout", page="/field")
    _sign_in(client, UserFactory(role="operator"))
    assert client.get(f"/field/photos/{photo.id}").status_code == 404


def test_report_a_problem_reaches_the_dispatcher(client, field_day, setting, db):
    _sign_in(client, field_day["operator"])
    token = client.csrf_token("/field/report")
    response = client.post("/field/report", data={
        "compound_id": field_day["compound"].id, "category": "sewage_overflow", "note": "3号楼污水外溢",
        "photos": (io.BytesIO(jpeg()), "p.jpg")}, content_type="multipart/form-data",
        headers={**JSON, "X-CSRFToken": token, "X-Idempotency-Key": "r-1"})
    assert response.status_code == 201, response.json
    case = db.session.scalars(select(Complaint)).one()
    assert (case.source, case.category, case.reported_by_id) == ("field", "sewage_overflow",
                                                                 field_day["operator"].id)
    assert db.session.scalar(select(func.count(ComplaintPhoto.id))) == 1
    bad = client.post("/field/report", data={"compound_id": field_day["compound"].id, "category": "aliens",
                                             "note": "x"}, headers={**JSON, "X-CSRFToken": token,
                                                                    "X-Idempotency-Key": "r-2"})
    assert bad.status_code == 422 and "问题类型" in bad.json["error"]["message"]
    client.post_form("/logout", page="/field")
    _sign_in(client, setting.dispatcher)
    assert "3号楼污水外溢" in client.get("/field/problems").get_data(as_text=True)


def test_expired_form_keeps_the_record_on_the_tablet(client, field_day):
    _sign_in(client, field_day["operator"])
    task = field_day["tasks"][0]
    response = client.post(f"/field/tasks/{task.id}/start", headers={**JSON, "X-CSRFToken": "stale",
                                                                     "X-Idempotency-Key": "s-1"})
    assert response.status_code == 400 and response.json["error"]["code"] == "csrf_expired"


def test_the_day_marks_overdue_what_the_oversight_pages_count_as_overdue(client, db, field_day):
    """Overdue is one definition (plans.outcomes): not started 30 minutes into an open window."""
    now = utcnow()
    late, fresh = field_day["tasks"][:2]
    late.window_start, fresh.window_start = now - timedelta(minutes=40), now - timedelta(minutes=10)
    for i, task in enumerate(field_day["tasks"][2:]):  # not open yet
        task.window_start = now + timedelta(hours=1, minutes=i)
    db.session.commit()
    _sign_in(client, field_day["operator"])
    html = client.get("/field").get_data(as_text=True)
    rows = {int(m.group(1)): m.group(0) for m in re.finditer(r'<li class="task-row[^"]*" data-task-id="(\d+)"', html)}
    assert "overdue" in rows[late.id] and "overdue" not in rows[fresh.id]
    assert html.count('class="badge overdue-mark"') == 1


def test_the_day_pages_come_in_one_answer_and_only_the_operators_own(client, field_day):
    mine = field_day["tasks"]
    theirs = UserFactory(role="operator")
    _sign_in(client, field_day["operator"])
    day = client.get("/field").get_data(as_text=True)
    versions = dict(re.findall(r'href="(/field/tasks/\d+)" data-v="([^"]+)"', day))
    assert set(versions) == {f"/field/tasks/{t.id}" for t in mine}
    asked = ",".join([str(t.id) for t in mine] + ["x", "99999999999999999999", ""])
    pages = client.get(f"/field/pages?ids={asked}&report=1").json["pages"]
    assert set(pages) == set(versions) | {"/field/report"}
    assert all("完成" in html for url, html in pages.items() if url.startswith("/field/tasks/"))
    other = client.application.test_client()  # another operator asks for these tasks: nothing
    _sign_in(other, theirs)
    assert other.get(f"/field/pages?ids={asked}").json["pages"] == {}


def test_a_task_page_version_changes_when_the_task_does(client, field_day):
    task = field_day["tasks"][0]
    _sign_in(client, field_day["operator"])

    def version():
        day = client.get("/field").get_data(as_text=True)
        return re.search(rf'href="/field/tasks/{task.id}" data-v="([^"]+)"', day).group(1)

    before = version()
    assert version() == before  # nothing changed: the tablet fetches nothing
    assert _complete(client, task, "k-v", photo=jpeg()).status_code == 200
    assert version() != before


def test_the_day_pages_cost_the_same_statements_for_one_task_or_all(client, field_day, count_queries):
    tasks = field_day["tasks"]
    assert len(tasks) >= 3
    _sign_in(client, field_day["operator"])

    def statements(ids) -> int:
        url = f"/field/pages?ids={','.join(str(t.id) for t in ids)}"
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    assert statements(tasks) == statements(tasks[:1])
