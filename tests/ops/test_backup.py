"""backup → restore into an empty database: every table's rows and every photo identical.

Runs the real commands in subprocesses, on SQLite always and on PostgreSQL in the
PostgreSQL pass (scratch databases test_ops_restore_source and test_ops_restore, dropped after).
"""
import hashlib
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, select, text

from propmgmt.extensions import db

pytestmark = pytest.mark.slow  # make test-fast leaves it out

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "app"]
PG_DATABASES = ("test_ops_restore_source", "test_ops_restore")


def flask(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(FLASK + list(args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def environment(url: str, uploads: Path) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "PROPMGMT_UPLOAD_DIR": str(uploads), "PROPMGMT_ENV": "development"}
    env.pop("TEST_DATABASE_URL", None)
    return env


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Per table: the row count and a hash of every row's content, in primary-key order."""
    engine = create_engine(url)
    result = {}
    try:
        with engine.connect() as connection:
            for table in db.metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                digest, count = hashlib.sha256(), 0
                for row in connection.execute(select(table).order_by(*order)):
                    digest.update(repr(tuple(row)).encode())
                    count += 1
                result[table.name] = (count, digest.hexdigest())
            result["alembic_version"] = (1, connection.scalar(text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()
    return result


def file_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()}


def _sqlite_urls(tmp_path):
    return f"sqlite:///{tmp_path / 'source.sqlite3'}", f"sqlite:///{tmp_path / 'restored.sqlite3'}"


@pytest.fixture
def postgres_urls():
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL round trip runs in the PostgreSQL pass (TEST_DATABASE_URL)")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")

    def recreate(drop_only=False):
        with admin.connect() as connection:
            for name in PG_DATABASES:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                if not drop_only:
                    connection.execute(text(f'CREATE DATABASE "{name}"'))

    recreate()
    yield tuple(make_url(url).set(database=name).render_as_string(hide_password=False) for name in PG_DATABASES)
    recreate(drop_only=True)
    admin.dispose()


def _round_trip(tmp_path, source_url, target_url):
    uploads, restored_uploads = tmp_path / "uploads", tmp_path / "restored-uploads"
    source = environment(source_url, uploads)
    flask(source, "db", "upgrade")
    flask(source, "seed-demo", "--scale", "district")
    flask(source, "generate-tasks")
    seeded = len(file_hashes(uploads))  # the demo's own photos
    for owner, size in (("tasks/test-1", 2000), ("tasks/test-2", 70_000), ("complaints/test-3", 5)):
        folder = uploads / owner
        folder.mkdir(parents=True)
        (folder / "photo.jpg").write_bytes(os.urandom(size))
        (folder / "photo-t.jpg").write_bytes(os.urandom(size // 4 + 1))
    archive = tmp_path / "backups" / "propmgmt.tar.gz"

    made = flask(source, "backup", str(archive))
    assert "Backed up" in made.stdout and f"{seeded + 6} files" in made.stdout

    target = environment(target_url, restored_uploads)
    done = flask(target, "restore", str(archive))
    assert "row counts checked" in done.stdout
    before, after = fingerprint(source_url), fingerprint(target_url)
    assert before["task"][0] > 1000 and before["compound"][0] == 334
    assert after == before
    assert file_hashes(restored_uploads) == file_hashes(uploads) and len(file_hashes(uploads)) == seeded + 6

    refused = flask(target, "restore", str(archive), check=False)
    assert refused.returncode == 1
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    (restored_uploads / "stray.jpg").write_bytes(b"not in the backup")
    flask(target, "restore", "--force", str(archive))
    assert fingerprint(target_url) == before and file_hashes(restored_uploads) == file_hashes(uploads)
    return target, archive


def test_sqlite_round_trip_is_identical(tmp_path):
    target, archive = _round_trip(tmp_path, *_sqlite_urls(tmp_path))
    with tarfile.open(archive) as tar:
        assert {"manifest.json", "database.sqlite3", "uploads/tasks/test-1/photo.jpg"} <= set(tar.getnames())


def test_postgresql_round_trip_is_identical(tmp_path, postgres_urls):
    target, archive = _round_trip(tmp_path, *postgres_urls)
    with tarfile.open(archive) as tar:
        assert "database.dump" in tar.getnames()


def test_bad_backup_files_get_clear_messages(tmp_path):
    env = environment(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path / "uploads")
    missing = flask(env, "restore", str(tmp_path / "nothing.tar.gz"), check=False)
    assert missing.returncode == 1 and "No backup file at" in missing.stderr

    corrupt = tmp_path / "corrupt.tar.gz"
    corrupt.write_bytes(b"\x1f\x8b\x08\x00garbage, not a gzip stream")
    result = flask(env, "restore", str(corrupt), check=False)
    assert result.returncode == 1 and "is not a readable backup" in result.stderr
    assert "Traceback" not in result.stderr

    not_ours = tmp_path / "other.tar.gz"
    readme = tmp_path / "README.txt"
    readme.write_text("hello")
    with tarfile.open(not_ours, "w:gz") as tar:
        tar.add(readme, arcname="README.txt")
    result = flask(env, "restore", str(not_ours), check=False)
    assert result.returncode == 1 and "no valid manifest.json" in result.stderr

    truncated = tmp_path / "truncated.tar.gz"
    flask(env, "db", "upgrade")
    flask(env, "backup", str(tmp_path / "good.tar.gz"))
    truncated.write_bytes((tmp_path / "good.tar.gz").read_bytes()[:-200])
    result = flask(env, "restore", "--force", str(truncated), check=False)
    assert result.returncode == 1 and "is not a readable backup" in result.stderr
