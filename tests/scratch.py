"""A database of a test's own, for tests that run the app in other processes (gunicorn, schedulers).

Beside the suite's: a SQLite file in the test's folder, or on PostgreSQL a database named after the
suite's (test -> test_<suffix>), so two suites on one server do not share it; dropped afterwards.
"""
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text


@contextmanager
def scratch_database(suffix: str, folder: Path, *, create: bool = True) -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{folder / f'{suffix}.sqlite3'}"
        return
    suite = make_url(url)
    name = f"{suite.database}_{suffix}"
    admin = create_engine(suite.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    drop()
    if create:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield suite.set(database=name).render_as_string(hide_password=False)
    finally:
        drop()
        admin.dispose()
