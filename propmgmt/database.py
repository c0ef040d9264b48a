"""Column types and engine settings shared by every domain's models."""
import os
import sqlite3
import time
from datetime import timezone
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

# The largest values the columns hold: forms refuse more, rather than the database failing on it.
MAX_INTEGER = 2**31 - 1  # INTEGER, PostgreSQL's int4 (SQLite would take up to 2**63 - 1)
MAX_AREA = Decimal("9999999999.99")  # Numeric(12, 2), the areas in m²


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def one_of(column: str, values: tuple[str, ...], name: str, nullable: bool = False) -> CheckConstraint:
    """A check constraint that keeps a state column to its domain's words."""
    allowed = ", ".join(f"'{v}'" for v in values)
    condition = f"{column} IN ({allowed})"
    if nullable:
        condition = f"{column} IS NULL OR {condition}"
    return CheckConstraint(condition, name=name)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL, foreign keys and a busy timeout on every SQLite connection.

    The driver's own transaction handling is turned off and BEGIN is emitted by
    SQLAlchemy instead, so SAVEPOINTs work (tests roll back each test that way).
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """IMMEDIATE: a transaction takes SQLite's write lock when it starts, so two concurrent
    writers queue (busy timeout) instead of failing with "database is locked" half-way.

    Except for page reads (GET, HEAD, OPTIONS outside the API, which never write): those begin
    DEFERRED, as readers in WAL mode need no lock. With IMMEDIATE every page view held the one
    write lock for its whole request, so gunicorn's workers took turns (`make load`: 12 req/s
    at city scale, and "database is locked" after 10 s behind a slow page).
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN" if _reading_a_page() else "BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql" and _in_a_request():
        from flask import current_app
        timeout = int(current_app.config.get("REQUEST_STATEMENT_TIMEOUT_MS") or 0)
        if timeout:  # a request's statements give up (503) rather than wait on a hung database
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {timeout}")


# The database refuses writes: SQLite's READONLY and FULL (primary codes), PostgreSQL's
# read_only_sql_transaction (a standby, or default_transaction_read_only) and disk_full.
_SQLITE_CANNOT_WRITE = {8, 13}
_POSTGRES_CANNOT_WRITE = {"25006", "53100"}


def cannot_write(error: BaseException | None) -> bool:
    """Whether a driver error means "the database takes no writes now" (not a bug in the statement)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_CANNOT_WRITE
    return getattr(error, "sqlstate", None) in _POSTGRES_CANNOT_WRITE


# A connection opened while the database took no writes stays read-only for good: SQLite opens an
# unwritable file read-only, PostgreSQL keeps the session's default_transaction_read_only. The pool's
# ping does not notice. Such a connection serves reads for this long, then the pool opens a new one.
READ_ONLY_CONNECTION_SECONDS = 5.0


@event.listens_for(Engine, "connect")
def _note_a_read_only_connection(dbapi_connection, connection_record):
    if _opened_read_only(dbapi_connection):
        connection_record.info["read_only_since"] = time.monotonic()


def _opened_read_only(dbapi_connection) -> bool:
    cursor = dbapi_connection.cursor()
    try:
        if isinstance(dbapi_connection, sqlite3.Connection):
            files = [row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main" and row[2]]
            return bool(files) and not os.access(files[0], os.W_OK)
        cursor.execute("SHOW transaction_read_only")
        return cursor.fetchone()[0] == "on"
    finally:
        cursor.close()
        if not isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.rollback()  # SHOW began a transaction on the driver's side


@event.listens_for(Pool, "checkout")
def _renew_a_read_only_connection(dbapi_connection, connection_record, connection_proxy):
    since = connection_record.info.get("read_only_since")
    if since is not None and time.monotonic() - since >= READ_ONLY_CONNECTION_SECONDS:
        raise DisconnectionError("opened while the database took no writes")  # the pool connects anew


@event.listens_for(Engine, "handle_error")
def _drop_connections_that_cannot_write(context):
    """A write refused for that reason: counted as a disconnect, the pool drops this connection and
    its siblings, so the next request connects anew and writes once the database can take it."""
    if cannot_write(context.original_exception):
        context.is_disconnect = True


def _in_a_request() -> bool:
    from flask import has_request_context
    return has_request_context()


def _reading_a_page() -> bool:
    from flask import has_request_context, request

    # API reads record the token's last use (api/access.py), so they take the write lock too.
    return has_request_context() and request.method in ("GET", "HEAD", "OPTIONS") \
        and not request.path.startswith("/api/")


def insert_ignoring_duplicates(table, rows: list[dict]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING, on SQLite and PostgreSQL: idempotent bulk writes."""
    from sqlalchemy.dialects import postgresql, sqlite

    from .extensions import db

    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    db.session.execute(module.insert(table).on_conflict_do_nothing(), rows)


def contains(column, text: str):
    """A LIKE '%text%' condition in which the user's % and _ are plain characters."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")
