"""The reply sheet back to the 12345 hotline (each ticket, what was done and when, in district time) and
the template of the hotline import."""
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..spreadsheets import Column, Sheet, TemplateColumn, import_template, workbook_bytes
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


def _hotline_rules() -> dict:
    return {
        "ticket_no": _l("The hotline's ticket number; a ticket already imported is skipped."),
        "received_at": _l("Date and time of the call, YYYY-MM-DD HH:MM in the district's time."),
        "category_text": _l("The hotline's category words; they choose the case's category."),
        "description": _l("What the caller said, several lines allowed."),
        "subdistrict": _l("The subdistrict named by the caller; it helps to match the compound."),
        "compound_name": _l("The compound as the caller named it; an unknown name waits to be matched by hand."),
        "address": _l("Free text."),
        "contact_phone": _l("The caller's phone, seen by dispatchers only."),
        "resolve_hours": _l("Hours the hotline gives to resolve it; left empty, the case's category decides."),
    }


def hotline_template_xlsx() -> bytes:
    """The template of the 12345 import: hotline.COLUMNS, as the importer reads them."""
    from .hotline import COLUMNS, REQUIRED

    example = {"ticket_no": "12345-20261101-0001", "received_at": "2026-11-01 09:30", "category_text": "环境卫生",
               "description": "楼道垃圾三天未清运", "subdistrict": "南山路街道", "compound_name": "育英小区",
               "address": "南山路 1 号", "contact_phone": "13900000000", "resolve_hours": 48}
    with force_locale("zh"):
        rules = _hotline_rules()
        columns = [TemplateColumn(title, str(rules.get(key, "")), key in REQUIRED,
                                  "int" if key == "resolve_hours" else "text") for key, title in COLUMNS.items()]
        return import_template(str(_l("12345 import")), columns, [example.get(key) for key in COLUMNS])
