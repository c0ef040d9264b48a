"""Printing from the browser: the report page prints like its downloaded PDF, the ledgers on A4 landscape."""
import re
import subprocess

from .conftest import TABLET_LANDSCAPE, sign_in


def _pages(pdf: bytes, tmp_path, name: str) -> tuple[int, tuple[float, float]]:
    """(page count, first page's size in points) by poppler's pdfinfo."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
    return int(re.search(r"Pages:\s+(\d+)", info)[1]), (float(size[1]), float(size[2]))


def test_the_report_page_prints_like_the_downloaded_pdf(live_server, page_at, tmp_path):
    page = page_at(TABLET_LANDSCAPE)
    sign_in(page, live_server, "official")
    page.goto(f"{live_server}/oversight/report")
    assert page.locator("button[data-print]").is_visible()
    printed, size = _pages(page.pdf(prefer_css_page_size=True, print_background=True), tmp_path, "printed")
    month = page.locator("input[name=month]").input_value()
    downloaded = page.request.get(f"{live_server}/oversight/report.pdf?month={month}")
    assert downloaded.ok and downloaded.headers["content-type"] == "application/pdf"
    pages, pdf_size = _pages(downloaded.body(), tmp_path, "downloaded")
    assert abs(printed - pages) <= 1, (printed, pages)
    assert size[0] < size[1] and abs(size[0] - 595) < 2 and abs(pdf_size[0] - 595) < 2  # both A4 portrait


def test_the_ledgers_print_on_a4_landscape(live_server, page_at, tmp_path):
    page = page_at(TABLET_LANDSCAPE)
    sign_in(page, live_server, "official")
    for url in ("/compounds", "/assignments", "/handovers"):
        page.goto(f"{live_server}{url}")
        assert page.locator("button[data-print]").is_visible(), url
        count, (width, height) = _pages(page.pdf(prefer_css_page_size=True), tmp_path, url.strip("/"))
        assert count >= 1 and width > height and abs(width - 842) < 2, (url, width, height)
