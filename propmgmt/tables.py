"""Reading uploaded tables (CSV in UTF-8 or GBK, .xlsx, legacy .xls) for every importer, and the one shape of
an import's refusal: which row, which field, what is wrong."""
import csv
import io
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from .errors import DomainError


@dataclass
class RowError:
    row: int
    field: str
    message: str


class ImportRejected(DomainError):
    """The file had errors; nothing was imported. `errors` lists each one by row."""

    def __init__(self, errors: list[RowError]):
        super().__init__(_l("The file has %(n)d errors; nothing was imported.", n=len(errors)))
        self.errors = errors


def read_table(filename: str, data: bytes) -> list[list]:
    """The file's rows as lists of cells; raises ImportRejected for a file it cannot read."""
    name = (filename or "").lower()
    if data.startswith(b"PK\x03\x04") and name.endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            return [list(row) for row in sheet.iter_rows(values_only=True)]
        except Exception:  # openpyxl raises many kinds for a damaged file
            raise ImportRejected([RowError(0, "", str(_l("The .xlsx file could not be read.")))])
    if data.startswith(OLE2_MAGIC) and name.endswith(".xls"):
        return _read_xls(data)
    if name.endswith(".csv") and b"\x00" not in data[:4096]:
        for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves GBK
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportRejected([RowError(0, "", str(_l(
                "The file's encoding was not recognised; save it as UTF-8 or GBK CSV.")))])
        return list(csv.reader(io.StringIO(text, newline="")))
    raise ImportRejected([RowError(0, "", str(_l("Wrong file type: upload a .csv, .xlsx or .xls file.")))])


# The legacy Excel format (.xls, BIFF in an OLE2 compound file) that many offices still save.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _read_xls(data: bytes) -> list[list]:
    """The first sheet of an .xls file (python-calamine): numbers as floats, dates as dates, blanks as None."""
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception:  # calamine raises many kinds for a damaged file
        raise ImportRejected([RowError(0, "", str(_l("The .xls file could not be read.")))])
    return [[None if cell == "" else cell for cell in row] for row in rows]


def header_position(table: list[list], names, *, within: int = 5) -> int:
    """Index of the header row: the first of the first rows with a cell named one of `names`
    (an exported sheet has a title above it); 0 when none is."""
    wanted = {name.lower() for name in names}
    for i, row in enumerate(table[:within]):
        if any(cell_text(cell).lower() in wanted for cell in row):
            return i
    return 0


# Control characters a spreadsheet cell may carry (all but tab and newline): they never mean anything
# here, and CR/LF in a name would end up in an email's subject.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")


def cell_text(value) -> str:
    """A cell as trimmed text, where imported text enters the app: a whole number stored as a float
    loses its '.0', line ends become \\n, other control characters spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(" ", text).strip()


def one_line(text: str) -> str:
    """Text for a one-line field (a name, a number): every run of whitespace, line ends included, one space."""
    return " ".join(text.split())
