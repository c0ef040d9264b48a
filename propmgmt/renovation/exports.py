"""The renovation ledger (改造项目台账) as .xlsx: the pipeline's projects of a filter, one row each,
with the funds in yuan as numbers and the stages' planned and actual dates as dates."""
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from ..clock import local_today
from ..compounds.models import Subdistrict
from ..extensions import db
from ..spreadsheets import Column, Sheet, filters_text, workbook_bytes
from .labels import FUNDING_LABELS, PROJECT_TIER_LABELS, STAGE_DATE_LABELS, STAGE_LABELS
from .models import FUNDING_SOURCES
from .queries import PipelineFilter, project_query
from .rules import DATED_STAGES, is_late, next_planned_on


def _columns() -> list[Column]:
    return [Column("项目"), Column("小区"), Column("街道"), Column("类别"), Column("改造内容"), Column("阶段"),
            Column("是否滞后"), Column("下一阶段计划日期", "date"),
            *[Column(f"{FUNDING_LABELS[s]}（元）", "money") for s in FUNDING_SOURCES], Column("总投资（元）", "money"),
            Column("责任领导"), Column("施工单位"),
            *[Column(f"{STAGE_DATE_LABELS[s]}（计划）", "date") for s in DATED_STAGES],
            *[Column(f"{STAGE_DATE_LABELS[s]}（实际）", "date") for s in DATED_STAGES]]


def _filters(f: PipelineFilter) -> str:
    subdistrict = db.session.get(Subdistrict, f.subdistrict_id) if f.subdistrict_id else None
    return filters_text([
        (_("Stage"), str(STAGE_LABELS[f.stage]) if f.stage in STAGE_LABELS else None),
        (_("Tier"), str(PROJECT_TIER_LABELS[f.tier]) if f.tier in PROJECT_TIER_LABELS else None),
        (_("Subdistrict"), subdistrict.name if subdistrict else None),
        (_("Late only"), "是" if f.late else None),
        (_("Search"), f.q),
    ])


def ledger_xlsx(f: PipelineFilter, *, now: datetime) -> bytes:
    today = local_today(now)
    with force_locale("zh"):
        sheet = Sheet("改造项目台账", _columns(), title="改造项目台账", filters=_filters(f), as_of=now)
        for project in db.session.scalars(project_query(f, today)).unique():
            amounts = {x.source: x.amount_fen for x in project.funding}
            sheet.append([
                project.name, "、".join(c.name for c in project.compounds),
                "、".join(sorted({c.community.subdistrict.name for c in project.compounds})),
                str(PROJECT_TIER_LABELS[project.tier]), "、".join(i.name for i in project.items),
                str(STAGE_LABELS[project.stage]), "是" if is_late(project, today) else "", next_planned_on(project),
                *[amounts.get(s, 0) for s in FUNDING_SOURCES], project.budget_fen,
                project.leader.label if project.leader else "", project.contractor,
                *[project.planned_on(s) for s in DATED_STAGES], *[project.actual_on(s) for s in DATED_STAGES]])
        return workbook_bytes(sheet)
