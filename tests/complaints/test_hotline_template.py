"""The 12345 import's template and the hotline's legacy .xls export."""
import io
from datetime import datetime, timezone
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from propmgmt.complaints.hotline import COLUMNS, REQUIRED
from propmgmt.complaints.models import Complaint

from ..factories import CommunityFactory, CompoundFactory, SubdistrictFactory

XLS = Path(__file__).resolve().parents[1] / "data" / "12345-tickets.xls"  # written by tests/data/make_xls.py


def _upload(client, filename: str, data: bytes):
    return client.post_form("/complaints/hotline/import", {"file": (io.BytesIO(data), filename)},
                            content_type="multipart/form-data")


def _compounds():
    nanshan = CommunityFactory(subdistrict=SubdistrictFactory(name="南山路街道"))
    beidajie = CommunityFactory(subdistrict=SubdistrictFactory(name="北大街街道"))
    yuying = CompoundFactory(name="育英小区", community=nanshan)
    xinhua = CompoundFactory(name="新华西街二区", community=beidajie)
    return yuying, xinhua


def test_template_has_the_importers_columns_an_example_and_rules(client, login_as, db):
    login_as("dispatcher")
    assert "/complaints/hotline/template.xlsx" in client.get("/complaints/hotline/import").get_data(as_text=True)
    book = load_workbook(io.BytesIO(client.get("/complaints/hotline/template.xlsx").data))
    template, notes = book.worksheets
    titles = {key: names[0] for key, names in COLUMNS.items()}  # the first of each column's names
    assert [c.value for c in template[1]] == list(titles.values())
    assert template.max_row == 2
    rules = {row[0]: row[1:] for row in notes.iter_rows(min_row=2, values_only=True)}
    assert set(rules) == set(titles.values())
    assert all(rules[titles[key]][0] == "是" for key in REQUIRED)


def test_the_template_itself_imports(client, login_as, db):
    yuying, _ = _compounds()
    login_as("dispatcher")
    assert _upload(client, "模板.xlsx", client.get("/complaints/hotline/template.xlsx").data).status_code == 200
    case = db.session.scalars(select(Complaint).where(Complaint.hotline_ticket_no == "12345-20261101-0001")).one()
    assert case.compound_id == yuying.id


def test_the_hotlines_xls_export_imports(client, login_as, db):
    yuying, xinhua = _compounds()
    login_as("dispatcher")
    assert _upload(client, "12345.xls", XLS.read_bytes()).status_code == 200
    cases = {c.hotline_ticket_no: c for c in db.session.scalars(select(Complaint))}
    assert cases["XLS-1"].compound_id == xinhua.id and cases["XLS-2"].compound_id == yuying.id
    # 10:00 in an Excel date cell is the district's time
    assert cases["XLS-1"].received_at.replace(tzinfo=timezone.utc) == datetime(2026, 11, 6, 2, 0, tzinfo=timezone.utc)
