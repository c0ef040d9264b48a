"""12345 tickets: by API and by file upload; dedupe by ticket number; matching; the reply sheet."""
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from propmgmt.auth.services import create_token
from propmgmt.complaints.models import Complaint
from propmgmt.complaints.services import HotlineTicket, receive_hotline_ticket

from ..factories import CommunityFactory, CompoundFactory, SubdistrictFactory, UserFactory

# A copy of shared/samples/12345-tickets-gbk.csv, so the suite runs wherever the repo is cloned.
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "12345-tickets-gbk.csv"
HEADER = "工单编号,来电时间,诉求类型,诉求内容,所属街道,小区名称,地址,联系人,联系电话,办理时限(小时),承办单位,工单状态"


@pytest.fixture
def register(db):
    """The sample's compounds; 南庄村众康北区 is known by its alias 众康北区 only."""
    nanshan = CommunityFactory(subdistrict=SubdistrictFactory(name="南山路街道"))
    beidajie = CommunityFactory(subdistrict=SubdistrictFactory(name="北大街街道"))
    return {
        "xinhua": CompoundFactory(name="新华西街二区", community=beidajie),
        "yinshua": CompoundFactory(name="印刷厂小区", community=nanshan),  # the hotline says 上站街道
        "yuying": CompoundFactory(name="育英小区", community=nanshan),
        "zhongkang": CompoundFactory(name="众康北区(南庄村)", aliases="众康北区\n南庄村众康北区", community=nanshan),
    }


def _count(db):
    return db.session.scalar(select(func.count(Complaint.id)))


def test_ticket_twice_is_one_case(db, register, now):
    ticket = HotlineTicket("T-1", "污水外溢", "污水", "新华西街二区", "北大街街道", resolve_hours=4)
    first, created, warnings = receive_hotline_ticket(None, ticket, now=now)
    again, created_again, _ = receive_hotline_ticket(None, ticket, now=now)
    assert (created, created_again, warnings) == (True, False, [])
    assert first.id == again.id and _count(db) == 1
    assert first.compound_id == register["xinhua"].id and first.severity == "urgent"


def test_matching_by_alias_subdistrict_warning_and_unmatched(db, register, now):
    by_alias, _, _ = receive_hotline_ticket(None, HotlineTicket("T-2", "照明", "路灯", "南庄村众康北区", "义井街道"),
                                            now=now)
    assert by_alias.compound_id == register["zhongkang"].id
    wrong_street, _, warnings = receive_hotline_ticket(
        None, HotlineTicket("T-3", "井道堵塞", "堵了", "印刷厂小区", "上站街道"), now=now)
    assert wrong_street.compound_id == register["yinshua"].id and "南山路街道" in warnings[0]
    unknown, created, _ = receive_hotline_ticket(None, HotlineTicket("T-4", "保洁", "脏", "不存在小区"), now=now)
    assert created and unknown.compound_id is None and unknown.hotline_compound_name == "不存在小区"


def _upload(client, name, data):
    token = client.csrf_token("/complaints/hotline/import")
    return client.post("/complaints/hotline/import", data={"file": (io.BytesIO(data), name), "csrf_token": token},
                       content_type="multipart/form-data")


def test_upload_the_hotline_gbk_export(client, db, register, login_as):
    login_as("dispatcher")
    response = _upload(client, "12345.csv", SAMPLE.read_bytes())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _count(db) == 5  # six rows, one ticket exported twice
    assert html.count("YQ12345-20261102-0017") == 2  # created, then "already imported"
    assert "南山路街道" in html  # the subdistrict warning of 印刷厂小区
    cases = {c.hotline_ticket_no: c for c in db.session.scalars(select(Complaint))}
    assert cases["YQ12345-20261104-0012"].compound_id == register["zhongkang"].id
    assert cases["YQ12345-20261103-0005"].resolve_due_at - cases["YQ12345-20261103-0005"].received_at == \
        __import__("datetime").timedelta(hours=24)
    assert str(cases["YQ12345-20261102-0017"].received_at) == "2026-11-02 00:14:00+00:00"  # 08:14 in Yangquan
    _upload(client, "12345.csv", SAMPLE.read_bytes())  # the next overlapping export
    assert _count(db) == 5


