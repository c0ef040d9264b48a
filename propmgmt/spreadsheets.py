"""Every exported sheet's rows go through here: text is written as text, never as a formula.

openpyxl writes a string that starts with "=" as a live formula, and 12345 data and residents'
words reach the ledgers. Text cells are stored with the string type, and text that a spreadsheet
could still read as a formula (starting with = + - @, a tab or a line end) is escaped the way
OWASP's CSV-injection guidance says: with a leading apostrophe.
"""
from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def text_value(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def append_row(sheet, values) -> None:
    """Appends `values` to a write-only sheet: numbers, dates and empty cells as they are, text as text."""
    row = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=text_value(value))
            cell.data_type = "s"  # never "f", whatever the text
            row.append(cell)
        else:
            row.append(value)
    sheet.append(row)
