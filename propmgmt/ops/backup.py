"""Backup and restore: one .tar.gz with the database, the uploaded photos and a manifest.

SQLite is copied with the sqlite3 online backup API; PostgreSQL with pg_dump/pg_restore in
their custom format. The manifest keeps each table's row count, taken from the same
snapshot as the dump, and a restore checks the restored database against it.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from ..extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
UPLOADS = "uploads"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def table_counts(connection: Connection) -> dict[str, int]:
    """Rows per table of the schema, for the tables that exist in this database."""
    existing = set(inspect(connection).get_table_names())
    return {table.name: connection.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables if table.name in existing}


def _schema_revision(connection: Connection) -> str | None:
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def _sqlite_path(engine: Engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return path


def _libpq(engine: Engine) -> tuple[str, dict]:
    """A libpq connection string for pg_dump/pg_restore; the password goes in the environment."""
    url = engine.url
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return dsn, env


def _run(command: list[str], env: dict | None = None) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed; install the PostgreSQL client (postgresql-client).")
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip() or result.stdout.strip()}")


def _upload_files(upload_dir: Path) -> list[Path]:
    return sorted(p for p in upload_dir.rglob("*") if p.is_file()) if upload_dir.is_dir() else []


def create_backup(engine: Engine, upload_dir: str, path: str) -> dict:
    """Writes the archive at `path` (atomically: a partial file never takes its name)."""
    dialect = engine.dialect.name
    if dialect not in DUMP_NAMES:
        raise BackupError(f"Backups of {dialect} databases are not supported.")
    target = Path(path)
    if target.is_dir():
        raise BackupError(f"{path} is a directory; give a file name such as {target / 'propmgmt.tar.gz'}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-") as work:  # beside the archive, not /tmp
        dump = Path(work) / DUMP_NAMES[dialect]
        if dialect == "sqlite":
            counts, revision = _dump_sqlite(engine, dump)
        else:
            counts, revision = _dump_postgresql(engine, dump)
        files = _upload_files(Path(upload_dir))
        manifest = {
            "format": FORMAT, "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "dialect": dialect, "schema_revision": revision, "tables": counts,
            "files": len(files), "file_bytes": sum(f.stat().st_size for f in files),
        }
        (Path(work) / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(Path(work) / MANIFEST, arcname=MANIFEST)
            archive.add(dump, arcname=dump.name)
            for file in files:
                archive.add(file, arcname=f"{UPLOADS}/{file.relative_to(upload_dir).as_posix()}")
        partial.replace(target)
    return manifest


def _dump_sqlite(engine: Engine, dump: Path) -> tuple[dict, str | None]:
    source = sqlite3.connect(_sqlite_path(engine))
    copy = sqlite3.connect(dump)
    try:
        source.backup(copy)  # a consistent copy while the app keeps writing
    finally:
        source.close()
        copy.close()
    copy_engine = create_engine(f"sqlite:///{dump}")
    try:
        with copy_engine.connect() as connection:
            return table_counts(connection), _schema_revision(connection)
    finally:
        copy_engine.dispose()


def _dump_postgresql(engine: Engine, dump: Path) -> tuple[dict, str | None]:
    """pg_dump from an exported snapshot, so the manifest's counts are those of the dump."""
    dsn, env = _libpq(engine)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        with connection.begin():
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  f"--file={dump}", f"--dbname={dsn}"], env)
            return table_counts(connection), _schema_revision(connection)


