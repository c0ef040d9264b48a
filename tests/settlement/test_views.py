"""The statement's pages: the dispatcher contests a line, the official approves once, the .xlsx."""
import io

import pytest
from openpyxl import load_workbook

from propmgmt.settlement.services import draft_statement

from .conftest import NOW, OCTOBER


def _draft(db):
    statement, _ = draft_statement(OCTOBER, now=NOW)
    db.session.commit()
    return statement


def test_the_dispatcher_contests_a_line_with_a_reason(client, login_as, october, db):
    statement = _draft(db)
    line = next(line for line in statement.lines if line.compound_id == october["b"].id)
    login_as("dispatcher")
    page = client.get(f"/settlement/{statement.id}").get_data(as_text=True)
    assert "乙小区" in page and "759.86" in page and "1,509.92" in page
    refused = client.post_form(f"/settlement/lines/{line.id}/contest", {"reason": "  "},
                               page=f"/settlement/{statement.id}", follow_redirects=True)
    assert "请说明这一行哪里不对。" in refused.get_data(as_text=True)
    client.post_form(f"/settlement/lines/{line.id}/contest", {"reason": "17日才开始服务，应按15天"},
                     page=f"/settlement/{statement.id}")
    assert "17日才开始服务，应按15天" in client.get(f"/settlement/{statement.id}").get_data(as_text=True)


def test_the_official_approves_once_and_the_statement_is_frozen(client, login_as, october, db):
    statement = _draft(db)
    login_as("official")
    page = f"/settlement/{statement.id}"
    unconfirmed = client.post_form(f"{page}/approve", {}, page=page, follow_redirects=True)
    assert statement.status == "draft" and unconfirmed.status_code == 200
    client.post_form(f"{page}/approve", {"confirm": "on"}, page=page)
    db.session.refresh(statement)
    assert statement.status == "approved"
    again = client.post(f"{page}/approve", data={"confirm": "on", "csrf_token": client.csrf_token("/settlement/")},
                        follow_redirects=True)
    text = again.get_data(as_text=True)
    assert "这张结算单已被审批" in text


def test_the_statement_downloads_as_xlsx(client, login_as, october, db):
    statement = _draft(db)
    login_as("dispatcher")
    response = client.get(f"/settlement/{statement.id}.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=4, values_only=True))
    assert any(row[1] == "乙小区" and row[13] == 455.92 for row in rows)  # yuan, a number
    assert sum(row[13] for row in rows) == pytest.approx(1509.92)  # the lines add up to the statement's total


def test_the_month_page_and_the_compound_history(client, login_as, october):
    login_as("official")
    month = client.get("/assessment/months/2026-10").get_data(as_text=True)
    assert "丙小区" in month and "82.0" in month
    history = client.get(f"/assessment/compounds/{october['a'].id}").get_data(as_text=True)
    assert "2026-10" in history and "82.0" in history
    assert client.get("/assessment/months/2026-13").status_code in (400, 422)


def test_overview_report_and_residents_page_show_the_scores(client, login_as, october, db):
    from propmgmt.settlement.services import approve_statement

    statement = _draft(db)
    approve_statement(october["official"], statement.id, now=NOW)
    db.session.commit()
    login_as("official")
    overview = client.get("/oversight").get_data(as_text=True)
    assert "2026-10" in overview and "60.7" in overview  # (82.0 + 40.0 + 60.0) / 3
    report = client.get("/oversight/report?month=2026-10").get_data(as_text=True)
    assert "乙小区" in report and "丙小区" in report and "1,509.92" in report
    client.post("/logout", data={"csrf_token": client.csrf_token("/oversight")})
    public = client.get(f"/r/{october['a'].public_code}")
    assert "82.0" in public.get_data(as_text=True)


def test_the_qr_poster_opens_the_inspectors_form(client, login_as, october):
    login_as("inspector")
    response = client.get(f"/r/{october['a'].public_code}")
    assert response.status_code == 302 and "/assessment/checks/new" in response.headers["Location"]


def test_the_month_page_links_a_figure_to_its_tasks(client, login_as, october):
    login_as("official")
    month = client.get("/assessment/months/2026-10").get_data(as_text=True)
    link = f"/oversight/tasks?outcome=on_time&amp;compound={october['a'].id}&amp;from=2026-10-01&amp;to=2026-10-31"
    assert link in month
    tasks = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert tasks.count("甲小区") >= 9


def test_the_month_page_pages_its_compounds_lowest_first(app, client, login_as, october, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    login_as("official")
    first = client.get("/assessment/months/2026-10").get_data(as_text=True)
    assert "3 个小区" in first and "/assessment/months/2026-10?page=2" in first
    second = client.get("/assessment/months/2026-10?page=2").get_data(as_text=True)
    names = ("甲小区", "乙小区", "丙小区")
    assert sum(name in first for name in names) == 2 and sum(name in second for name in names) == 1
    assert client.get("/assessment/months/2026-10?page=99999999").status_code == 200


def test_the_statement_downloads_as_a_pdf_with_its_lines_and_no_forms(client, login_as, october, db, tmp_path):
    import subprocess

    statement = _draft(db)
    login_as("dispatcher")
    response = client.get(f"/settlement/{statement.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "statement.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "乙小区" in text and "1,509.92" in text  # the lines and the district's total, in yuan
    contest = "对这一行提出异议"  # the dispatcher's form on the page, which the PDF leaves out
    assert contest in client.get(f"/settlement/{statement.id}").get_data(as_text=True) and contest not in text
