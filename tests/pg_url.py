"""Prints the PostgreSQL URL for the test suite's second pass, or exits 1 if none is reachable.

Used by `make test`: TEST_DATABASE_URL if set, else the local server on 127.0.0.1:5432.
"""
import os
import sys

from sqlalchemy import create_engine, text

url = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
try:
    with create_engine(url, connect_args={"connect_timeout": 3}).connect() as connection:
        connection.execute(text("SELECT 1"))
except Exception as error:  # any failure means "not reachable"; the reason is printed
    print(f"{url}: {type(error).__name__}: {error}".splitlines()[0], file=sys.stderr)
    sys.exit(1)
print(url)
