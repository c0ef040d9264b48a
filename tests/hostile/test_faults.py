"""A database that takes no writes, a full disk, an upload folder that cannot be written.

The faults are real: SQLite's file made immutable (chattr +i, which holds even for root), a PostgreSQL
database switched to read-only, the uploads' folder made immutable, a reserve larger than the disk.
"""
import io
import os
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from config import TestingConfig
from propmgmt import create_app, database
from propmgmt.auth.access import public
from propmgmt.complaints.models import Complaint, ComplaintPhoto
from propmgmt.extensions import csrf, db
from propmgmt.photos import StorageUnavailable, store_photo
from propmgmt.scheduler.models import SchedulerRun
from propmgmt.web import transaction

from ..residents.conftest import in_chinese, report

READ_ONLY_SECONDS = 0.3
ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def _chattr(flag: str, path: Path) -> None:
    subprocess.run(["chattr", flag, str(path)], check=True, capture_output=True)


def _can_chattr(tmp_path) -> bool:
    probe = tmp_path / "probe"
    probe.touch()
    try:
        _chattr("+i", probe)
        _chattr("-i", probe)
        return True
    except (OSError, subprocess.CalledProcessError):
        return False


@pytest.fixture
def immutable(tmp_path):
    """Makes a path immutable for the test, and always writable again afterwards."""
    if not _can_chattr(tmp_path):
        pytest.skip("chattr +i is not allowed here")
    made = []

    def make(path: Path):
        _chattr("+i", path)
        made.append(path)

    def undo(path: Path):
        _chattr("-i", path)
        made.remove(path)

    make.undo = undo
    yield make
    for path in made:
        _chattr("-i", path)


@pytest.fixture(autouse=True)
def _short_read_only_connections(monkeypatch):
    monkeypatch.setattr(database, "READ_ONLY_CONNECTION_SECONDS", READ_ONLY_SECONDS)


def _app_with_a_writing_page(url: str, uploads: Path):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        UPLOAD_DIR = str(uploads)

    app = create_app(Config)

    @app.route("/write-something", methods=["POST"])
    @csrf.exempt
    @public
    @transaction
    def write_something():
        db.session.add(SchedulerRun(job=os.urandom(6).hex()))
        db.session.flush()
        return "written"

    return app


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's file")
def test_an_unwritable_sqlite_file_is_a_503_and_the_worker_recovers_by_itself(tmp_path, immutable):
    database = tmp_path / "app.sqlite3"
    app = _app_with_a_writing_page(f"sqlite:///{database}", tmp_path / "uploads")
    with app.app_context():
        db.create_all()
    client = app.test_client()
    assert client.post("/write-something").status_code == 200
    with app.app_context():
        db.engine.dispose()  # the worker's next connection opens while the file cannot be written
    immutable(database)
    refused = client.post("/write-something")
    assert refused.status_code == 503
    assert "数据库暂不能保存任何更改" in refused.get_data(as_text=True)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["storage"]["database"] == "read_only"
    immutable.undo(database)
    time.sleep(READ_ONLY_SECONDS)  # no restart: a connection opened read-only is renewed after this
    assert client.post("/write-something").status_code == 200
    assert client.get("/healthz").json["storage"] == {"status": "ok", "database": "ok", "uploads": "ok"}


@pytest.mark.skipif(not ON_POSTGRES, reason="switches a scratch PostgreSQL database to read-only")
def test_a_read_only_postgresql_is_a_503_and_the_worker_recovers_by_itself(tmp_path):
    base = make_url(os.environ["TEST_DATABASE_URL"])
    scratch = f"{base.database}_read_only"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}"'))
        connection.execute(text(f'CREATE DATABASE "{scratch}"'))
    app = _app_with_a_writing_page(base.set(database=scratch).render_as_string(hide_password=False),
                                   tmp_path / "uploads")
    try:
        with app.app_context():
            db.create_all()
        client = app.test_client()
        assert client.post("/write-something").status_code == 200
        with app.app_context():
            db.engine.dispose()
        with admin.connect() as connection:  # as a failover to a standby would leave the pool
            connection.execute(text(f'ALTER DATABASE "{scratch}" SET default_transaction_read_only = on'))
        refused = client.post("/write-something")
        assert refused.status_code == 503 and "数据库暂不能保存任何更改" in refused.get_data(as_text=True)
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json["storage"]["database"] == "read_only"
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{scratch}" SET default_transaction_read_only = off'))
        time.sleep(READ_ONLY_SECONDS)
        assert client.post("/write-something").status_code == 200
        assert client.get("/healthz").json["storage"]["database"] == "ok"
    finally:
        with app.app_context():
            db.engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}"'))
        admin.dispose()


def test_healthz_says_cannot_write_when_the_disk_is_short_of_its_reserve(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_RESERVE_MB", 10**12)  # more than any disk here has free
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["status"] == "error"
    assert response.json["storage"]["status"] == "cannot_write"
    assert response.json["storage"]["uploads"] == "disk_full"


def test_an_unwritable_upload_folder_is_a_clear_503_and_nothing_is_kept(app, client, db, field_day, immutable,
                                                                      tmp_path, monkeypatch):
    uploads = tmp_path / "uploads"  # its own: the suite's folder already holds case folders of earlier tests
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(uploads))
    (uploads / "complaints").mkdir(parents=True)
    immutable(uploads / "complaints")
    assert client.get("/healthz").json["storage"]["uploads"] == "ok"  # its root is still writable
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 140, 200)).save(buffer, "JPEG")
    response = report(client, field_day["compound"].public_code, photo=buffer.getvalue())
    assert response.status_code == 503
    assert in_chinese(app, "The photo could not be saved: the server's storage is full or cannot be written. "
                           "Nothing was kept; please try again later.") in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0
    assert db.session.scalar(select(func.count()).select_from(ComplaintPhoto)) == 0


def test_photo_files_of_a_failed_transaction_are_removed_and_of_a_committed_one_kept(app, db, tmp_path):
    image = Image.new("RGB", (400, 300), (10, 10, 10))
    kept = store_photo(image, str(tmp_path), "complaints/1")
    db.session.commit()
    dropped = store_photo(image, str(tmp_path), "complaints/2")
    assert (tmp_path / dropped.path).exists()
    db.session.rollback()
    assert not (tmp_path / dropped.path).exists() and not (tmp_path / dropped.thumb_path).exists()
    assert (tmp_path / kept.path).exists() and (tmp_path / kept.thumb_path).exists()


def test_a_photo_that_cannot_be_written_is_refused_as_storage_unavailable(app, db, tmp_path, immutable):
    immutable(tmp_path)
    with pytest.raises(StorageUnavailable) as refused:
        store_photo(Image.new("RGB", (10, 10)), str(tmp_path), "complaints/3")
    assert refused.value.status_code == 503
