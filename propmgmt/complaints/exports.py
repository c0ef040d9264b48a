"""The reply sheet back to the 12345 hotline (each ticket, what was done and when, in district time) and
the template of the hotline import."""
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..spreadsheets import Column, Sheet, TemplateColumn, import_template, workbook_bytes
from .labels import DECISION_LABELS, STATUS_LABELS, VISIT_LABELS
from .models import Complaint, HotlineStep

COLUMNS = [Column("工单编号"), Column("小区名称"), Column("处理状态"), Column("受理时间", "datetime"),
           Column("派单时间", "datetime"), Column("办结时间", "datetime"), Column("办理结果"), Column("满意度", "int"),
           Column("签收时间", "datetime"), Column("退单时间", "datetime"), Column("退单原因"),
           Column("延期申请时间", "datetime"), Column("延期原因"), Column("申请延期至", "datetime"), Column("延期审核"),
           Column("催办次数", "int"), Column("最近催办时间", "datetime"), Column("承办人"),
           Column("联系来电人时间", "datetime"), Column("回访结果")]


def replies_xlsx(cases: list[Complaint], *, now: datetime) -> bytes:
    """The reply to the hotline: ticket, what was done, when (district time), who handled it, when the caller
    was contacted, and the hotline's steps (签收, 退单, 延期, 催办) with their times."""
    steps: dict[int, list[HotlineStep]] = {}
    for step in db.session.scalars(select(HotlineStep).where(HotlineStep.complaint_id.in_([c.id for c in cases]))
                                   .order_by(HotlineStep.at, HotlineStep.id)) if cases else ():
        steps.setdefault(step.complaint_id, []).append(step)
    with force_locale("zh"):
        sheet = Sheet("回复", COLUMNS, title=_("Replies to the 12345 hotline"),
                      filters=_("Every case that came from the hotline"), as_of=now)
        for c in cases:
            own = steps.get(c.id, [])
            signed = next((s for s in own if s.kind == "signed"), None)
            returned = next((s for s in own if s.kind == "returned"), None)
            extension = next((s for s in reversed(own) if s.kind == "extension"), None)
            urged = [s for s in own if s.kind == "urged"]
            visit = (str(VISIT_LABELS[c.visit_result]) if c.visit_result else
                     "未联系上" if c.visit_reached is False else "")
            decision = (str(DECISION_LABELS[extension.decision]) if extension and extension.decision else
                        ("待审核" if extension else ""))
            sheet.append([c.hotline_ticket_no, c.compound.name if c.compound else c.hotline_compound_name,
                          str(STATUS_LABELS.get(c.status, c.status)), c.acknowledged_at, c.dispatched_at,
                          c.resolved_at, c.resolution_note, c.rating,
                          signed.at if signed else None, returned.at if returned else None,
                          returned.reason if returned else "", extension.at if extension else None,
                          extension.reason if extension else "", extension.new_due_at if extension else None,
                          decision, len(urged) or None, urged[-1].at if urged else None, c.handler_name,
                          c.caller_contacted_at, visit])
        return workbook_bytes(sheet)


def _hotline_rules() -> dict:
    return {
        "ticket_no": _l("The hotline's ticket number; a ticket already imported is skipped."),
        "received_at": _l("Date and time of the call, YYYY-MM-DD HH:MM in the district's time."),
        "nature_text": _l("The nature of the call: 咨询, 求助, 投诉, 建议, 举报 or 感谢."),
        "classification": _l("The hotline's classification of the subject; it chooses the case's category "
                             "through the officials' mapping."),
        "resolve_workdays": _l("Working days the hotline gives (holidays and make-up workdays counted)."),
        "resolve_due": _l("The hotline's deadline as a date and time, YYYY-MM-DD HH:MM."),
        "contact_name": _l("The caller's name, seen by dispatchers only."),
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

    example = {"ticket_no": "12345-20261101-0001", "received_at": "2026-11-01 09:30", "nature_text": "投诉",
               "classification": "城乡建设/环境卫生/垃圾清运",
               "description": "楼道垃圾三天未清运", "subdistrict": "南山路街道", "compound_name": "育英小区",
               "address": "南山路 1 号", "contact_phone": "13900000000", "resolve_hours": 48}
    with force_locale("zh"):
        rules = _hotline_rules()
        optional = str(_l("Optional: as the hotline's export writes it."))
        columns = [TemplateColumn(titles[0], str(rules.get(key, optional)), key in REQUIRED,
                                  "int" if key in ("resolve_hours", "resolve_workdays") else "text")
                   for key, titles in COLUMNS.items()]
        return import_template(str(_l("12345 import")), columns, [example.get(key) for key in COLUMNS])
