"""The assignment ledger (台账) as .xlsx, with the columns officials report upward."""
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from ..auth.models import User
from ..clock import local_today
from ..compounds.models import Subdistrict
from ..extensions import db
from ..spreadsheets import Column, Sheet, filters_text, workbook_bytes
from .labels import STATUS_LABELS
from .queries import LedgerFilter, days_in_fallback, ledger_query

COLUMNS = [Column("小区"), Column("街道"), Column("社区"), Column("户数", "int"), Column("文号"), Column("服务范围"),
           Column("责任领导"), Column("开始日期", "date"), Column("计划复核日期", "date"), Column("托底天数", "int"),
           Column("状态"), Column("结束日期", "date")]


def _filters(f: LedgerFilter) -> str:
    subdistrict = db.session.get(Subdistrict, f.subdistrict_id) if f.subdistrict_id else None
    leader = db.session.get(User, f.leader_id) if f.leader_id else None
    return filters_text([
        (_("Status"), str(STATUS_LABELS[f.status]) if f.status in STATUS_LABELS else None),
        (_("Subdistrict"), subdistrict.name if subdistrict else None),
        (_("Responsible leader"), leader.label if leader else None),
        (_("Start from"), f.start_from.isoformat() if f.start_from else None),
        (_("Start to"), f.start_to.isoformat() if f.start_to else None),
        (_("Search"), f.q),
    ])


def ledger_xlsx(f: LedgerFilter, *, now: datetime) -> bytes:
    today = local_today(now)
    with force_locale("zh"):
        sheet = Sheet("托底台账", COLUMNS, title=_("Fallback ledger"), filters=_filters(f), as_of=now)
        for a in db.session.scalars(ledger_query(f)):
            sheet.append([
                a.compound.name, a.compound.community.subdistrict.name, a.compound.community.name,
                a.compound.households, a.decision_no, "、".join(t.name_zh for t in a.service_types),
                a.responsible_leader.label, a.start_date, a.review_date, days_in_fallback(a, today),
                str(STATUS_LABELS[a.status]), a.end_date,
            ])
        return workbook_bytes(sheet)
