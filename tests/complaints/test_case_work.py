"""A case's task as the operator's work: where it is, what service it is done as, what completing it
needs, when it is overdue, and that it stays in the operator's day until its deadline."""

from datetime import timedelta

import pytest
from PIL import Image

from propmgmt.complaints import services
from propmgmt.complaints.hotline import read_tickets
from propmgmt.errors import DomainError
from propmgmt.field.queries import my_days
from propmgmt.plans.outcomes import is_overdue
from propmgmt.plans.transitions import Completion, complete_task

from ..factories import ServiceTypeFactory


def _case(field_day, now, category="sewage_overflow", **fields):
    return services.open_case(compound_id=field_day["compound"].id, source="resident", category=category,
                              description="3号楼单元门口污水外溢", now=now, **fields)


def _photo():
    return Image.new("RGB", (20, 20), (120, 80, 40))


def test_a_residents_report_keeps_where_in_the_compound_it_is(db, field_day, now, app):
    case = services.submit_report(field_day["compound"], category="cleaning", description="楼道杂物",
                                  contact_phone="", photos=[], address="10.9.9.9", now=now,
                                  upload_dir=app.config["UPLOAD_DIR"], location="  3号楼 2单元门口 ")
    assert case.location == "3号楼 2单元门口"
    with pytest.raises(DomainError) as refused:
        services.submit_report(field_day["compound"], category="cleaning", description="楼道杂物",
                               contact_phone="", photos=[], address="10.9.9.8", now=now,
                               upload_dir=app.config["UPLOAD_DIR"], location="楼" * 121)
    assert refused.value.field == "location"


def test_a_problem_found_on_site_keeps_its_place(db, field_day, now, app):
    case = services.report_from_field(field_day["operator"], field_day["compound"].id, "blocked_shaft", "井道堵塞",
                                      [], now=now, upload_dir=app.config["UPLOAD_DIR"], location="5号楼东侧")
    assert case.location == "5号楼东侧"


def test_the_hotline_address_becomes_the_place_without_the_compound_name(db, field_day, setting, now):
    with open("tests/data/12345-tickets-gbk.csv", "rb") as sample:
        rows = read_tickets("12345-tickets-gbk.csv", sample.read())
    services.import_hotline_rows(setting.dispatcher, rows, now=now)
    from sqlalchemy import select

    from propmgmt.complaints.models import Complaint
    places = dict(db.session.execute(select(Complaint.hotline_ticket_no, Complaint.location)).all())
    assert places["YQ12345-20261103-0005"] == "北门垃圾站"  # 育英小区北门垃圾站, the compound named once
    assert places["YQ12345-20261103-0044"] == "7号楼2单元"


@pytest.mark.parametrize("category, service", [("sewage_overflow", "repair"), ("blocked_shaft", "repair"),
                                                ("garbage_not_collected", "garbage_sorting"),
                                                ("lighting", "cleaning"), ("other", "cleaning")])
def test_dispatch_chooses_the_service_from_the_category(db, field_day, setting, now, category, service):
    ServiceTypeFactory(code="repair", name_zh="疏通维修", name_en="Repairs and pipe dredging")
    task = services.dispatch(setting.dispatcher, _case(field_day, now, category), now=now)
    assert task.service_type.code == service


def test_without_a_repair_service_a_sewage_case_is_dispatched_as_cleaning(db, field_day, setting, now):
    ServiceTypeFactory(code="repair", name_zh="疏通维修").active = False  # a district may retire it
    task = services.dispatch(setting.dispatcher, _case(field_day, now), now=now)
    assert task.service_type.code == "cleaning"


def test_completing_a_cases_task_needs_a_photo_and_a_note(db, field_day, setting, now, app):
    case = _case(field_day, now)
    task = services.dispatch(setting.dispatcher, case, now=now)
    operator, upload = field_day["operator"], app.config["UPLOAD_DIR"]
    with pytest.raises(DomainError) as refused:
        complete_task(operator, task, Completion(note="已疏通"), now=now, upload_dir=upload)
    assert refused.value.field == "photos"
    with pytest.raises(DomainError) as refused:
        complete_task(operator, task, Completion(note="  ", photos=[_photo()]), now=now, upload_dir=upload)
    assert refused.value.field == "note"
    assert task.status == "scheduled" and case.status == "dispatched"
    complete_task(operator, task, Completion(note="已疏通，现场已清理", photos=[_photo()]),
                  now=now + timedelta(hours=1), upload_dir=upload)
    db.session.refresh(case)
    assert case.status == "resolved" and case.resolution_note == "已疏通，现场已清理"


def test_a_cases_task_is_not_overdue_ten_minutes_after_dispatch(db, field_day, setting, now):
    task = services.dispatch(setting.dispatcher, _case(field_day, now), now=now)
    assert not is_overdue(task, now + timedelta(minutes=10))
    assert is_overdue(task, now + timedelta(minutes=31))  # plans.outcomes' rule: 30 minutes, not started


def test_a_cases_task_stays_in_todays_list_until_its_deadline(db, field_day, setting, now):
    """Dispatched yesterday evening with two days to go: it is today's work, not yesterday's."""
    case = _case(field_day, now - timedelta(days=1), "cleaning")  # 48 hours to resolve
    task = services.dispatch(setting.dispatcher, case, now=now - timedelta(days=1))
    today, tomorrow = my_days(field_day["operator"], now=now)
    assert task.id in [t.id for g in today.groups for t in g.tasks]
    assert task.id not in [t.id for g in tomorrow.groups for t in g.tasks]
    later = now + timedelta(days=1, hours=1)  # past its deadline: no longer in the list
    assert task.id not in [t.id for d in my_days(field_day["operator"], now=later) for g in d.groups for t in g.tasks]


def test_hotline_location_is_cut_not_refused(db, setting, now):
    ticket = services.HotlineTicket(ticket_no="T-LONG", category_text="保洁", description="x", compound_name="无名小区",
                                    address="长" * 300)
    case, created, _warnings = services.receive_hotline_ticket(setting.dispatcher, ticket, now=now)
    assert created and len(case.location) == 120

