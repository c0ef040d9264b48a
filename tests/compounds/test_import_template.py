"""The register import's template (.xlsx: columns, an example row, a sheet of rules) and legacy .xls files."""
import io
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from propmgmt.compounds.imports import COLUMNS, REQUIRED
from propmgmt.compounds.models import Compound

from ..factories import CommunityFactory, SubdistrictFactory

XLS = Path(__file__).resolve().parents[1] / "data" / "compounds.xls"  # written by tests/data/make_xls.py


def _upload(client, filename: str, data: bytes):
    return client.post_form("/compounds/import", {"file": (io.BytesIO(data), filename)},
                            content_type="multipart/form-data")


def test_the_import_page_offers_the_template(client, login_as):
    login_as("official")
    html = client.get("/compounds/import").get_data(as_text=True)
    assert "/compounds/import/template.xlsx" in html and "下载导入模板" in html and ".xls" in html


def test_template_has_the_columns_an_example_and_the_rules(client, login_as):
    login_as("official")
    response = client.get("/compounds/import/template.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    template, notes = book.worksheets
    assert [c.value for c in template[1]] == [names[0] for names in COLUMNS.values()]
    example = [c.value for c in template[2]]
    assert example[0] == "示例小区" and example[6] == 240 and template["K2"].number_format == "yyyy-mm-dd"
    assert template.max_row == 2 and template.freeze_panes == "A2"
    assert notes.title == "填写说明"
    rules = {row[0]: row[1:] for row in notes.iter_rows(min_row=2, values_only=True)}
    assert set(rules) == {names[0] for names in COLUMNS.values()}
    assert all(rules[COLUMNS[key][0]][0] == "是" for key in REQUIRED)
    assert "已竣工" in rules["改造状态"][1] and "YYYY-MM-DD" in rules["完工日期"][1]


def test_the_template_itself_imports(client, login_as, db):
    CommunityFactory(subdistrict=SubdistrictFactory(name="南山路街道"), name="示例社区")
    login_as("official")
    template = client.get("/compounds/import/template.xlsx").data
    assert _upload(client, "模板.xlsx", template).status_code == 302
    compound = Compound.query.filter_by(name="示例小区").one()
    assert compound.households == 240 and compound.renovation_completed_on == date(2025, 9, 30)


def test_a_legacy_xls_file_imports(client, login_as, db):
    CommunityFactory(subdistrict=SubdistrictFactory(name="南山路街道"), name="南山路第一社区")
    login_as("official")
    response = _upload(client, "小区.xls", XLS.read_bytes())
    assert response.status_code == 302, response.get_data(as_text=True)
    yuying = Compound.query.filter_by(name="育英小区").one()
    assert (yuying.households, yuying.year_built, yuying.renovation_tier) == (420, 1992, "improvement")
    assert yuying.renovation_completed_on == date(2021, 6, 28)  # an Excel date cell
    assert Compound.query.filter_by(name="印刷厂小区").one().management_mode == "professional"


def test_a_damaged_xls_file_is_refused_clearly(client, login_as, db):
    login_as("official")
    response = _upload(client, "小区.xls", XLS.read_bytes()[:600])
    assert response.status_code == 400
    assert ".xls" in response.get_data(as_text=True) and Compound.query.count() == 0
