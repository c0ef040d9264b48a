"""The handover pipeline as .xlsx: each handover with its stage, days in it, due date and owner."""
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from ..compounds.models import Subdistrict
from ..extensions import db
from ..spreadsheets import Column, Sheet, filters_text, workbook_bytes
from .labels import STAGE_LABELS

COLUMNS = [Column("小区"), Column("街道"), Column("阶段"), Column("本阶段天数", "int"), Column("到期日", "date"),
           Column("负责人"), Column("承接企业"), Column("是否滞留")]


def pipeline_xlsx(rows, *, subdistrict_id: int | None, stage: str | None, now: datetime) -> bytes:
    """`rows` are handovers.queries.pipeline's rows for the filters given."""
    subdistrict = db.session.get(Subdistrict, subdistrict_id) if subdistrict_id else None
    with force_locale("zh"):
        filters = filters_text([(_("Subdistrict"), subdistrict.name if subdistrict else None),
                                (_("Stage"), str(STAGE_LABELS[stage]) if stage in STAGE_LABELS else None)])
        sheet = Sheet("移交进度", COLUMNS, title=_("Handover pipeline"), filters=filters, as_of=now)
        for row in rows:
            h = row.handover
            sheet.append([h.compound.name, h.compound.community.subdistrict.name, str(STAGE_LABELS[h.stage]),
                          row.days_in_stage, h.stage_due_on, h.stage_owner.label if h.stage_owner else "",
                          h.firm.name if h.firm else "", "是" if row.stuck else ""])
        return workbook_bytes(sheet)
