"""The assignment ledger (台账) as .xlsx, with the columns officials report upward."""
import io
from datetime import date

from flask_babel import force_locale
from openpyxl import Workbook

from ..extensions import db
from ..spreadsheets import append_row
from .labels import STATUS_LABELS
from .queries import LedgerFilter, days_in_fallback, ledger_query

HEADER = ["小区", "街道", "社区", "户数", "文号", "服务范围", "责任领导", "开始日期", "计划复核日期",
          "托底天数", "状态", "结束日期"]


def ledger_xlsx(f: LedgerFilter, today: date) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("托底台账")
    append_row(sheet, HEADER)
    with force_locale("zh"):
        for a in db.session.scalars(ledger_query(f)):
            append_row(sheet, [
                a.compound.name, a.compound.community.subdistrict.name, a.compound.community.name,
                a.compound.households, a.decision_no, "、".join(t.name_zh for t in a.service_types),
                a.responsible_leader.label, a.start_date, a.review_date, days_in_fallback(a, today),
                str(STATUS_LABELS[a.status]), a.end_date,
            ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
