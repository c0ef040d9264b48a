"""Every export is a real spreadsheet (issue 18): opened with openpyxl, its numbers are numbers that
sum, rates are numbers shown as percentages, dates and times are dates in the district's time with a
date format, the header row is frozen under a title row and has a filter, widths fit Chinese text."""
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from propmgmt.audit.services import record
from propmgmt.compounds.imports import parse_rows
from propmgmt.settlement.services import draft_statement
from propmgmt.spreadsheets import Column, Sheet, Typed, display_width, workbook_bytes
from propmgmt.tables import read_table

from .factories import (
    AssignmentFactory,
    ComplaintFactory,
    CompoundFactory,
    HandoverFactory,
    RenovationProjectFactory,
    UserFactory,
)
from .settlement.conftest import NOW as SETTLED_AT
from .settlement.conftest import (
    OCTOBER,
    october,  # noqa: F401 (the hand-computed October, a fixture)
)

HEADER_ROW = 3  # the title, then its filters and as-of time, then the header


def _sheet(data: bytes, name: str | None = None):
    book = load_workbook(io.BytesIO(data))
    return book[name] if name else book.worksheets[0]


def _column(ws, title: str) -> list:
    """The header's column `title`: its data cells."""
    header = [c.value for c in ws[HEADER_ROW]]
    assert title in header, header
    index = header.index(title)
    return [row[index] for row in ws.iter_rows(min_row=HEADER_ROW + 1)]


def _check_layout(ws, *, title_words: str):
    assert title_words in ws["A1"].value and ws["A1"].font.b
    assert "截至" in ws["A2"].value  # "as of" with the time
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    assert ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
    assert ws.auto_filter.ref.endswith(str(ws.max_row))
    for cell in ws[HEADER_ROW]:  # every header fits its column, a Chinese character counting as two
        assert ws.column_dimensions[cell.column_letter].width >= display_width(cell.value)


def _check_numbers(cells, number_format: str, total):
    values = [c.value for c in cells if c.value is not None]
    assert values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    assert all(c.number_format == number_format for c in cells if c.value is not None)
    assert sum(values) == pytest.approx(total)


def _check_dates(cells, number_format: str):
    values = [c.value for c in cells if c.value is not None]
    assert values and all(isinstance(v, datetime) for v in values)  # openpyxl reads Excel dates as datetime
    assert all(c.number_format == number_format for c in cells if c.value is not None)
    return values


@pytest.fixture
def ledgers(db):
    first = CompoundFactory(name="育英小区", management_mode="fallback", households=420, floor_area=Decimal("12345.50"),
                            renovation_status="completed", renovation_tier="basic",
                            renovation_completed_on=date(2025, 9, 30))
    second = CompoundFactory(name="新华西街二区", management_mode="fallback", households=380,
                             community=first.community)
    AssignmentFactory(compound=first, status="active", start_date=date(2026, 1, 5), review_date=date(2026, 2, 1))
    AssignmentFactory(compound=second, status="active", start_date=date(2026, 3, 1), review_date=date(2026, 4, 1))
    HandoverFactory(compound=first, stage_due_on=date(2026, 12, 20))
    ComplaintFactory(compound=second, source="hotline", hotline_ticket_no="12345-001", status="resolved",
                     received_at=datetime(2026, 11, 1, 1, tzinfo=timezone.utc),
                     acknowledged_at=datetime(2026, 11, 1, 2, 30, tzinfo=timezone.utc),
                     resolved_at=datetime(2026, 11, 1, 16, 15, tzinfo=timezone.utc),  # 00:15 on 11-02 locally
                     resolution_note="已清掏", rating=4)
    return first, second


