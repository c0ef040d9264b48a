"""The reply sheet back to the 12345 hotline: each ticket, what was done and when (district time)."""
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from ..spreadsheets import Column, Sheet, workbook_bytes
from .labels import STATUS_LABELS
from .models import Complaint

COLUMNS = [Column("工单编号"), Column("小区名称"), Column("处理状态"), Column("受理时间", "datetime"),
           Column("派单时间", "datetime"), Column("办结时间", "datetime"), Column("办理结果"), Column("满意度", "int")]


def replies_xlsx(cases: list[Complaint], *, now: datetime) -> bytes:
    with force_locale("zh"):
        sheet = Sheet("回复", COLUMNS, title=_("Replies to the 12345 hotline"),
                      filters=_("Every case that came from the hotline"), as_of=now)
        for c in cases:
            sheet.append([c.hotline_ticket_no, c.compound.name if c.compound else c.hotline_compound_name,
                          str(STATUS_LABELS.get(c.status, c.status)), c.acknowledged_at, c.dispatched_at,
                          c.resolved_at, c.resolution_note, c.rating])
        return workbook_bytes(sheet)