def read_manifest(path: str, work: Path) -> dict:
    """Unpacks the archive into `work` and returns its manifest, or says what is wrong with it."""
    archive_path = Path(path)
    if not archive_path.is_file():
        raise BackupError(f"No backup file at {path}.")
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            extracted = _extract(archive, work, path)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(f"{path} is not a readable backup (a .tar.gz made by `flask backup`): {error}")
    try:
        manifest = json.loads((work / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError(f"{path} has no valid {MANIFEST}; it is not a backup made by `flask backup`.")
    if manifest.get("format") != FORMAT or manifest.get("dialect") not in DUMP_NAMES:
        raise BackupError(f"{path} is a backup in an unknown format ({manifest.get('format')!r}).")
    if not (work / DUMP_NAMES[manifest["dialect"]]).is_file():
        raise BackupError(f"{path} holds no database dump; the archive is incomplete.")
    if (extracted["files"], extracted["file_bytes"]) != (manifest.get("files"), manifest.get("file_bytes")):
        raise BackupError(f"{path} holds {extracted['files']} photo files ({extracted['file_bytes']} bytes) where its "
                          f"manifest lists {manifest.get('files')} ({manifest.get('file_bytes')} bytes).")
    return manifest


def _member_path(member: tarfile.TarInfo, work: Path, path: str) -> Path | None:
    """Where a member goes inside `work`, built here from its name's plain parts; None for a name
    that is not part of a backup. Anything but a regular file or a folder refuses the archive."""
    if not (member.isreg() or member.isdir()):
        kind = "link" if member.issym() or member.islnk() else "special file"
        raise BackupError(f"{path} holds a {kind} ({member.name!r}); a backup holds only files. Nothing was restored.")
    name = member.name.replace("\\", "/")
    if name.startswith("/") or ":" in name or "\x00" in name or any(part in (".", "..") for part in name.split("/")):
        raise BackupError(f"{path} holds a member outside the backup's folder ({member.name!r}). Nothing was restored.")
    parts = [part for part in name.split("/") if part]
    if not parts or parts[0] not in (MANIFEST, *DUMP_NAMES.values(), UPLOADS):
        return None
    if parts[0] != UPLOADS and len(parts) > 1:
        return None
    return work.joinpath(*parts)


def _extract(archive: tarfile.TarFile, work: Path, path: str) -> dict:
    """Extracts the backup's files one by one to paths built here, never through the tar library's own
    extraction (whose filters a crafted archive has defeated: CVE-2025-4517). Returns what it wrote."""
    files = file_bytes = 0
    for member in archive:
        target = _member_path(member, work, path)
        if target is None:
            continue
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        source = archive.extractfile(member)
        try:
            with open(target, "xb") as out:  # "x": a name twice in the archive is refused, not overwritten
                shutil.copyfileobj(source, out)
        except FileExistsError:
            raise BackupError(f"{path} holds {member.name!r} twice. Nothing was restored.")
        if target.parts[len(work.parts)] == UPLOADS:
            files, file_bytes = files + 1, file_bytes + member.size
    return {"files": files, "file_bytes": file_bytes}


def _existing_data(engine: Engine, upload_dir: Path) -> str | None:
    """What a restore would overwrite, in words; None when the database and uploads are empty."""
    with engine.connect() as connection:
        rows = {name: n for name, n in table_counts(connection).items() if n}
    files = len(_upload_files(upload_dir))
    if not rows and not files:
        return None
    return f"{sum(rows.values())} rows in {len(rows)} tables and {files} uploaded files"


def restore_backup(engine: Engine, upload_dir: str, path: str, *, force: bool = False) -> dict:
    """Replaces the database and the upload folder with the archive's; checks the row counts."""
    uploads = Path(upload_dir)
    uploads.parent.mkdir(parents=True, exist_ok=True)
    # Unpacked beside the upload folder, so the photos are moved into place, not copied.
    with tempfile.TemporaryDirectory(dir=uploads.parent, prefix=".restore-") as work:
        work = Path(work)
        manifest = read_manifest(path, work)
        dialect = engine.dialect.name
        if manifest["dialect"] != dialect:
            raise BackupError(f"{path} is a backup of a {manifest['dialect']} database; this app uses {dialect}. "
                              "Restore it into a database of the same kind.")
        existing = _existing_data(engine, uploads)
        if existing and not force:
            raise BackupError(f"The database is not empty ({existing}); restore refuses to overwrite it. "
                              "Run it again with --force to replace everything with the backup.")
        dump = work / DUMP_NAMES[dialect]
        engine.dispose()  # no pooled connection keeps the old database open
        if dialect == "sqlite":
            _restore_sqlite(engine, dump)
        else:
            dsn, env = _libpq(engine)
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                  "--exit-on-error", f"--dbname={dsn}", str(dump)], env)
        _replace_uploads(work / UPLOADS, uploads)
        with engine.connect() as connection:
            counts = table_counts(connection)
    if counts != manifest["tables"]:
        differ = sorted(name for name in set(counts) | set(manifest["tables"])
                        if counts.get(name) != manifest["tables"].get(name))
        raise BackupError(f"The restored database differs from the backup's manifest in: {', '.join(differ)}.")
    return manifest


def _restore_sqlite(engine: Engine, dump: Path) -> None:
    target_path = _sqlite_path(engine)
    Path(target_path).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target)  # replaces every page of the target, under its lock
    finally:
        source.close()
        target.close()


def _replace_uploads(extracted: Path, uploads: Path) -> None:
    uploads.mkdir(parents=True, exist_ok=True)
    for child in uploads.iterdir():
        shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    if extracted.is_dir():
        for child in extracted.iterdir():
            shutil.move(str(child), uploads / child.name)
