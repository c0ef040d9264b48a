"""The monthly report's PDF for a month of the city-scale demo: every open item it lists in full (the most
urgent of each kind, with how many there are and where the rest is), page numbers, the 12-week chart."""
import re
import subprocess

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from propmgmt.clock import utcnow
from propmgmt.oversight.exports import report_pdf, topic_rows
from propmgmt.oversight.report import REPORT_TOP, TOPICS, Month, monthly_report

pytestmark = pytest.mark.slow


def _text(pdf: bytes, tmp_path) -> tuple[str, int]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return text, int(re.search(r"Pages:\s+(\d+)", info)[1])


def _squeezed(text: str) -> str:
    """Without whitespace: a cell's text may wrap inside its column."""
    return re.sub(r"\s+", "", text)


def test_city_report_pdf_has_every_open_item_page_numbers_and_the_chart(app, db, tmp_path):
    """Also the city seed's check (it seeds the city once for both: a city seed is 40-90 s of CI)."""
    from sqlalchemy import func, select

    from propmgmt.auth.models import User
    from propmgmt.compounds.models import Compound

    result = app.test_cli_runner().invoke(args=["seed-demo", "--scale", "city"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Compound.id))) == 2_000
    assert db.session.scalar(select(func.sum(Compound.households))) == 400_000
    assert 850 <= db.session.scalar(select(func.count(User.id)).where(User.role == "operator")) <= 950
    now = utcnow()
    with app.test_request_context():
        report = monthly_report(Month.before(now), now=now, top=REPORT_TOP)
        data = report_pdf(report)
        with force_locale("zh"):
            topics = topic_rows(report)
            notes = [_('The %(shown)d most urgent of %(total)d are listed here; the ledger (.xlsx, sheet "%(sheet)s") '
                       'lists them all.', shown=len(rows), total=report.items.total(topic), sheet=title)
                     for topic, (title, _columns, rows) in zip(TOPICS, topics, strict=True)
                     if report.items.is_cut(topic) and topic != "awaiting_decision"]  # a count on the page
    text, pages = _text(data, tmp_path)
    flat = _squeezed(text)
    rows = [row for _title, _columns, topic in topics for row in topic]
    assert len(rows) > 50  # the city has open items enough to run over many pages
    missing = []
    for row in rows:
        for value in row:
            if isinstance(value, str) and _squeezed(value) not in flat:
                missing.append(value)
    assert not missing, missing[:10]
    assert notes and not [note for note in notes if _squeezed(note) not in flat]  # the city's lists are cut
    assert pages > 3
    for n in (1, pages):
        assert f"第{n}页/共{pages}页" in flat
    assert f"月度调度报告{report.month.label}" in flat and "截至" in flat  # the title page
    assert "近12周完成率与按时率" in flat  # the chart's title, drawn in the SVG with its week labels
    assert set(report.trend_labels) <= set(text.split())  # the chart's x labels ("11-30"; the table has dates)
