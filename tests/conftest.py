"""Fixtures: one migrated database per run, one rolled-back transaction per test.

The database is SQLite (a temporary file) unless TEST_DATABASE_URL points elsewhere;
`make test` runs the suite twice, the second time on PostgreSQL.
"""
import os
import re
from datetime import datetime, timezone

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.orm import Session

from config import TestingConfig
from propmgmt import create_app
from propmgmt.extensions import db as _db

from .factories import UserFactory

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _empty_postgres(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


class JoinedSession(Session):
    """A plain SQLAlchemy session: unlike Flask-SQLAlchemy's, it uses the bind it is given."""

    def __init__(self, db=None, **options):
        super().__init__(**options)


class CsrfClient(FlaskClient):
    """A test client that posts forms the way a browser does: with the page's CSRF token.

    Tests run inside the `db` fixture's app context, which Flask reuses for every request;
    `g` is emptied before each request so nothing (signed-in user, CSRF token) leaks
    from one request into the next, as it cannot in production.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for key in list(g):
                g.pop(key)
        return super().open(*args, **kwargs)

    def csrf_token(self, page: str = "/login") -> str:
        html = self.get(page).get_data(as_text=True)
        match = CSRF_RE.search(html)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def post_form(self, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(page or url))
        return self.post(url, data=data, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = _database_url(tmp_path_factory)
        UPLOAD_DIR = str(tmp_path_factory.mktemp("uploads"))

    app = create_app(Config)
    app.test_client_class = CsrfClient
    with app.app_context():
        if _db.engine.dialect.name == "postgresql":
            _empty_postgres(_db.engine)
        upgrade()
        _db.session.remove()
    return app


@pytest.fixture
def db(app):
    """The extension's session bound to one outer transaction that is rolled back after the test.

    Views and services commit as they do in production; those commits only release savepoints.
    """
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        _db.session = _db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": JoinedSession}
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def now():
    return datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def login_as(client, db):
    """Signs the test client in as a new user of `role` (through the real sign-in form)."""

    def login(role: str, **fields):
        user = UserFactory(role=role, **fields)
        response = client.post_form("/login", {"username": user.username, "password": "password123"})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login
