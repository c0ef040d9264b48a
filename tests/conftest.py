"""Fixtures: one migrated database per run, one rolled-back transaction per test.

The database is SQLite (a temporary file) unless TEST_DATABASE_URL points elsewhere;
`make test` runs the suite twice, the second time on PostgreSQL.
"""
import io
import os
import re
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from flask import current_app, g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from PIL import Image
from sqlalchemy import select, text
from sqlalchemy.orm import Session, scoped_session

from config import TestingConfig
from propmgmt import clock, create_app
from propmgmt.assignments.services import Proposal, approve_assignment, propose_assignment
from propmgmt.clock import local_today
from propmgmt.extensions import db as _db
from propmgmt.plans.generation import generate_tasks
from propmgmt.plans.models import Task

from .factories import (
    CompoundFactory,
    CrewFactory,
    FallbackOperatorFactory,
    ServiceStandardFactory,
    ServiceTypeFactory,
    UserFactory,
)

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


def _test_scoped_session(app, connection, original):
    """A scoped session that joins the test's transaction for this thread and this app only.

    `db.session` is one attribute of the one extension object, shared by every app and thread in
    the process. The browser tests' live server (another app, another thread) is still answering a
    request of the last page when the next test begins; given the test's session it used the test's
    connection from its own thread, and the interleaved SAVEPOINTs ("no such savepoint", "nested
    transaction already deassociated") failed whichever test ran then. Anything but the test itself
    gets an ordinary session of its own app, as it would in production.
    """
    test_thread = threading.get_ident()

    def make_session():
        if threading.get_ident() == test_thread and current_app._get_current_object() is app:
            return JoinedSession(bind=connection, join_transaction_mode="create_savepoint")
        return original.session_factory()

    return scoped_session(make_session, scopefunc=original.registry.scopefunc)


@pytest.fixture
def db(app):
    """The extension's session bound to one outer transaction that is rolled back after the test.

    Views and services commit as they do in production; those commits release the test's
    savepoint and the next transaction opens a new one (SQLAlchemy's "joining a session into an
    external transaction" recipe).
    """
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        _db.session = _test_scoped_session(app, connection, original)
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


@pytest.fixture
def setting(db):
    """Everything a proposal needs: returns a namespace with official, dispatcher, types, crew."""
    operator = FallbackOperatorFactory()
    cleaning = ServiceStandardFactory(service_type=ServiceTypeFactory(code="cleaning", name_zh="保洁")).service_type
    sorting = ServiceStandardFactory(
        service_type=ServiceTypeFactory(code="garbage_sorting", name_zh="垃圾分类督导", name_en="Garbage sorting"),
        default_windows=[{"start": "07:00", "end": "08:30"}, {"start": "18:00", "end": "19:30"}],
    ).service_type

    class Setting:
        pass

    s = Setting()
    s.operator = operator
    s.types = [cleaning, sorting]
    s.crew = CrewFactory(organisation=operator)
    s.official = UserFactory(role="official", display_name="王科长")
    s.dispatcher = UserFactory(role="dispatcher", organisation=operator)
    s.operator_user = UserFactory(role="operator", organisation=operator)

    def proposal(**overrides) -> Proposal:
        values = dict(decision_no="城住建物管〔2026〕7号", reason="无物业", service_type_ids=[t.id for t in s.types],
                      leader_id=s.official.id, start_date=date(2026, 12, 1), review_date=date(2027, 6, 1),
                      crew_id=s.crew.id)
        return Proposal(**(values | overrides))

    s.proposal = proposal
    return s


def jpeg(width=800, height=600, color=(90, 140, 200), exif_gps=False) -> bytes:
    image = Image.new("RGB", (width, height), color)
    buffer = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (37.0, 51.0, 0.0), 3: "E", 4: (113.0, 34.0, 0.0)}  # GPS IFD
        exif[0x010F] = "TestCam"
        image.save(buffer, "JPEG", exif=exif)
    else:
        image.save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def frozen_clock(now, monkeypatch):
    """The app's clock (clock.utcnow) stands at `now` for the test: pages and services agree with it."""
    monkeypatch.setattr(clock, "_frozen", now)
    return now


@pytest.fixture
def field_day(db, setting, frozen_clock):
    """A compound in fallback (育英小区) whose tasks of today all have their window open at `now`,
    and an operator of its crew (赵师傅)."""
    now = frozen_clock
    today = local_today(now)
    compound = CompoundFactory(name="育英小区")
    approve_assignment(setting.official, propose_assignment(setting.official, compound, setting.proposal(
        start_date=today, review_date=None), now=now), now=now, generate=False)
    operator = UserFactory(role="operator", crew=setting.crew, display_name="赵师傅")
    # The tasks as the scheduler made them a day ago (the tablet may have downloaded them since), with
    # every window moved around now below.
    generate_tasks(today + timedelta(days=1), now=now - timedelta(days=1))
    tasks = db.session.scalars(select(Task).where(Task.compound_id == compound.id).order_by(Task.window_start)).all()
    for task in tasks:  # move every window around now, so none is over
        task.window_start, task.window_end = now - timedelta(minutes=30), now + timedelta(hours=2)
        now += timedelta(seconds=1)
    db.session.commit()
    return {"compound": compound, "operator": operator, "tasks": tasks}


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(db):
    """`with count_queries() as counted: ...` then counted.count: the SQL statements the block ran
    (SAVEPOINTs and their releases, which only the tests' rollback makes, are left out)."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        counter = QueryCounter()

        def before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                counter.statements.append(statement)

        engine = _db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting
