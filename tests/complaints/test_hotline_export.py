"""A real-format 12345 export: nature and classification, deadlines as hours, date-time and working days
(with the mainland calendar), the extra columns, the hotline's reminders, extension decisions and 回访."""
import io
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from propmgmt.clock import to_local
from propmgmt.complaints.hotline import category_match, read_tickets
from propmgmt.complaints.models import Complaint, HotlineCategoryMap, HotlineStep
from propmgmt.outbox.models import Notification
from propmgmt.workdays import add_workdays

from ..factories import AssignmentFactory, CommunityFactory, CompoundFactory, SubdistrictFactory

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "12345-tickets-gbk.csv"


@pytest.fixture
def register(db):
    nanshan = CommunityFactory(subdistrict=SubdistrictFactory(name="南山路街道"))
    beidajie = CommunityFactory(subdistrict=SubdistrictFactory(name="北大街街道"))
    yijing = CommunityFactory(subdistrict=SubdistrictFactory(name="义井街道"))
    return {
        "xinhua": CompoundFactory(name="新华西街二区", community=beidajie),
        "yinshua": CompoundFactory(name="印刷厂小区", community=nanshan),
        "yuying": CompoundFactory(name="育英小区", community=nanshan),
        "zhongkang": CompoundFactory(name="众康北区(南庄村)", aliases="南庄村众康北区", community=yijing),
        "dayangquan": CompoundFactory(name="大阳泉村安置住房", community=yijing),
    }


def _upload(client, data, name="12345.csv"):
    token = client.csrf_token("/complaints/hotline/import")
    return client.post("/complaints/hotline/import", data={"file": (io.BytesIO(data), name), "csrf_token": token},
                       content_type="multipart/form-data")


def _cases(db):
    return {c.hotline_ticket_no: c for c in db.session.scalars(select(Complaint))}


def _local(value):
    return to_local(value).strftime("%Y-%m-%d %H:%M")


def test_the_sample_imports_with_categories_deadlines_and_steps(client, db, register, login_as):
    AssignmentFactory(compound=register["xinhua"], status="active")
    login_as("dispatcher")
    response = _upload(client, SAMPLE.read_bytes())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    cases = _cases(db)
    assert len(cases) == 7  # nine rows: two are the hotline's later word on tickets already there
    sewage = cases["YQ12345-20261102-0017"]
    # 投诉 is the nature; the classification makes it sewage (4 h), not "other" (72 h).
    assert (sewage.hotline_nature, sewage.category, sewage.severity) == ("complaint", "sewage_overflow", "urgent")
    assert sewage.resolve_due_at - sewage.received_at == timedelta(hours=4)
    assert sewage.contact_name == "王女士" and sewage.hotline_return_allowed is False
    assert sewage.hotline_title.startswith("新华西街二区") and sewage.hotline_channel == "电话"
    assert sewage.location == "3号楼2单元门口" and sewage.hotline_assist_units == "北大街街道办事处"
    # 办结期限 (a date-time) is stricter than the policy's 24 h for garbage.
    garbage = cases["YQ12345-20261103-0005"]
    assert (garbage.deadline_rule, _local(garbage.resolve_due_at)) == ("hotline_due", "2026-11-03 18:00")
    # 24 hours for cleaning (policy 48 h).
    assert cases["YQ12345-20261103-0044"].deadline_rule == "hotline_hours"
    # One working day after Wednesday 4 November: Thursday, end of day.
    lighting = cases["YQ12345-20261104-0012"]
    assert (lighting.deadline_rule, _local(lighting.resolve_due_at)) == ("hotline_workdays", "2026-11-05 23:59")
    # An enquiry about fees matches no classification: the default, and the report lists the value.
    fees = cases["YQ12345-20261104-0020"]
    assert (fees.hotline_nature, fees.category) == ("consult", "other")
    assert "物业管理/物业服务收费" in html.split('id="unmatched-classifications"')[1]
    # 2027's holidays are not in the calendar yet: counted Monday-Friday, and the row says so.
    late = cases["YQ12345-20261230-0008"]
    assert late.category == "facility_damage" and late.deadline_rule == "hotline_workdays" and "2027" in html
    # The hotline's later rows: a reminder (the responsible leader hears of it), an approved extension.
    urged = db.session.scalars(select(HotlineStep).where(HotlineStep.kind == "urged")).all()
    assert [s.complaint_id for s in urged] == [sewage.id]
    leader_rows = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.kind == "hotline_urged", Notification.subject_id == sewage.id))
    assert leader_rows >= 1
    shaft = cases["YQ12345-20261102-0031"]
    assert (shaft.deadline_rule, _local(shaft.resolve_due_at)) == ("extension", "2026-11-06 18:00")
    # 回访: satisfied, not satisfied, not reached.
    assert (garbage.visit_result, garbage.visit_reached) == ("satisfied", True)
    assert cases["YQ12345-20261103-0044"].visit_result == "unsatisfied"
    assert (lighting.visit_result, lighting.visit_reached) == (None, False)
    # The next overlapping export adds nothing.
    _upload(client, SAMPLE.read_bytes())
    assert len(_cases(db)) == 7
    assert db.session.scalar(select(func.count(HotlineStep.id))) == 2


