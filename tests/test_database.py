"""SQLite's write lock: writers take it when their transaction begins (so they queue instead of
failing half-way), page reads never take it (so gunicorn's workers serve pages side by side)."""
import sqlite3

import pytest
from sqlalchemy import create_engine, text


@pytest.mark.parametrize("method, path, locks", [
    ("GET", "/field", False),
    ("HEAD", "/oversight", False),
    ("POST", "/field/tasks/1/complete", True),
    ("GET", "/api/v1/tasks", True),  # API reads record the token's last use
    (None, None, True),  # outside a request: the scheduler, the CLI
])
def test_only_writers_take_the_sqlite_write_lock(app, tmp_path, method, path, locks):
    path_ = tmp_path / "locks.sqlite3"
    engine = create_engine(f"sqlite:///{path_}")
    other = sqlite3.connect(path_, timeout=0.05, isolation_level=None)  # a second process, in effect
    try:
        context = app.test_request_context(path, method=method) if method else app.app_context()
        with context, engine.connect() as connection:
            connection.execute(text("SELECT 1"))  # the transaction begins here
            if locks:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            else:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()
