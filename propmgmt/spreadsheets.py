"""Every exported sheet is written here: typed columns, a title row, a frozen header with a filter.

A sheet declares its columns with a kind, and each kind is written the way a person sorting, filtering
and summing in Excel expects:
  text      a string cell, never a formula (see below)
  int       a whole number            number       a decimal number ("0.00")
  money     integer fen as a yuan number with a "#,##0.00" format
  rate      a percentage (96.0 as the app computes it) as the number 0.96 with a "0.0%" format
  date      a date ("yyyy-mm-dd")     datetime     a UTC moment as the district's local time ("yyyy-mm-dd hh:mm")
  timestamp a UTC moment to the second, in local time (the audit log, where the order of a minute counts)
Above the header: what the sheet is, its filters and the as-of time (left out for import templates).
Column widths are fitted to the text, a CJK character counting as two.

Text: openpyxl writes a string that starts with "=" as a live formula, and 12345 data and residents'
words reach the ledgers. Text cells are stored with the string type, and text that a spreadsheet
could still read as a formula (starting with = + - @, a tab or a line end) is escaped the way
OWASP's CSV-injection guidance says: with a leading apostrophe.
"""
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .clock import to_local

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
KINDS = ("text", "int", "number", "money", "rate", "date", "datetime", "timestamp")
FORMATS = {"int": "0", "number": "0.00", "money": "#,##0.00", "rate": "0.0%", "date": "yyyy-mm-dd",
           "datetime": "yyyy-mm-dd hh:mm", "timestamp": "yyyy-mm-dd hh:mm:ss"}
# Widths (in characters) that the formats above show, whatever the value.
SHOWN_WIDTH = {"date": 10, "datetime": 16, "timestamp": 19, "rate": 6}
MIN_WIDTH, MAX_WIDTH = 6, 60
BOLD, TITLE_FONT = Font(bold=True), Font(bold=True, size=14)


def text_value(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass(frozen=True)
class Typed:
    """A cell whose kind differs from its column's (a key-figures sheet mixes counts and rates)."""
    value: object
    kind: str


def _number(value, kind: str):
    """The value as the number (or date) the cell holds."""
    if kind == "money":
        return Decimal(int(value)) / 100
    if kind == "rate":
        return float(value) / 100
    if kind == "int":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "datetime":
        return to_local(value).replace(tzinfo=None, second=0, microsecond=0)  # naive values are UTC
    if kind == "timestamp":
        return to_local(value).replace(tzinfo=None, microsecond=0)
    if kind == "date":
        return value.date() if isinstance(value, datetime) else value
    raise ValueError(kind)


@dataclass
class Sheet:
    """One sheet: its rows are kept until the workbook is written, so the widths fit the data."""
    name: str
    columns: list[Column]
    title: str | None = None
    filters: str = ""
    as_of: datetime | None = None
    rows: list = field(default_factory=list)

    def append(self, values) -> None:
        if len(values) != len(self.columns):
            raise ValueError(f"{self.name}: {len(values)} values for {len(self.columns)} columns")
        self.rows.append(list(values))

    def extend(self, rows) -> None:
        for values in rows:
            self.append(values)

    @property
    def header_row(self) -> int:
        """1-based row of the header (the title and its line of filters above it)."""
        return 3 if self.title else 1

    def _cell(self, ws, value, kind: str):
        if isinstance(value, Typed):
            value, kind = value.value, value.kind
        if value is None or value == "":
            return None
        if kind == "text" or isinstance(value, str):
            cell = WriteOnlyCell(ws, value=text_value(str(value)))
            cell.data_type = "s"  # never "f", whatever the text
            return cell
        cell = WriteOnlyCell(ws, value=_number(value, kind))
        cell.number_format = FORMATS[kind]
        return cell

    def widths(self) -> list[int]:
        result = []
        for i, column in enumerate(self.columns):
            width = display_width(column.title)
            for row in self.rows:
                value = row[i]
                kind = value.kind if isinstance(value, Typed) else column.kind
                value = value.value if isinstance(value, Typed) else value
                if value is None:
                    continue
                if kind in SHOWN_WIDTH and not isinstance(value, str):
                    shown = SHOWN_WIDTH[kind]
                elif kind == "money" and not isinstance(value, str):
                    shown = len(f"{int(value) / 100:,.2f}")
                else:
                    shown = max(display_width(line) for line in str(value).split("\n"))
                width = max(width, shown)
            result.append(max(MIN_WIDTH, min(MAX_WIDTH, width + 2)))
        return result

    def write(self, workbook: Workbook) -> None:
        ws = workbook.create_sheet(self.name[:31])
        for i, width in enumerate(self.widths(), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        header = self.header_row
        last = get_column_letter(len(self.columns))
        ws.freeze_panes = f"A{header + 1}"
        ws.auto_filter.ref = f"A{header}:{last}{header + len(self.rows)}"
        if self.title:
            title = WriteOnlyCell(ws, value=text_value(self.title))
            title.font = TITLE_FONT
            ws.append([title])
            as_of = _("As of %(when)s", when=f"{to_local(self.as_of):%Y-%m-%d %H:%M}") if self.as_of else ""
            note = "; ".join(part for part in (self.filters, as_of) if part)
            ws.append([self._cell(ws, note, "text")])
        cells = []
        for column in self.columns:
            cell = WriteOnlyCell(ws, value=text_value(column.title))
            cell.font = BOLD
            cells.append(cell)
        ws.append(cells)
        for row in self.rows:
            ws.append([self._cell(ws, value, column.kind) for value, column in zip(row, self.columns, strict=True)])


def workbook_bytes(*sheets: Sheet) -> bytes:
    """The sheets as one .xlsx file."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        sheet.write(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class TemplateColumn:
    """A column of an import template: its header, whether it is required, and the rule for it."""
    title: str
    rule: str
    required: bool = False
    kind: str = "text"


def import_template(name: str, columns: list[TemplateColumn], example: list) -> bytes:
    """An import's template: the header in row 1 with one example row, and a sheet of each column's rules."""
    sheet = Sheet(name, [Column(c.title, c.kind) for c in columns])
    sheet.append(example)
    notes = Sheet(_("Rules for filling in"), [Column(_("Column")), Column(_("Required")), Column(_("Rule"))])
    for c in columns:
        notes.append([c.title, _("Yes") if c.required else _("No"), c.rule])
    return workbook_bytes(sheet, notes)


def filters_text(pairs) -> str:
    """'Filters: subdistrict X, status Y' from (label, value) pairs, the empty ones left out."""
    given = [f"{label} {value}" for label, value in pairs if value not in (None, "", [])]
    return _("Filters: %(filters)s", filters=", ".join(given)) if given else _("Filters: none (everything)")