def test_working_days_follow_the_holidays_and_make_up_days():
    # National Day 2026: 1-7 October off; the working day after 30 September is 8 October.
    assert add_workdays(date(2026, 9, 30), 1).day == date(2026, 10, 8)
    assert add_workdays(date(2026, 9, 30), 1).estimated == ()
    # A year the package does not know: Monday to Friday, and said so.
    result = add_workdays(date(2026, 12, 31), 1)
    assert result.day == date(2027, 1, 1) or result.estimated == (2027,)


def test_officials_mapping_wins_over_the_defaults(db):
    assert category_match("公共设施/下水道堵塞") == ("blocked_shaft", True)
    assert category_match("物业管理/物业服务收费") == ("other", False)
    db.session.add(HotlineCategoryMap(classification="物业服务收费", category="other"))
    db.session.add(HotlineCategoryMap(classification="公共设施", category="facility_damage"))
    db.session.flush()
    assert category_match("物业管理/物业服务收费") == ("other", True)
    assert category_match("公共设施/下水道堵塞") == ("facility_damage", True)


@pytest.mark.parametrize("cell, message", [
    ("3个工作日x", "3个工作日x"), ("0", "0"), ("2026-13-01", "2026-13-01"),
])
def test_unreadable_deadlines_fail_their_row(cell, message):
    text = f"工单编号,诉求内容,小区名称,办理时限\r\nT-1,脏,育英小区,{cell}\r\n"
    [(number, fields, error)] = read_tickets("t.csv", text.encode())
    assert fields is None and message in error


def test_older_exports_still_read_the_subject_from_the_type_column():
    text = "工单编号,诉求类型,诉求内容,小区名称,办结期限\r\nT-1,污水外溢,脏,育英小区,2026-11-05\r\n"
    [(_, fields, _)] = read_tickets("t.csv", text.encode("gbk"))
    assert fields["nature"] == "" and fields["category_text"] == "污水外溢"
    assert fields["resolve_due"] == datetime(2026, 11, 5, 15, 59, tzinfo=timezone.utc).astimezone(
        fields["resolve_due"].tzinfo)


def test_dispatcher_signs_extends_and_the_reply_sheet_says_so(client, db, register, login_as, setting, now):
    from openpyxl import load_workbook

    from propmgmt.complaints import hotline_steps
    from propmgmt.complaints.services import HotlineTicket, receive_hotline_ticket
    case, _, _ = receive_hotline_ticket(None, HotlineTicket("S-1", "环境卫生/楼道保洁", "脏", "育英小区",
                                                            nature="complaint", contact_name="赵女士"), now=now)
    db.session.commit()
    login_as("dispatcher")
    page = f"/complaints/{case.id}"
    html = client.get(page).get_data(as_text=True)
    assert "赵女士" in html and 'id="hotline"' in html
    token = client.csrf_token(page)
    client.post(f"{page}/hotline/sign", data={"csrf_token": token})
    until = to_local(case.resolve_due_at + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"{page}/hotline/extension", data={"csrf_token": token, "reason": "需更换管道", "until": until})
    client.post(f"{page}/hotline/extension/decide", data={"csrf_token": token, "decision": "approved"})
    client.post(f"{page}/hotline/reply", data={"csrf_token": token, "handler_name": "李调度",
                                               "contacted_at": to_local(now).strftime("%Y-%m-%dT%H:%M")})
    db.session.refresh(case)
    assert case.deadline_rule == "extension" and to_local(case.resolve_due_at).strftime("%Y-%m-%dT%H:%M") == until
    # A second sign-for is refused with a message, not a 500.
    again = client.post(f"{page}/hotline/sign", data={"csrf_token": token}, follow_redirects=True)
    assert again.status_code == 200 and "已签收" in again.get_data(as_text=True)
    hotline_steps.urge(None, case, at=now, now=now)
    db.session.commit()
    rows = list(load_workbook(io.BytesIO(client.get("/complaints/hotline/replies.xlsx").data))
                .active.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r[0] == "工单编号")  # under the sheet's title and as-of rows
    header, row = rows[at], dict(zip(rows[at], rows[at + 1], strict=True))
    assert "签收时间" in header and row["签收时间"] and row["延期原因"] == "需更换管道"
    assert row["延期审核"] == "同意" or row["延期审核"] == "Approved" or row["延期审核"]
    assert row["承办人"] == "李调度" and row["联系来电人时间"] and row["催办次数"] == 1
    # 退单 only while the ticket is not dispatched and within the window: this one is still open.
    other, _, _ = receive_hotline_ticket(None, HotlineTicket("S-2", "物业管理/物业服务收费", "问物业费", "育英小区"),
                                         now=now)
    hotline_steps.send_back(setting.dispatcher, other, "该小区由专业物业服务", now=now)
    assert other.status == "closed"
    late, _, _ = receive_hotline_ticket(None, HotlineTicket("S-3", "保洁", "脏", "育英小区"), now=now)
    from propmgmt.errors import DomainError
    with pytest.raises(DomainError, match="passed|超过|已过"):
        hotline_steps.send_back(setting.dispatcher, late, "不是我们的", now=now + timedelta(hours=25))