def test_register(client, login_as, ledgers):
    login_as("admin")
    ws = _sheet(client.get("/compounds/export.xlsx").data)
    _check_layout(ws, title_words="小区名册")
    _check_numbers(_column(ws, "户数"), "0", 800)
    _check_numbers(_column(ws, "建筑面积"), "0.00", 12345.5)
    assert _check_dates(_column(ws, "完工日期"), "yyyy-mm-dd") == [datetime(2025, 9, 30)]
    _check_dates(_column(ws, "管理模式起始"), "yyyy-mm-dd hh:mm")
    assert all(c.data_type == "s" for c in _column(ws, "小区名称"))


def test_register_export_filters_are_in_its_title_rows(client, login_as, ledgers):
    login_as("admin")
    ws = _sheet(client.get("/compounds/export.xlsx?mode=fallback&q=育英").data)
    assert "托底" in ws["A2"].value and "育英" in ws["A2"].value
    assert [c.value for c in _column(ws, "小区名称")] == ["育英小区"]


def test_register_export_reads_back_through_the_importer(client, login_as, ledgers, app):
    login_as("admin")
    rows = parse_rows(read_table("register.xlsx", client.get("/compounds/export.xlsx").data))
    assert sorted(r.fields["name"] for r in rows) == ["新华西街二区", "育英小区"]
    assert not [r.errors for r in rows if r.errors]
    assert {r.fields["name"]: r.fields["households"] for r in rows}["育英小区"] == 420


def test_fallback_ledger(client, login_as, ledgers):
    login_as("official")
    ws = _sheet(client.get("/assignments/export.xlsx?status=active").data)
    _check_layout(ws, title_words="托底台账")
    _check_numbers(_column(ws, "户数"), "0", 800)
    _check_numbers(_column(ws, "托底天数"), "0", sum(c.value for c in _column(ws, "托底天数")))
    assert sorted(_check_dates(_column(ws, "开始日期"), "yyyy-mm-dd")) == [datetime(2026, 1, 5), datetime(2026, 3, 1)]
    assert "托底中" in ws["A2"].value  # the status filter


def test_handover_pipeline(client, login_as, ledgers):
    login_as("official")
    ws = _sheet(client.get("/handovers/export.xlsx").data)
    _check_layout(ws, title_words="移交")
    _check_numbers(_column(ws, "本阶段天数"), "0", sum(c.value for c in _column(ws, "本阶段天数")))
    assert _check_dates(_column(ws, "到期日"), "yyyy-mm-dd") == [datetime(2026, 12, 20)]


def test_hotline_replies_in_district_time(client, login_as, ledgers):
    login_as("dispatcher")
    ws = _sheet(client.get("/complaints/hotline/replies.xlsx").data)
    _check_layout(ws, title_words="12345")
    assert _check_dates(_column(ws, "受理时间"), "yyyy-mm-dd hh:mm") == [datetime(2026, 11, 1, 10, 30)]
    assert _check_dates(_column(ws, "办结时间"), "yyyy-mm-dd hh:mm") == [datetime(2026, 11, 2, 0, 15)]
    _check_numbers(_column(ws, "满意度"), "0", 4)
    assert [c.value for c in _column(ws, "工单编号")] == ["12345-001"]


def test_report_ledger(client, login_as, ledgers):
    login_as("official")
    book = load_workbook(io.BytesIO(client.get("/oversight/report.xlsx").data))
    figures = book.worksheets[0]
    _check_layout(figures, title_words="月度调度报告")
    by_label = {row[0].value: row[1] for row in figures.iter_rows(min_row=HEADER_ROW + 1)}
    assert by_label["完成率"].number_format == "0.0%" or by_label["完成率"].value is None
    modes = [cell for label, cell in by_label.items() if label.startswith("月末小区数")]
    _check_numbers(modes, "0", 2)  # both compounds are under fallback at the month's end
    for ws in book.worksheets[1:]:
        _check_layout(ws, title_words="月度调度报告")
    past_review = book["超期未复核的托底"]
    assert len(_check_dates(_column(past_review, "复核日期"), "yyyy-mm-dd")) == 2


