"""The dispatcher's queue and case page over HTTP."""
from datetime import timedelta

from sqlalchemy import select

from propmgmt.clock import utcnow
from propmgmt.complaints import services
from propmgmt.plans.models import Task


def _case(db, compound, **fields):
    values = dict(compound_id=compound.id, source="resident", category="sewage_overflow",
                  description="<img src=x onerror=alert(1)>", contact_phone="13903531234",
                  now=utcnow()) | fields
    case = services.open_case(**values)
    db.session.commit()
    return case


def test_queue_shows_deadline_and_overdue_mark(client, db, field_day, login_as):
    fresh = _case(db, field_day["compound"])
    late = _case(db, field_day["compound"], now=utcnow() - timedelta(hours=2))
    login_as("dispatcher")
    html = client.get("/complaints").get_data(as_text=True)
    assert fresh.tracking_code in html and late.tracking_code in html
    assert html.index(late.tracking_code) < html.index(fresh.tracking_code)  # nearest deadline first
    assert html.count('class="overdue"') == 1
    assert "<img src=x" not in client.get(f"/complaints/{fresh.id}").get_data(as_text=True)


def test_phone_is_full_for_dispatchers_masked_for_admins(client, db, field_day, login_as):
    case = _case(db, field_day["compound"])
    login_as("dispatcher")
    assert "13903531234" in client.get(f"/complaints/{case.id}").get_data(as_text=True)
    client.post_form("/logout", page="/complaints")
    login_as("admin")
    html = client.get(f"/complaints/{case.id}").get_data(as_text=True)
    assert "13903531234" not in html and "139****1234" in html


def test_acknowledge_dispatch_resolve_over_http(client, db, field_day, login_as):
    case = _case(db, field_day["compound"])
    login_as("dispatcher")
    page = f"/complaints/{case.id}"
    assert client.post_form(f"{page}/acknowledge", page=page).status_code == 302
    client.post_form(f"{page}/acknowledge", page=page)  # twice: a clear message, no change
    html = client.get(page).get_data(as_text=True)
    assert "已受理" in html or "Acknowledged" in html
    client.post_form(f"{page}/dispatch", {"crew_id": "", "assignee_id": str(field_day["operator"].id)}, page=page)
    task = db.session.scalar(select(Task).where(Task.complaint_id == case.id))
    assert task.assignee_id == field_day["operator"].id
    db.session.refresh(case)
    assert case.status == "dispatched"
    client.post_form(f"{page}/dispatch", {"assignee_id": "abc"}, page=page)  # not dispatchable again
    assert db.session.query(Task).filter(Task.complaint_id == case.id).count() == 1
    client.post_form(f"{page}/resolve", {"note": "处理完毕"}, page=page)
    db.session.refresh(case)
    assert case.status == "resolved" and case.resolution_note == "处理完毕"


def test_unknown_case_is_404(client, db, login_as):
    login_as("dispatcher")
    assert client.get("/complaints/999999").status_code == 404
    assert client.post_form("/complaints/999999/acknowledge", page="/complaints").status_code == 404


def test_dispatcher_sees_the_residents_photo(client, db, field_day, login_as):
    from propmgmt.complaints.models import Complaint, ComplaintPhoto

    from ..conftest import jpeg
    from ..residents.conftest import report
    report(client, field_day["compound"].public_code, photo=jpeg())
    case = db.session.scalar(select(Complaint))
    photo = db.session.scalar(select(ComplaintPhoto))
    login_as("dispatcher")
    assert f"/complaints/photos/{photo.id}?size=thumb" in client.get(f"/complaints/{case.id}").get_data(as_text=True)
    response = client.get(f"/complaints/photos/{photo.id}?size=thumb")
    assert response.status_code == 200 and response.data.startswith(b"\xff\xd8")  # re-encoded JPEG


def test_the_case_page_shows_where_in_the_compound_and_the_tasks_service(client, db, field_day, login_as,
                                                                        setting):
    from ..factories import ServiceTypeFactory
    ServiceTypeFactory(code="repair", name_zh="疏通维修", name_en="Repairs and pipe dredging")
    case = _case(db, field_day["compound"], location="3号楼2单元门口")
    services.dispatch(setting.dispatcher, case, now=utcnow())
    db.session.commit()
    login_as("dispatcher")
    html = client.get(f"/complaints/{case.id}").get_data(as_text=True)
    assert "位置" in html and "3号楼2单元门口" in html and "疏通维修" in html


def test_the_dispatch_list_tells_operators_apart_and_puts_the_compound_s_crew_first(client, db, field_day,
                                                                                       login_as, setting):
    from ..factories import CrewFactory, UserFactory
    other_crew = CrewFactory(organisation=setting.crew.organisation, name="东片一组")
    field_day["operator"].work_no = "JC0001"
    for n in range(3):  # the same name three times, in another crew
        UserFactory(role="operator", crew=other_crew, display_name="徐师傅", work_no=f"JC00{n + 11}")
    case = _case(db, field_day["compound"])
    login_as("dispatcher")
    html = client.get(f"/complaints/{case.id}").get_data(as_text=True)
    select_html = html[html.index('id="assignee_id"'):html.index("</select>", html.index('id="assignee_id"'))]
    for n in range(3):
        assert f"徐师傅（JC00{n + 11} · 东片一组）" in select_html
    assert f"赵师傅（JC0001 · {setting.crew.name}）" in select_html
    ours, others = select_html.index('label="本小区班组"'), select_html.index('label="其他保洁员"')
    assert ours < select_html.index("赵师傅") < others < select_html.index("徐师傅")
    assert 'data-search="' in select_html and "js/select-search.js" in html


def test_a_work_number_is_unique_when_set(db):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from ..factories import UserFactory
    UserFactory(role="operator", work_no=None)
    UserFactory(role="operator", work_no=None)  # many without one
    UserFactory(role="operator", work_no="JC0100")
    db.session.flush()
    with pytest.raises(IntegrityError):
        UserFactory(role="operator", work_no="JC0100")
        db.session.flush()
    db.session.rollback()