def test_the_hotlines_figures_show_on_the_overview_beside_residents_ratings(client, db, register, login_as):
    from propmgmt.clock import utcnow
    from propmgmt.complaints.queries import hotline_figures
    now = utcnow()  # the overview counts the last 30 days of the real clock
    from propmgmt.complaints.services import HotlineTicket, receive_hotline_ticket
    received = now - timedelta(days=3)
    made = [receive_hotline_ticket(None, HotlineTicket(f"F-{n}", "保洁", "脏", "育英小区", received_at=received),
                                   now=received)[0] for n in range(5)]
    for case, result, reached in zip(made, ("satisfied", "basic", "unsatisfied", None, None),
                                     (True, True, True, False, None), strict=True):
        case.visit_result, case.visit_reached = result, reached
    made[0].resolved_at = made[1].resolved_at = made[2].resolved_at = now - timedelta(days=2)
    made[0].rating = 4
    made[3].resolve_due_at = now + timedelta(days=1)  # not yet owing an answer
    db.session.flush()
    figures = hotline_figures(now - timedelta(days=30), now, now)
    # Replied 3 of the 4 that owe an answer; 2 of 3 reached callers satisfied or basically satisfied.
    assert (figures.tickets, figures.owing, figures.replied, figures.reply_rate) == (5, 4, 3, 75.0)
    assert (figures.reached, figures.satisfied, figures.satisfaction_rate) == (3, 2, 66.7)
    assert (figures.ratings, figures.rating_average) == (1, 4.0)
    db.session.commit()
    login_as("official")
    html = client.get("/oversight").get_data(as_text=True)
    block = html.split('id="satisfaction"')[1].split("</div>\n  </div>")[0]
    assert "75.0%" in block and "66.7%" in block and "4.0" in block


def test_the_api_takes_nature_working_days_and_a_due_date(client, db, register):
    from propmgmt.auth.services import create_token

    from ..factories import UserFactory
    token = create_token(UserFactory(role="dispatcher"))
    db.session.commit()

    def post(body):
        return client.post("/api/v1/complaints", json=body, headers={"Authorization": f"Bearer {token}"})

    answer = post({"ticket_no": "A-1", "category": "市政设施/路灯照明", "nature": "投诉", "description": "灯不亮",
                   "compound_name": "育英小区", "received_at": "2026-11-04T10:31", "resolve_workdays": 1})
    assert answer.status_code == 201, answer.get_json()
    case = db.session.scalar(select(Complaint).where(Complaint.hotline_ticket_no == "A-1"))
    assert (case.hotline_nature, case.category, case.deadline_rule) == ("complaint", "lighting", "hotline_workdays")
    for bad in ({"resolve_workdays": 0}, {"resolve_workdays": "3"}, {"resolve_due": "soon"}, {"nature": 5}):
        body = {"ticket_no": "A-2", "category": "保洁", "description": "x", "compound_name": "育英小区", **bad}
        assert post(body).status_code == 400


def test_every_reminder_of_the_hotline_reaches_the_leader(db, register, now):
    from propmgmt.complaints import hotline_steps
    from propmgmt.complaints.services import HotlineTicket, receive_hotline_ticket
    from propmgmt.reminders.messages import render
    assignment = AssignmentFactory(compound=register["yuying"], status="active")
    case, _, _ = receive_hotline_ticket(None, HotlineTicket("U-1", "保洁", "脏", "育英小区"), now=now)
    hotline_steps.urge(None, case, at=now, now=now)
    hotline_steps.urge(None, case, at=now + timedelta(hours=1), now=now + timedelta(hours=1))
    assert hotline_steps.urge(None, case, at=now, now=now + timedelta(hours=2)) is None  # the same reminder again
    rows = db.session.scalars(select(Notification).where(Notification.recipient_id == assignment.responsible_leader_id,
                                                         Notification.channel == "in_app")
                              .order_by(Notification.id)).all()
    assert [r.kind for r in rows] == ["hotline_urged", "hotline_urged_2"]
    assert "U-1" in render(rows[1])[1]
