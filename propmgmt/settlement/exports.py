"""The settlement statement as .xlsx: one row per line (money in yuan as numbers, the band as a percentage),
and the subdistricts' totals on a second sheet, so that a sum over a column of lines is the statement's total."""
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from ..spreadsheets import Column, Sheet, workbook_bytes
from .compute import ROUNDING_RULE, fen_to_yuan
from .models import Statement
from .queries import SubdistrictTotal


def _line_columns() -> list[Column]:
    return [Column(_("Subdistrict")), Column(_("Compound")), Column(_("Line")), Column(_("Households"), "int"),
            Column(_("Floor area (m²)"), "number"), Column(_("Days under fallback"), "int"),
            Column(_("Days in the month"), "int"), Column(_("Base amount (yuan)"), "money"),
            Column(_("Score"), "number"), Column(_("Band (%)"), "rate"), Column(_("After the band (yuan)"), "money"),
            Column(_("Rectifications not fixed in time"), "int"), Column(_("Deductions (yuan)"), "money"),
            Column(_("Amount due (yuan)"), "money"), Column(_("Contested"))]


def _total_columns() -> list[Column]:
    return [Column(_("Subdistrict")), Column(_("Lines"), "int"), Column(_("Base amount (yuan)"), "money"),
            Column(_("Deductions (yuan)"), "money"), Column(_("Amount due (yuan)"), "money")]


def statement_xlsx(statement: Statement, rows: list[tuple], totals: list[SubdistrictTotal], *, now: datetime) -> bytes:
    """`rows` and `totals` are queries.statement_lines and subdistrict_totals of the statement."""
    with force_locale("zh"):
        title = _("Settlement statement %(month)s", month=statement.month.strftime("%Y-%m"))
        state = _("Approved") if statement.is_frozen else _("Draft")
        due = _("amount due %(yuan)s yuan", yuan=fen_to_yuan(statement.total_fen))
        note = f"{state}; {due}; {ROUNDING_RULE}"
        lines = Sheet(_("Statement"), _line_columns(), title=title, filters=note, as_of=now)
        for line, compound, subdistrict in rows:
            kind = (_("Correction of %(month)s", month=line.corrects_month.strftime("%Y-%m"))
                    if line.corrects_month else _("Month"))
            lines.append([subdistrict, compound.name, kind, line.households, line.floor_area, line.days,
                          line.days_in_month, line.base_fen, line.score,
                          line.percent, line.scored_fen, line.unfixed_rectifications, line.deductions_fen,
                          line.due_fen, line.contest_reason])
        by_subdistrict = Sheet(_("Subdistrict totals"), _total_columns(), title=f"{title} · {_('Subdistrict totals')}",
                               filters=note, as_of=now)
        for total in totals:
            by_subdistrict.append([total.name, total.lines, total.base_fen, total.deductions_fen, total.due_fen])
        return workbook_bytes(lines, by_subdistrict)
