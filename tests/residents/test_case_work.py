"""The resident's tracking page shows the work done on their case: the operator's completion photos,
through a route that serves only photos of the tasks made for that case (no names)."""
import io
import re
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from propmgmt.complaints import services
from propmgmt.complaints.models import Complaint
from propmgmt.plans.models import TaskPhoto
from propmgmt.plans.transitions import Completion, complete_task

from ..conftest import jpeg
from .conftest import report


def _completed_case(db, app, field_day, setting, now, description="3号楼门口污水外溢"):
    case = services.open_case(compound_id=field_day["compound"].id, source="resident", category="sewage_overflow",
                              description=description, now=now, location="3号楼2单元门口")
    task = services.dispatch(setting.dispatcher, case, now=now)
    complete_task(field_day["operator"], task, Completion(note="已疏通，地面已冲洗",
                                                          photos=[Image.open(io.BytesIO(jpeg()))]),
                  now=now + timedelta(hours=1), upload_dir=app.config["UPLOAD_DIR"])
    db.session.commit()
    return case, task


def test_the_report_form_takes_where_in_the_compound(client, db, compound):
    assert report(client, compound.public_code, location="5号楼东侧").status_code == 302
    case = db.session.scalar(select(Complaint).where(Complaint.compound_id == compound.id))
    assert case.location == "5号楼东侧"
    page = client.get(f"/r/track/{case.tracking_code}").get_data(as_text=True)
    assert "5号楼东侧" in page


def test_a_too_long_place_is_shown_beside_its_field(client, db, compound):
    response = report(client, compound.public_code, location="楼" * 121)
    assert response.status_code == 422
    assert 'has-error' in re.search(r'<div class="field [^"]*">\s*<label for="location"', response.get_data(
        as_text=True)).group(0)


def test_the_tracking_page_shows_the_operators_photo_without_names(client, db, app, field_day, setting, now):
    case, task = _completed_case(db, app, field_day, setting, now)
    html = client.get(f"/r/track/{case.tracking_code}").get_data(as_text=True)
    assert case.status == "resolved" and "处理结果照片" in html and "已疏通，地面已冲洗" in html
    assert field_day["operator"].display_name not in html
    photo = db.session.scalar(select(TaskPhoto).where(TaskPhoto.task_id == task.id))
    url = f"/r/track/{case.tracking_code}/photos/{photo.id}"
    assert f'href="{url}"' in html and f'src="{url}?size=thumb"' in html
    full, thumb = client.get(url), client.get(f"{url}?size=thumb")
    assert full.status_code == 200 and full.mimetype == "image/jpeg" and thumb.status_code == 200


def test_a_resident_cannot_see_another_cases_photos(client, db, app, field_day, setting, now):
    first, task = _completed_case(db, app, field_day, setting, now)
    second, _ = _completed_case(db, app, field_day, setting, now + timedelta(minutes=5), description="另一处")
    photo = db.session.scalar(select(TaskPhoto).where(TaskPhoto.task_id == task.id))
    assert client.get(f"/r/track/{second.tracking_code}/photos/{photo.id}").status_code == 404
    assert client.get(f"/r/track/NOSUCHCODE/photos/{photo.id}").status_code == 404
    plan_task = field_day["tasks"][0]  # the compound's daily work: not this case's, not on its page
    complete_task(field_day["operator"], plan_task, Completion(checklist={}, note="ok",
                                                               photos=[Image.open(io.BytesIO(jpeg()))]),
                  now=now, upload_dir=app.config["UPLOAD_DIR"])
    db.session.commit()
    plan_photo = db.session.scalar(select(TaskPhoto).where(TaskPhoto.task_id == plan_task.id))
    assert client.get(f"/r/track/{first.tracking_code}/photos/{plan_photo.id}").status_code == 404
    assert f"/photos/{plan_photo.id}" not in client.get(f"/r/track/{first.tracking_code}").get_data(as_text=True)
