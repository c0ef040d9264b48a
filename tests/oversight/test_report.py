"""The monthly dispatch report: every figure of a small known dataset, on the page, in the PDF and the
ledger; bad months; the scheduler's announcement."""
import io
import re
import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from sqlalchemy import select

from propmgmt.audit.services import record
from propmgmt.complaints.models import Complaint
from propmgmt.compounds.labels import MODE_LABELS
from propmgmt.errors import DomainError
from propmgmt.handovers.models import Handover
from propmgmt.outbox.models import Notification
from propmgmt.oversight import views
from propmgmt.oversight.exports import report_pdf, report_xlsx
from propmgmt.oversight.models import ReportArchive, ReportRendering
from propmgmt.oversight.report import Month, figures, monthly_report, open_items
from propmgmt.oversight.services import announce_monthly_report, archive_monthly_report
from propmgmt.plans.models import Task
from propmgmt.scheduler.jobs import JOBS

from ..factories import AssignmentFactory, CompoundFactory, ServiceTypeFactory, UserFactory

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)  # 12:00 in the district
OCTOBER = Month(2026, 10)
LONG_AGO = datetime(2026, 1, 1, tzinfo=timezone.utc)


def at(month, day, hour=4):
    """A UTC moment given as the district's local date at 12:00 (hour 4 UTC)."""
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


def _task(db, compound, service_type, status, end, *, late=False, rejections=0):
    done = status in ("done", "verified", "rejected")
    db.session.add(Task(compound_id=compound.id, service_type_id=service_type.id, status=status, rejections=rejections,
                        window_start=end - timedelta(hours=2), window_end=end,
                        device_completed_at=(end + timedelta(minutes=30) if late else end - timedelta(minutes=5))
                        if done else None))


def _complaint(db, compound, code, received, due, resolved=None, status=None):
    complaint = Complaint(tracking_code=code, compound_id=compound.id if compound else None, source="resident",
                          category="cleaning", description="楼道脏", received_at=received, resolve_due_at=due,
                          resolved_at=resolved, status=status or ("resolved" if resolved else "received"))
    db.session.add(complaint)
    return complaint


@pytest.fixture
def dataset(db):
    """October 2026 (and a little of September and November), with the counts written beside each row."""
    leader = UserFactory(role="official", display_name="李主任")
    owner = UserFactory(role="official", display_name="赵科长")
    served = CompoundFactory(management_mode="fallback", created_at=LONG_AGO, name="新华西街二区")
    newly = CompoundFactory(management_mode="fallback", created_at=LONG_AGO, name="印刷厂小区",
                            community=served.community)
    waiting = CompoundFactory(management_mode="unmanaged", created_at=LONG_AGO, mode_since=NOW - timedelta(days=40))
    proposed_for = CompoundFactory(management_mode="unmanaged", created_at=LONG_AGO,
                                   mode_since=NOW - timedelta(days=45))
    CompoundFactory(management_mode="professional", created_at=LONG_AGO)
    CompoundFactory(management_mode="professional", created_at=NOW - timedelta(days=3))  # registered late: counts
    cleaning = ServiceTypeFactory()
    db.session.flush()

    # Tasks of October: 4 due, 3 completed, 2 on time, 1 missed, 2 verified of which 1 first pass.
    _task(db, served, cleaning, "verified", at(10, 10))
    _task(db, served, cleaning, "verified", at(10, 11), rejections=1)
    _task(db, served, cleaning, "done", at(10, 12), late=True)
    _task(db, served, cleaning, "missed", at(10, 13))
    _task(db, served, cleaning, "cancelled", at(10, 14))  # never counts
    # 2026-11-01 01:00 in the district: November's, although it is still October in UTC.
    _task(db, served, cleaning, "missed", datetime(2026, 10, 31, 17, tzinfo=timezone.utc))
    _task(db, served, cleaning, "verified", at(9, 20))  # September: 1 due, 1 completed

    # Complaints: 2 received in October, 1 of them resolved by its deadline; 1 resolved in October.
    _complaint(db, served, "OCT1", at(10, 5), at(10, 7), resolved=at(10, 6))
    _complaint(db, served, "OCT2", at(10, 7), at(10, 8), resolved=at(11, 2))
    # Open and past its deadline now: the served compound's leader answers for it.
    _complaint(db, served, "LATE1", at(11, 20), at(11, 21))
    _complaint(db, None, "NOCOMPOUND", at(11, 22), at(11, 23))  # hotline case not matched: no leader

    # Assignments: one started in October (past its review date now), one ended in October.
    AssignmentFactory(compound=newly, status="active", responsible_leader=leader, start_date=date(2026, 10, 3),
                      review_date=date(2026, 11, 1), decision_no="城住建物管〔2026〕30号")
    AssignmentFactory(compound=served, status="ended", responsible_leader=leader, start_date=date(2026, 8, 1),
                      end_date=date(2026, 10, 20), end_reason="revoked")
    AssignmentFactory(compound=served, status="active", responsible_leader=leader, start_date=date(2026, 10, 21),
                      review_date=date(2027, 4, 1))  # also started in October
    AssignmentFactory(compound=proposed_for, status="proposed", responsible_leader=owner)
    # The newly served compound became fallback on 3 October; before that it was unmanaged.
    record(None, "assignment", 1, "assignment_approved", now=at(10, 3), compound_id=newly.id,
           from_state="unmanaged", to_state="fallback")
    # A professional compound that was fallback until November: fallback at the end of October.
    switched = CompoundFactory(management_mode="professional", created_at=LONG_AGO)
    record(None, "assignment", 2, "assignment_ended", now=at(11, 10), compound_id=switched.id,
           from_state="fallback", to_state="professional")

    # Handovers: one completed in October, one stuck for 60 days.
    db.session.add(Handover(compound_id=switched.id, stage="completed", started_at=at(8, 1),
                            stage_entered_at=at(10, 15), finished_at=at(10, 15)))
    db.session.add(Handover(compound_id=served.id, stage="firm_selection", stage_owner_id=owner.id,
                            started_at=at(9, 1), stage_entered_at=NOW - timedelta(days=60)))
    db.session.commit()
    return {"served": served, "waiting": waiting, "proposed_for": proposed_for, "leader": leader, "owner": owner}


