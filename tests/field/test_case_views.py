"""A case's task on the tablet: the operator reads what to do, where, by when, and the resident's
photos (only the task's operator opens them), never the resident's phone."""
import io
import re
from datetime import timedelta

import pytest
from PIL import Image

from propmgmt.complaints import services
from propmgmt.orgs.models import Crew

from ..conftest import jpeg
from ..factories import CrewFactory, ServiceTypeFactory, UserFactory

JSON = {"Accept": "application/json"}


def _sign_in(client, user):
    client.post_form("/login", {"username": user.username, "password": "password123"})


@pytest.fixture
def case_task(db, app, field_day, setting, now):
    """A sewage overflow at 3号楼2单元门口 with the resident's photo, dispatched to 育英小区's crew."""
    ServiceTypeFactory(code="repair", name_zh="疏通维修", name_en="Repairs and pipe dredging")
    case = services.submit_report(field_day["compound"], category="sewage_overflow",
                                  description="3号楼单元门口污水外溢，气味很大", contact_phone="13903531234",
                                  photos=[Image.open(io.BytesIO(jpeg()))], address="10.1.1.1", now=now,
                                  upload_dir=app.config["UPLOAD_DIR"], location="3号楼2单元门口")
    task = services.dispatch(setting.dispatcher, case, now=now)
    db.session.commit()
    return case, task


def test_the_day_row_shows_what_where_and_by_when(client, field_day, case_task):
    case, task = case_task
    _sign_in(client, field_day["operator"])
    html = client.get("/field").get_data(as_text=True)
    row = re.search(rf'<li class="task-row[^"]*" data-task-id="{task.id}">(.*?)</li>', html, re.S).group(1)
    assert "污水外溢" in row and "3号楼单元门口污水外溢，气味很大" in row and "3号楼2单元门口" in row
    assert case.tracking_code in row and "11-25 14:00" in row  # resolve by: 4 hours, in district time
    assert "13903531234" not in html and "1390353" not in html
    photo = case.id and re.search(rf'/field/tasks/{task.id}/case-photos/(\d+)\?size=thumb', row)
    assert photo is not None
    assert f'href="/field/tasks/{task.id}/case-photos/{photo.group(1)}"' in row  # the thumbnail opens full size


def test_the_window_of_a_case_that_spans_days_shows_its_dates(client, field_day, setting, db, now):
    case = services.open_case(compound_id=field_day["compound"].id, source="resident", category="cleaning",
                              description="楼道杂物", now=now)  # 48 hours: 10:00 today to 10:00 in two days
    task = services.dispatch(setting.dispatcher, case, now=now)
    db.session.commit()
    _sign_in(client, field_day["operator"])
    html = client.get("/field").get_data(as_text=True)
    assert "11-25 10:00–11-27 10:00" in html and "10:00–10:00" not in html.replace("11-25 10:00–11-27 10:00", "")
    page = client.get(f"/field/tasks/{task.id}").get_data(as_text=True)
    assert "11-25 10:00–11-27 10:00" in page


def test_the_task_page_says_what_to_do_not_no_checklist(client, field_day, case_task):
    case, task = case_task
    _sign_in(client, field_day["operator"])
    html = client.get(f"/field/tasks/{task.id}").get_data(as_text=True)
    assert "疏通维修" in html  # a sewage overflow is repair work (complaints.policy)
    assert "要做什么" in html and "3号楼单元门口污水外溢，气味很大" in html and "3号楼2单元门口" in html
    assert case.tracking_code in html and "此服务没有检查清单" not in html and 'name="check"' not in html
    assert "13903531234" not in html
    assert re.search(r'<textarea id="note" name="note"[^>]* required', html)


def test_completing_without_a_photo_is_refused_with_a_clear_message(client, field_day, case_task):
    _case, task = case_task
    _sign_in(client, field_day["operator"])
    token = client.csrf_token(f"/field/tasks/{task.id}")
    response = client.post(f"/field/tasks/{task.id}/complete", data={"note": "已疏通"},
                           headers={**JSON, "X-CSRFToken": token, "X-Idempotency-Key": "case-no-photo"})
    assert response.status_code == 422 and response.json["error"]["field"] == "photos"


def _case_photo_url(client, task):
    html = client.get(f"/field/tasks/{task.id}").get_data(as_text=True)
    return re.search(rf'/field/tasks/{task.id}/case-photos/\d+', html).group(0)


def test_the_tasks_operator_opens_the_residents_photo(client, field_day, case_task):
    _case, task = case_task
    _sign_in(client, field_day["operator"])
    url = _case_photo_url(client, task)
    full, thumb = client.get(url), client.get(url + "?size=thumb")
    assert full.status_code == 200 and full.mimetype == "image/jpeg" and thumb.status_code == 200
    assert len(thumb.data) < len(full.data)
    assert "private" in full.headers["Cache-Control"]


def test_an_operator_of_another_crew_cannot_open_the_case_photos(client, db, field_day, case_task, app):
    _case, task = case_task
    _sign_in(client, field_day["operator"])
    url = _case_photo_url(client, task)
    client.post_form("/logout", {})
    other = UserFactory(role="operator", crew=CrewFactory(organisation=db.session.get(Crew, task.crew_id).organisation))
    db.session.commit()
    _sign_in(client, other)
    assert client.get(url).status_code == 404
    assert client.get(url + "?size=thumb").status_code == 404


def test_a_case_photo_is_served_only_through_its_own_task(client, db, field_day, case_task, setting, now):
    """The operator's own plan task does not open a case's photo, nor their case task another case's."""
    _case, task = case_task
    _sign_in(client, field_day["operator"])
    url = _case_photo_url(client, task)
    photo_id = url.rsplit("/", 1)[1]
    own_plan_task = field_day["tasks"][0]
    assert client.get(f"/field/tasks/{own_plan_task.id}/case-photos/{photo_id}").status_code == 404
    other_case = services.open_case(compound_id=field_day["compound"].id, source="resident", category="other",
                                    description="x", now=now)
    other_task = services.dispatch(setting.dispatcher, other_case, now=now + timedelta(minutes=1))
    db.session.commit()
    assert client.get(f"/field/tasks/{other_task.id}/case-photos/{photo_id}").status_code == 404
