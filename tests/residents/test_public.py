"""The compound's public page, its QR code and the printable posters."""
import shutil
import subprocess
from datetime import timedelta
from html import escape

import pytest
from sqlalchemy import select

from propmgmt.complaints.models import Complaint
from propmgmt.plans.models import TaskPhoto

from ..factories import CompoundFactory


def _finish(db, task, *, late=False, photo=None):
    task.status = "verified"
    task.completed_at = task.window_end + (timedelta(hours=1) if late else -timedelta(minutes=5))
    task.window_start = task.window_start - timedelta(hours=6)
    task.window_end = task.window_end - timedelta(hours=6)
    task.completed_at -= timedelta(hours=6)
    if photo:
        db.session.add(TaskPhoto(task_id=task.id, path=photo, thumb_path=photo))


def test_public_page_shows_who_serves_the_schedule_and_the_record(client, db, field_day, app, tmp_path):
    compound, operator, tasks = field_day["compound"], field_day["operator"], field_day["tasks"]
    _finish(db, tasks[0])
    _finish(db, tasks[1], late=True)
    db.session.add(Complaint(tracking_code="OPEN000001", compound_id=compound.id, source="resident",
                             category="cleaning", description="x", contact_phone="13912345678", status="received"))
    db.session.commit()
    response = client.get(f"/r/{compound.public_code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert compound.name in html and "阳泉市洁诚物业公司" in html and "0353-1234567" in html
    assert "07:00–09:00" in html
    # two windows over, both done, one of them on time
    assert "100.0%" in html and "50.0%" in html
    assert 'id="open-problems">1<' in html
    assert operator.display_name not in html and "13912345678" not in html


def test_public_photos_are_the_compounds_own_thumbnails(client, db, field_day, app):
    import pathlib
    upload = pathlib.Path(app.config["UPLOAD_DIR"]) / "tasks" / "pub"
    upload.mkdir(parents=True, exist_ok=True)
    (upload / "a-t.jpg").write_bytes(b"thumb")
    task = field_day["tasks"][0]
    _finish(db, task)
    db.session.add(TaskPhoto(task_id=task.id, path="tasks/pub/a.jpg", thumb_path="tasks/pub/a-t.jpg"))
    db.session.commit()
    photo = db.session.scalar(select(TaskPhoto).where(TaskPhoto.task_id == task.id))
    code = field_day["compound"].public_code
    assert f"/r/{code}/photos/{photo.id}" in client.get(f"/r/{code}").get_data(as_text=True)
    response = client.get(f"/r/{code}/photos/{photo.id}")
    assert response.status_code == 200 and response.data == b"thumb"
    other = CompoundFactory()
    assert client.get(f"/r/{other.public_code}/photos/{photo.id}").status_code == 404


def test_recent_work_includes_a_redo_finished_weeks_after_its_window(client, db, field_day):
    task = field_day["tasks"][0]
    _finish(db, task)  # completed today ...
    task.window_start -= timedelta(days=40)  # ... for a window 40 days ago
    task.window_end -= timedelta(days=40)
    db.session.add(TaskPhoto(task_id=task.id, path="tasks/pub/r.jpg", thumb_path="tasks/pub/r-t.jpg"))
    db.session.commit()
    photo = db.session.scalar(select(TaskPhoto).where(TaskPhoto.task_id == task.id))
    code = field_day["compound"].public_code
    assert f"/r/{code}/photos/{photo.id}" in client.get(f"/r/{code}").get_data(as_text=True)


def test_unknown_code_and_the_id_do_not_open_a_page(client, db, field_day):
    assert client.get("/r/NOSUCHCODE").status_code == 404
    assert client.get(f"/r/{field_day['compound'].id}").status_code == 404


def test_qr_code_is_an_svg_of_the_public_link(client, db, field_day):
    response = client.get(f"/r/{field_day['compound'].public_code}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data


def _renders(pdf: bytes, tmp_path) -> int:
    """Pages rendered by poppler's pdftoppm (when installed), else the page count in the file."""
    path = tmp_path / "poster.pdf"
    path.write_bytes(pdf)
    if not shutil.which("pdftoppm"):
        return pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(path), str(tmp_path / "page")], check=True,
                   capture_output=True, timeout=60)
    return len(list(tmp_path.glob("page*.png")))


def test_poster_pdf_per_compound_and_per_subdistrict(client, db, field_day, login_as, tmp_path):
    compound = field_day["compound"]
    CompoundFactory(community=compound.community, name="第二个小区")
    login_as("official")
    response = client.get(f"/r/{compound.public_code}/poster.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert _renders(response.data, tmp_path) == 1
    assert compound.community.subdistrict.name in client.get("/r/posters").get_data(as_text=True)
    bulk = client.get(f"/r/posters/{compound.community.subdistrict_id}.pdf")
    assert bulk.status_code == 200 and bulk.mimetype == "application/pdf"
    bulk_dir = tmp_path / "bulk"
    bulk_dir.mkdir()
    assert _renders(bulk.data, bulk_dir) == 2
    assert client.get("/r/posters/999999.pdf").status_code == 404


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_poster_text_is_chinese(client, db, field_day, login_as, tmp_path):
    login_as("dispatcher")
    path = tmp_path / "p.pdf"
    path.write_bytes(client.get(f"/r/{field_day['compound'].public_code}/poster.pdf").data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert field_day["compound"].name in text


def test_public_page_shows_frequency_handover_stage_and_satisfaction(client, db, field_day, setting, now):
    from propmgmt.complaints import services
    from propmgmt.handovers.models import Handover
    compound = field_day["compound"]
    db.session.add(Handover(compound_id=compound.id, stage="owners_decision"))
    for rating in (5, 2):
        case = services.open_case(compound_id=compound.id, source="resident", category="cleaning",
                                  description="x", now=now)
        services.acknowledge(setting.dispatcher, case, now=now)
        services.resolve(setting.dispatcher, case, now=now)
        services.rate(case, rating, "", now=now)
    db.session.commit()
    html = client.get(f"/r/{compound.public_code}").get_data(as_text=True)
    assert "3.5" in html  # two ratings, 5 and 2
    from flask import current_app

    from .conftest import in_chinese
    stage = in_chinese(current_app, "Owners' decision")
    assert escape(in_chinese(current_app, "Handover to a property firm under way: %(stage)s", stage=stage)) in html
    assert in_chinese(current_app, "Every day") in html