def test_figures_of_a_month_equal_the_known_counts(dataset):
    october = figures(OCTOBER, now=NOW)
    h = october.health
    assert (h.due, h.completed, h.on_time, h.missed, h.verified, h.first_pass) == (4, 3, 2, 1, 2, 1)
    assert (h.completion_rate, h.on_time_rate, h.first_pass_rate) == (75.0, 50.0, 50.0)
    assert (october.complaints_received, october.complaints_within_deadline, october.complaints_resolved) == (2, 1, 1)
    assert (october.assignments_started, october.assignments_ended, october.handovers_completed) == (2, 1, 1)
    # At the end of October: served + switched were fallback; newly became fallback on 3 October.
    assert october.modes == {"professional": 2, "fallback": 3, "self_managed": 0, "unmanaged": 2}
    september = figures(OCTOBER.previous, now=NOW)
    assert (september.health.due, september.health.completed, september.complaints_received) == (1, 1, 0)
    assert september.modes == {"professional": 2, "fallback": 2, "self_managed": 0, "unmanaged": 3}


def test_open_items_name_their_leaders(dataset):
    items = open_items(now=NOW)
    assert [a.decision_no for a in items.assignments_past_review] == ["城住建物管〔2026〕30号"]
    assert [(r.handover.compound.name, r.handover.stage_owner.label) for r in items.handovers_stuck] == \
        [("新华西街二区", "赵科长")]
    assert [(c.tracking_code, u.label if u else None) for c, u in items.complaints_overdue] == \
        [("LATE1", "李主任"), ("NOCOMPOUND", None)]
    assert [(c.id, days) for c, days, _ in items.unmanaged_too_long] == \
        [(dataset["proposed_for"].id, 45), (dataset["waiting"].id, 40)]
    assert (items.without_proposal, len(items.awaiting_decision), items.leaderless) == (1, 1, 1)


