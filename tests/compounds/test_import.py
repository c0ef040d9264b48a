"""Importing compounds from CSV (UTF-8, UTF-8 with BOM, GBK) and .xlsx: all or nothing."""
import io
from datetime import date

import pytest
from openpyxl import Workbook

from propmgmt.audit.models import AuditEntry
from propmgmt.compounds.models import Compound

from ..factories import CommunityFactory, CompoundFactory, SubdistrictFactory

HEADER = "小区名称,街道,社区,地址,建成年份,楼栋数,户数,建筑面积,改造类型,改造状态,完工日期,管理模式,别名"


@pytest.fixture
def area(db):
    subdistrict = SubdistrictFactory(name="南山路街道")
    return CommunityFactory(subdistrict=subdistrict, name="南山路第一社区")


def _csv(*rows: str, header: str = HEADER) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


GOOD_ROWS = (
    "育英小区,南山路街道,南山路第一社区,育英路1号,1992,10,420,23520.5,完善类,已竣工,2021-06-28,无人管理,育英院、老育英",
    "印刷厂小区,南山路街道,南山路第一社区,,1985,6,240,,基础类,在建,,专业物业,",
)


def _upload(client, filename: str, data: bytes):
    return client.post_form("/compounds/import", {"file": (io.BytesIO(data), filename)},
                            content_type="multipart/form-data")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_imports_in_each_encoding(client, login_as, area, encoding):
    login_as("official")
    response = _upload(client, "compounds.csv", _csv(*GOOD_ROWS).encode(encoding))
    assert response.status_code == 302, response.get_data(as_text=True)
    yuying = Compound.query.filter_by(name="育英小区").one()
    assert (yuying.households, yuying.year_built, yuying.renovation_tier) == (420, 1992, "improvement")
    assert yuying.renovation_completed_on == date(2021, 6, 28)
    assert yuying.aliases.split("\n") == ["育英院", "老育英"]
    assert Compound.query.filter_by(name="印刷厂小区").one().management_mode == "professional"
    assert AuditEntry.query.filter_by(action="imported").count() == 2
    assert "已导入 2 个小区" in client.get("/compounds").get_data(as_text=True)


def test_xlsx_imports(client, login_as, area):
    login_as("official")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["新华西街二区", "南山路街道", "南山路第一社区", "", 1988, 8, 360, 20000, "提升类", "已竣工",
                  date(2022, 5, 1), "业主自治", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = _upload(client, "compounds.xlsx", buffer.getvalue())
    assert response.status_code == 302, response.get_data(as_text=True)
    compound = Compound.query.filter_by(name="新华西街二区").one()
    assert compound.management_mode == "self_managed"
    assert compound.renovation_completed_on == date(2022, 5, 1)


def test_export_imports_again(client, login_as, area):
    """The register's own export is a valid import file (into an empty register)."""
    login_as("official")
    _upload(client, "compounds.csv", _csv(*GOOD_ROWS).encode())
    exported = client.get("/compounds/export.xlsx").data
    Compound.query.filter(Compound.name.in_(["育英小区", "印刷厂小区"])).delete()
    response = _upload(client, "again.xlsx", exported)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert Compound.query.count() == 2


@pytest.mark.parametrize("rows, expected", [
    (("坏小区,南山路街道,南山路第一社区,,1990,3,-5,,,,,,",), "户数不能为负数"),
    (("坏小区,不存在街道,南山路第一社区,,1990,3,5,,,,,,",), "未知街道：不存在街道"),
    (("坏小区,南山路街道,不存在社区,,1990,3,5,,,,,,",), "南山路街道 下没有社区 不存在社区"),
    ((",南山路街道,南山路第一社区,,1990,3,5,,,,,,",), "小区名称不能为空"),
    (("坏小区,南山路街道,南山路第一社区,,一九九零,3,5,,,,,,",), "不是整数：一九九零"),
    (("坏小区,南山路街道,南山路第一社区,,1990,3,5,,,,2021-13-45,,",), "日期格式不对"),
    (("坏小区,南山路街道,南山路第一社区,,1990,3,5,,,,,兜底,",), "国有托底须经托底审批流程"),
    (("坏小区,南山路街道,南山路第一社区,,1990,3,5,,豪华类,,,,",), "无法识别的取值：豪华类"),
    (("同名小区,南山路街道,南山路第一社区,,1990,3,5,,,,,,",
      "同名小区,南山路街道,南山路第一社区,,1991,3,5,,,,,,"), "与本文件第 3 行是同一个小区"),
])
def test_one_bad_row_imports_nothing_and_is_reported(client, login_as, area, rows, expected):
    login_as("official")
    response = _upload(client, "bad.csv", _csv(GOOD_ROWS[0], *rows).encode("gbk"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "未导入任何数据" in html and expected in html
    assert Compound.query.count() == 0


def test_duplicate_of_an_existing_compound_is_reported(client, login_as, area):
    login_as("official")
    CompoundFactory(name="育英小区", community=area)
    response = _upload(client, "dup.csv", _csv(*GOOD_ROWS).encode())
    assert "该社区已有名为“育英小区”的小区" in response.get_data(as_text=True)
    assert Compound.query.count() == 1


@pytest.mark.parametrize("filename, data, expected", [
    ("compounds.pdf", b"%PDF-1.4 ...", "文件类型不对"),
    ("compounds.xlsx", b"not a zip at all", "文件类型不对"),
    ("compounds.xlsx", b"PK\x03\x04broken zip", "无法读取该 .xlsx 文件"),
    ("compounds.csv", "小区名称,街道,社区\r\n".encode("utf-16"), "文件类型不对"),
    ("compounds.csv", b"\xff\xfe\x80\x81\xff,\xff\r\n", "无法识别文件编码"),
    ("compounds.csv", b"", "文件是空的"),
    ("compounds.csv", "地址,户数\r\n某地,5\r\n".encode(), "缺少列：小区名称、街道、社区"),
    ("compounds.csv", HEADER.encode() + b"\r\n", "文件中没有数据行"),
])
def test_bad_files_are_refused_clearly(client, login_as, area, filename, data, expected):
    login_as("official")
    response = _upload(client, filename, data)
    assert response.status_code == 400
    assert expected in response.get_data(as_text=True)
    assert Compound.query.count() == 0


def test_dispatchers_cannot_import(client, login_as, area):
    login_as("dispatcher")
    assert _upload(client, "c.csv", _csv(*GOOD_ROWS).encode()).status_code == 403