def test_settlement_statement(client, login_as, october):  # noqa: F811
    statement, _ = draft_statement(OCTOBER, now=SETTLED_AT)
    login_as("dispatcher")
    book = load_workbook(io.BytesIO(client.get(f"/settlement/{statement.id}.xlsx").data))
    lines = book["结算单"]
    _check_layout(lines, title_words="2026-10 结算单")
    assert "草稿" in lines["A2"].value and "1,509.92" in lines["A2"].value  # its state and total on top
    _check_numbers(_column(lines, "应付金额（元）"), "#,##0.00", 1509.92)  # the lines add up to the total
    due = {c.value: d.value for c, d in zip(_column(lines, "小区"), _column(lines, "应付金额（元）"), strict=True)}
    assert due["乙小区"] == pytest.approx(455.92)
    _check_numbers(_column(lines, "户数"), "0", 400)
    _check_numbers(_column(lines, "建筑面积（㎡）"), "0.00", 12345.67)
    bands = _column(lines, "档位比例（%）")
    assert all(0 < c.value <= 1 and c.number_format == "0.0%" for c in bands)
    totals = book["街道合计"]
    _check_layout(totals, title_words="2026-10 结算单")
    _check_numbers(_column(totals, "应付金额（元）"), "#,##0.00", 1509.92)


def test_renovation_ledger(client, login_as, db):
    RenovationProjectFactory(name="育英小区改造", contractor="示例建设")
    login_as("dispatcher")
    ws = _sheet(client.get("/renovation/ledger.xlsx?stage=reserve").data)
    _check_layout(ws, title_words="改造项目台账")
    assert "储备" in ws["A2"].value  # the stage filter
    _check_numbers(_column(ws, "总投资（元）"), "#,##0.00", 500000)
    assert _check_dates(_column(ws, "下一阶段计划日期"), "yyyy-mm-dd") == [datetime(2026, 12, 1)]
    assert [c.value for c in _column(ws, "项目")] == ["育英小区改造"]


def test_audit_log(client, login_as, db):
    admin = UserFactory(role="admin", display_name="系统管理员")
    compound = CompoundFactory(name="育英小区")
    for second in (5, 40):
        record(admin, "compound", compound.id, "updated", compound_id=compound.id,
               now=datetime(2026, 11, 1, 16, 15, second, tzinfo=timezone.utc))
    db.session.commit()
    login_as("admin")
    ws = _sheet(client.get("/audit/export.xlsx?entity_type=compound").data)
    _check_layout(ws, title_words="操作日志")
    assert "小区" in ws["A2"].value  # the record filter
    when = _check_dates(_column(ws, "时间"), "yyyy-mm-dd hh:mm:ss")
    assert when == [datetime(2026, 11, 2, 0, 15, 40), datetime(2026, 11, 2, 0, 15, 5)]  # local, to the second


def test_sheet_kinds_money_rate_and_text():
    sheet = Sheet("测试", [Column("金额", "money"), Column("完成率", "rate"), Column("说明")],
                  title="结算单", as_of=datetime(2026, 12, 1, tzinfo=timezone.utc))
    sheet.append([123456, 96.0, "=1+1"])
    sheet.append([Typed(50, "money"), None, "很长的中文说明文字"])
    ws = load_workbook(io.BytesIO(workbook_bytes(sheet))).active
    money, rate, text = ws[4]
    assert money.value == 1234.56 and money.number_format == "#,##0.00"
    assert rate.value == 0.96 and rate.number_format == "0.0%"
    assert text.value == "'=1+1" and text.data_type == "s"
    assert ws.cell(5, 1).value == 0.5
    assert ws.column_dimensions["C"].width >= display_width("很长的中文说明文字") == 18
    assert "2026-12-01 08:00" in ws["A2"].value


def test_a_row_of_the_wrong_length_is_a_programming_error():
    with pytest.raises(ValueError):
        Sheet("x", [Column("a")]).append([1, 2])
    with pytest.raises(ValueError):
        Column("a", "percent")