def test_the_first_of_each_kind_with_the_counts_of_all(dataset):
    whole, cut = open_items(now=NOW), open_items(now=NOW, top=1)
    assert [(c.id, days) for c, days, _ in cut.unmanaged_too_long] == [(dataset["proposed_for"].id, 45)]
    assert cut.unmanaged_too_long[0][2] is not None  # its proposal, found although the list is cut
    assert [c.tracking_code for c, _ in cut.complaints_overdue] == ["LATE1"]  # the earliest deadline first
    assert cut.is_cut("unmanaged_too_long") and cut.is_cut("complaints_overdue") and not cut.is_complete
    assert not cut.is_cut("handovers_stuck") and whole.is_complete
    for topic in ("unmanaged_too_long", "complaints_overdue", "assignments_past_review", "awaiting_decision"):
        assert cut.total(topic) == whole.total(topic) == len(getattr(whole, topic)), topic
    assert (cut.count, cut.without_proposal, cut.leaderless) == (whole.count, 1, 1)


def test_the_page_says_where_the_rest_of_a_cut_list_is(client, login_as, dataset, monkeypatch):
    _frozen(monkeypatch)
    monkeypatch.setattr(views, "REPORT_TOP", 1)
    login_as("official", locale="en")
    html = client.get("/oversight/report?month=2026-10").get_data(as_text=True)
    assert "LATE1" in html and "NOCOMPOUND" not in html
    assert "Complaints past deadline (2)" in html
    assert "The 1 most urgent of 2 are listed here" in html and "/oversight/report.xlsx?month=2026-10" in html
    ledger = load_workbook(io.BytesIO(client.get("/oversight/report.xlsx?month=2026-10").data))
    assert len(list(ledger[zh("Complaints past deadline")].iter_rows(min_row=4))) == 2  # the ledger has all


def test_a_download_is_rendered_again_only_when_the_report_changed(client, login_as, dataset, monkeypatch, db):
    from propmgmt.oversight import exports

    clock = [NOW]
    monkeypatch.setattr(views, "utcnow", lambda: clock[0])
    rendered = []
    real = exports.pdf_from_html
    monkeypatch.setattr(exports, "pdf_from_html", lambda html, **kw: rendered.append(1) or real(html, **kw))
    login_as("official")
    first = client.get("/oversight/report.pdf?month=2026-10")
    assert first.status_code == 200 and first.data.startswith(b"%PDF") and len(rendered) == 1
    clock[0] = NOW + timedelta(minutes=20)
    again = client.get("/oversight/report.pdf?month=2026-10")
    assert again.data == first.data and len(rendered) == 1
    assert again.headers["Last-Modified"] == first.headers["Last-Modified"]  # as of its first rendering
    _complaint(db, dataset["served"], "LATE2", at(11, 20), at(11, 22))  # a new open item
    db.session.commit()
    changed = client.get("/oversight/report.pdf?month=2026-10")
    assert len(rendered) == 2 and changed.headers["Last-Modified"] != first.headers["Last-Modified"]
    clock[0] = NOW + timedelta(days=1)  # a day later every unmanaged compound has waited a day more
    client.get("/oversight/report.pdf?month=2026-10")
    assert len(rendered) == 3
    assert db.session.query(ReportRendering).count() == 1


def zh(msgid: str, **values) -> str:
    """The Chinese the exports print for `msgid` (the catalogue's words, or the msgid until translated)."""
    with force_locale("zh"):
        return str(_l(msgid, **values))


def _frozen(monkeypatch):
    monkeypatch.setattr(views, "utcnow", lambda: NOW)


def test_the_page_shows_the_figures_and_the_leaders(client, login_as, dataset, monkeypatch):
    _frozen(monkeypatch)
    login_as("official", locale="en")
    response = client.get("/oversight/report?month=2026-10")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Monthly dispatch report" in html and "2026-09" in html
    for text in ("75.0%", "50.0%", "城住建物管〔2026〕30号", "李主任", "赵科长", "LATE1", "NOCOMPOUND",
                 "No leader named"):
        assert text in html, text
    assert "No activity was recorded" not in html


def test_last_month_is_the_default(client, login_as, db, monkeypatch):
    _frozen(monkeypatch)
    login_as("dispatcher")
    html = client.get("/oversight/report").get_data(as_text=True)
    assert 'value="2026-10"' in html


def test_pdf_renders_in_chinese(dataset, tmp_path, app):
    with app.test_request_context():
        data = report_pdf(monthly_report(OCTOBER, now=NOW))
    assert data.startswith(b"%PDF")
    (tmp_path / "report.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(tmp_path / "report.pdf"), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))
    text = subprocess.run(["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True)
    if text.returncode == 0:  # pdftotext comes with pdftoppm (poppler-utils)
        assert "李主任" in text.stdout and "2026-10" in text.stdout


def test_ledger_has_one_sheet_per_topic_with_the_right_rows(dataset, app):
    with app.test_request_context():
        workbook = load_workbook(io.BytesIO(report_xlsx(monthly_report(OCTOBER, now=NOW))))
    assert workbook.sheetnames == [zh(t) for t in ("Key figures", "Assignments past review", "Handovers stuck",
                                                     "Complaints past deadline", "Unmanaged too long",
                                                     "Awaiting decision", "Late renovation projects",
                                                     "Renovation problems past their date")]
    figures_sheet = {row[0]: row[1:] for row in workbook[zh("Key figures")].iter_rows(min_row=3, values_only=True)}
    assert figures_sheet[zh("Tasks due")] == (4, 1)
    assert figures_sheet[zh("Completion")] == (0.75, 1.0)  # numbers, shown as percentages
    assert figures_sheet[zh("Missed")] == (1, 0)
    assert figures_sheet[zh("Complaints received")] == (2, 0)
    assert figures_sheet[zh("Resolved within deadline")] == (1, 0)
    assert figures_sheet[zh("Assignments started")] == (2, 0)
    assert figures_sheet[zh("Handovers completed")] == (1, 0)
    with force_locale("zh"):
        fallback_row = str(_l("Compounds at month end: %(mode)s", mode=str(MODE_LABELS["fallback"])))
    assert figures_sheet[fallback_row] == (3, 2)
    assert len(list(workbook[zh("Complaints past deadline")].iter_rows(min_row=4))) == 2
    assert [r[0] for r in workbook[zh("Handovers stuck")].iter_rows(min_row=4, values_only=True)] == ["新华西街二区"]
    assert [r[-1] for r in workbook[zh("Assignments past review")].iter_rows(min_row=4, values_only=True)] == ["李主任"]
    assert len(list(workbook[zh("Unmanaged too long")].iter_rows(min_row=4))) == 2


def test_downloads(client, login_as, dataset, monkeypatch):
    _frozen(monkeypatch)
    login_as("official")
    pdf = client.get("/oversight/report.pdf?month=2026-10")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    xlsx = client.get("/oversight/report.xlsx?month=2026-10")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]


@pytest.mark.parametrize("month, message", [
    ("2026-13", "Give the month as YYYY-MM"),
    ("october", "Give the month as YYYY-MM"),
    ("1999-12", "Give the month as YYYY-MM"),
    ("2026-12", "2026-12 has not begun yet"),
])
@pytest.mark.parametrize("url", ["/oversight/report", "/oversight/report.pdf", "/oversight/report.xlsx"])
def test_bad_months_are_explained(client, login_as, db, monkeypatch, month, message, url):
    _frozen(monkeypatch)
    login_as("official", locale="en")
    response = client.get(f"{url}?month={month}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_month_without_activity_says_so(client, login_as, db, monkeypatch):
    _frozen(monkeypatch)
    login_as("official", locale="en")
    html = client.get("/oversight/report?month=2025-03").get_data(as_text=True)
    assert "No activity was recorded in this month" in html


def test_the_current_month_counts_up_to_now(dataset):
    november = figures(Month(2026, 11), now=NOW)
    assert november.health.due == 1 and november.health.missed == 1


def test_month_parsing():
    assert Month.parse("2026-10", now=NOW) == OCTOBER
    assert Month.before(datetime(2026, 12, 31, 17, tzinfo=timezone.utc)) == Month(2026, 12)  # 1 Jan, 01:00 local
    assert Month(2026, 1).previous == Month(2025, 12) and Month(2026, 12).next == Month(2027, 1)
    assert OCTOBER.key == 202610
    with pytest.raises(DomainError):
        Month.parse("2026-00", now=NOW)


def test_the_scheduler_announces_last_month_once(app, db):
    officials = [UserFactory(role="official"), UserFactory(role="official")]
    UserFactory(role="official", active=False)
    UserFactory(role="dispatcher")
    db.session.commit()
    first_of_december = datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc)  # 00:30 on 1 December locally
    assert JOBS["monthly_report"](app, first_of_december) == {"month": "2026-11", "officials": 2, "archived": 1}
    again = announce_monthly_report(now=first_of_december + timedelta(hours=1))  # a second run, or scheduler
    assert again["archived"] == 0 and db.session.query(ReportArchive).count() == 1
    rows = db.session.scalars(select(Notification).where(Notification.subject_type == "report")).all()
    assert sorted(r.recipient_id for r in rows) == sorted(u.id for u in officials)
    assert {(r.subject_id, r.channel, r.kind) for r in rows} == {(202611, "in_app", "monthly_report")}


def test_the_report_of_the_first_is_kept_and_offered_beside_the_live_one(client, login_as, db):
    login_as("official", locale="en")
    assert client.get("/oversight/report/archive/2026-10.pdf").status_code == 404
    assert archive_monthly_report(OCTOBER, now=NOW)
    assert not archive_monthly_report(OCTOBER, now=NOW + timedelta(days=3))  # kept as first produced
    html = client.get("/oversight/report?month=2026-10").get_data(as_text=True)
    assert "As produced on" in html and "/oversight/report/archive/2026-10.pdf" in html
    pdf = client.get("/oversight/report/archive/2026-10.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    workbook = load_workbook(io.BytesIO(client.get("/oversight/report/archive/2026-10.xlsx").data))
    assert len(workbook.sheetnames) >= 3
    assert client.get("/oversight/report/archive/2026-10.doc").status_code == 404


def test_the_announcement_links_to_the_report(client, login_as, db):
    login_as("official", locale="en")
    announce_monthly_report(now=datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc))
    sent_at = datetime(2026, 11, 30, 16, 31, tzinfo=timezone.utc)
    db.session.execute(Notification.__table__.update().values(status="sent", sent_at=sent_at))
    db.session.commit()
    html = client.get("/notifications").get_data(as_text=True)
    assert "Monthly dispatch report ready: 2026-11" in html and "/oversight/report?month=2026-11" in html


# The test's savepoints, and loading the signed-in user (cached or not, by the session's identity map).
NOT_COUNTED = re.compile(r'^(SAVEPOINT|RELEASE|ROLLBACK)|FROM "?user"?\s+WHERE "?user"?\.id = ')


@pytest.fixture
def statements(db):
    """Counts the SQL statements run while the fixture is alive (to pin pages against N+1)."""
    from sqlalchemy import event
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield seen
    event.remove(db.engine, "before_cursor_execute", count)


def test_pages_run_a_fixed_number_of_statements(client, login_as, dataset, db, monkeypatch, statements):
    _frozen(monkeypatch)
    login_as("official", locale="en")
    sid = dataset["served"].community.subdistrict_id
    urls = ["/oversight/report?month=2026-10", f"/oversight/subdistricts/{sid}", "/oversight/crews", "/oversight"]

    def counts():
        result = []
        for url in urls:
            statements.clear()
            assert client.get(url).status_code == 200
            result.append(len([s for s in statements if not NOT_COUNTED.search(s)]))
        return result

    before = counts()
    for i in range(5):  # more rows of every kind the pages list
        compound = CompoundFactory(management_mode="unmanaged", mode_since=NOW - timedelta(days=50 + i),
                                   community=dataset["served"].community)
        AssignmentFactory(compound=compound, status="proposed", responsible_leader=UserFactory(role="official"))
        _complaint(db, compound, f"MORE{i}", at(11, 1), at(11, 2))
    db.session.commit()
    assert counts() == before


def test_the_scheduler_renders_last_months_pdf_ahead_of_the_download(client, login_as, dataset, monkeypatch, db):
    from propmgmt.oversight import exports
    from propmgmt.scheduler.cli import INTERVALS

    assert "render_report_pdf" in INTERVALS
    assert JOBS["render_report_pdf"](client.application, NOW) == {"rendered": 1}
    assert JOBS["render_report_pdf"](client.application, NOW + timedelta(minutes=10)) == {"rendered": 0}
    db.session.commit()
    monkeypatch.setattr(exports, "pdf_from_html", lambda html, **kw: pytest.fail("rendered at the download"))
    _frozen(monkeypatch)
    login_as("official")
    assert client.get("/oversight/report.pdf").data.startswith(b"%PDF")  # last month: October