def test_upload_utf8_bom_and_xlsx_and_bad_rows(client, db, register, login_as):
    login_as("dispatcher")
    text = (HEADER + "\r\nU-1,2026-11-05 08:00,保洁,楼道脏,南山路街道,育英小区,,,,48,,\r\n"
            "U-2,yesterday,保洁,x,南山路街道,育英小区,,,,48,,\r\n"
            "U-3,2026-11-05 09:00,保洁,,南山路街道,育英小区,,,,48,,\r\n"
            "U-4,2026-11-05 09:00,其他,<script>alert(1)</script>,,无名小区,,,,,,\r\n")
    html = _upload(client, "t.csv", "\ufeff".encode() + text.encode()).get_data(as_text=True)
    assert _count(db) == 2  # U-1 and the unmatched U-4; U-2 (bad date) and U-3 (no text) are reported
    assert "yesterday" in html and "<script>alert(1)" not in html
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["X-1", "2026-11-06 10:00", "污水外溢", "污水", "北大街街道", "新华西街二区", "", "", "", 4, "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    _upload(client, "t.xlsx", buffer.getvalue())
    assert db.session.scalar(select(Complaint.compound_id).where(Complaint.hotline_ticket_no == "X-1")) == \
        register["xinhua"].id


def test_upload_refuses_unreadable_files_clearly(client, db, login_as):
    login_as("dispatcher")
    response = _upload(client, "t.csv", "工单编号,来电时间\r\nA,B\r\n".encode())
    assert response.status_code == 400 and "诉求内容" in response.get_data(as_text=True)
    assert _upload(client, "t.pdf", b"%PDF").status_code == 400
    assert _upload(client, "t.xlsx", b"PK\x03\x04broken").status_code == 400
    assert _count(db) == 0


def test_unmatched_ticket_waits_and_is_matched_by_hand(client, db, register, login_as, now):
    case, _, _ = receive_hotline_ticket(None, HotlineTicket("M-1", "保洁", "脏", "育英"), now=now)
    db.session.commit()
    login_as("dispatcher")
    assert "M-1" in client.get("/complaints?unmatched=1").get_data(as_text=True)
    token = client.csrf_token(f"/complaints/{case.id}")
    client.post(f"/complaints/{case.id}/match", data={"compound_id": register["yuying"].id, "csrf_token": token})
    db.session.refresh(case)
    assert case.compound_id == register["yuying"].id
    client.post(f"/complaints/{case.id}/match", data={"compound_id": register["xinhua"].id, "csrf_token": token})
    db.session.refresh(case)
    assert case.compound_id == register["yuying"].id


def test_replies_export(client, db, register, login_as, setting, now):
    from propmgmt.complaints import services
    case, _, _ = receive_hotline_ticket(None, HotlineTicket("R-1", "保洁", "脏", "育英小区"), now=now)
    services.acknowledge(setting.dispatcher, case, now=now)
    services.resolve(setting.dispatcher, case, now=now, note="已清扫干净")
    db.session.commit()
    login_as("dispatcher")
    response = client.get("/complaints/hotline/replies.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    rows = rows[2:]  # below the title and its line of filters and as-of time
    assert rows[0][0] == "工单编号" and rows[1][0] == "R-1" and rows[1][6] == "已清扫干净"


def _api(client, user, body):
    """`body` as JSON; a str is sent as it is (to send what a JSON encoder would refuse)."""
    raw = {"data": body, "content_type": "application/json"} if isinstance(body, str) else {"json": body}
    return client.post("/api/v1/complaints", **raw, headers={"Authorization": f"Bearer {create_token(user)}"})


def test_api_creates_then_returns_the_same_case(client, db, register):
    user = UserFactory(role="dispatcher")
    body = {"ticket_no": "API-1", "category": "污水外溢", "description": "污水", "compound_name": "新华西街二区",
            "subdistrict": "北大街街道", "received_at": "2026-11-05T08:00:00", "resolve_hours": 4}
    first = _api(client, user, body)
    assert first.status_code == 201 and first.json["data"]["matched"] is True
    again = _api(client, user, body)
    assert again.status_code == 200 and again.json["data"]["id"] == first.json["data"]["id"]
    assert _count(db) == 1
    assert first.json["data"]["received_at"] == "2026-11-05T00:00:00+00:00"


@pytest.mark.parametrize("body, field", [
    ({}, "ticket_no"),
    ({"ticket_no": "A", "description": "x"}, "compound_name"),
    ({"ticket_no": 5, "description": "x", "compound_name": "y"}, "ticket_no"),
    ({"ticket_no": "A", "description": "x", "compound_name": "y", "received_at": "soon"}, "received_at"),
    ({"ticket_no": "A", "description": "x", "compound_name": "y", "resolve_hours": -1}, "resolve_hours"),
    ({"ticket_no": "A" * 41, "description": "x", "compound_name": "y"}, "ticket_no"),
    ({"ticket_no": "A", "description": "x", "compound_name": "y", "resolve_hours": float("nan")}, "resolve_hours"),
    ({"ticket_no": "A", "description": "x", "compound_name": "y", "resolve_hours": float("inf")}, "resolve_hours"),
    ({"ticket_no": "A", "description": "x", "compound_name": "y", "received_at": "9999-12-31T23:59:00"},
     "received_at"),
    ({"ticket_no": "A", "description": "x", "compound_name": "y", "received_at": "0001-01-01T00:00:00"},
     "received_at"),
    ('{"ticket_no": "A", "description": "\\ud800", "compound_name": "y"}', "description"),
])
def test_api_bad_input_is_400_json(client, db, body, field):
    response = _api(client, UserFactory(role="dispatcher"), body)
    assert response.status_code == 400 and response.json["error"]["field"] == field
    assert _count(db) == 0


def test_api_not_json_and_wrong_role(client, db):
    user = UserFactory(role="dispatcher")
    response = client.post("/api/v1/complaints", data="x", headers={"Authorization": f"Bearer {create_token(user)}"})
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"
    assert _api(client, UserFactory(role="official"), {}).status_code == 403


def test_openapi_describes_the_endpoint(client, db):
    document = client.get("/api/v1/openapi.json").json
    assert "post" in document["paths"]["/complaints"]
    assert "NewHotlineTicket" in document["components"]["schemas"]


def test_bad_cells_fail_their_row_and_control_characters_are_cleaned():
    """One row's `nan` hours or year-9999 call time is that row's error, not the file's; a name with
    a line break in it enters as one line."""
    from propmgmt.complaints.hotline import read_tickets

    header = "工单编号,来电时间,诉求类型,诉求内容,所属街道,小区名称,办理时限(小时)\r\n"
    rows = ('A1,2026-11-25 08:00,投诉,"污水外溢\r\n三号楼",南山路街道,"育英\r\n小区",4\r\n'
            "A2,2026-11-25 08:00,投诉,楼道脏,南山路街道,育英小区,nan\r\n"
            "A3,9999/12/31 23:59,投诉,楼道脏,南山路街道,育英小区,24\r\n"
            "A4,2026-11-25 08:00,投诉,楼道脏\x07,南山路街道,育英小区,inf\r\n")
    result = read_tickets("t.csv", (header + rows).encode("gbk"))
    assert [(number, fields is not None) for number, fields, _ in result] == [(2, True), (3, False), (4, False),
                                                                              (5, False)]
    fields = result[0][1]
    assert fields["compound_name"] == "育英 小区" and fields["description"] == "污水外溢\n三号楼"
    assert "nan" in result[1][2] and "9999" in result[2][2]
