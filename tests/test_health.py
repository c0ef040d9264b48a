"""GET /healthz, and pages while the database is down or restarting."""
import os
import time

import pytest
from sqlalchemy import create_engine, text

from config import TestingConfig
from propmgmt import create_app
from propmgmt.auth.access import public
from propmgmt.extensions import db


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"]["status"] == "ok"


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    class Broken(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"

    app = create_app(Broken)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"]["status"] == "unreachable"


def _unreachable_app():
    class Broken(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"

    return create_app(Broken)


def test_pages_say_503_while_the_database_is_down():
    """A database restart is a clear, translated 503 page (not a 500), for every kind of request."""
    client = _unreachable_app().test_client()
    page = client.get("/r/some-compound")
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    html = page.get_data(as_text=True)
    assert "数据库暂时无法连接" in html and "请稍后再试" in html
    english = client.get("/r/some-compound", headers={"Accept-Language": "en"})
    api = client.get("/api/v1/compounds", headers={"Authorization": "Bearer some-token"})
    assert api.status_code == 503 and api.json["error"]["code"] == 503
    assert english.status_code == 503


def test_a_signed_in_user_gets_the_503_page_without_a_second_failure():
    """The user loader and the header's unread count read the database: the 503 page must not."""
    from flask_login.utils import _create_identifier

    app = _unreachable_app()
    headers = {"User-Agent": "tablet"}
    with app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        identifier = _create_identifier()
    client = app.test_client()
    with client.session_transaction() as session:  # signed in as user 1, as a browser would be
        session.update({"_user_id": "1", "_fresh": True, "_id": identifier, "_auth_session": "some-session"})
    response = client.get("/compounds", headers=headers)
    assert response.status_code == 503, response.get_data(as_text=True)[:2000]
    assert "数据库暂时无法连接" in response.get_data(as_text=True)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="cuts its own PostgreSQL connection, as a server restart does")
def test_a_connection_cut_after_the_answer_does_not_become_a_500():
    """The session's rollback at teardown fails on a connection PostgreSQL closed (found by make soak)."""
    url = os.environ["TEST_DATABASE_URL"]

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    other = create_engine(url)

    @app.route("/answer-then-lose-the-connection")
    @public
    def answer_then_lose_the_connection():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        with other.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        time.sleep(0.2)
        return "answered"

    try:
        response = app.test_client().get("/answer-then-lose-the-connection")
        assert (response.status_code, response.get_data(as_text=True)) == (200, "answered")
    finally:
        other.dispose()
        with app.app_context():
            db.engine.dispose()


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="holds a PostgreSQL lock from another connection")
def test_a_hung_database_gives_a_503_within_seconds_not_a_minute():
    """A table locked by someone else (a hung migration, a stuck job): the page gives up after the
    request's statement timeout and answers 503; /healthz still answers."""
    url = os.environ["TEST_DATABASE_URL"]

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        REQUEST_STATEMENT_TIMEOUT_MS = 1000

    app = create_app(Config)
    other = create_engine(url)

    @app.route("/read-the-register")
    @public
    def read_the_register():
        return str(db.session.scalar(text("SELECT count(*) FROM compound")))

    try:
        with other.connect() as holder:
            holder.execute(text("LOCK TABLE compound IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            response = app.test_client().get("/read-the-register")
            took = time.monotonic() - started
            holder.rollback()
        assert response.status_code == 503 and took < 5
        assert app.test_client().get("/read-the-register").status_code == 200  # and it recovers
    finally:
        other.dispose()
        with app.app_context():
            db.engine.dispose()
