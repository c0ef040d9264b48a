"""The request log line must not read the database: when it goes away after a view committed (a
restart), the answer is the view's, not a 500 for work that was done (found by the soak)."""
import logging

from flask_login import current_user
from flask_migrate import upgrade

from config import TestingConfig
from propmgmt import create_app
from propmgmt.auth.access import public
from propmgmt.extensions import db

from ..factories import UserFactory


def test_the_database_going_away_after_the_commit_does_not_turn_the_answer_into_a_500(tmp_path):
    path = tmp_path / "app.sqlite3"

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
        WTF_CSRF_ENABLED = False

    app = create_app(Config)

    @app.route("/commit-then-lose-the-database", methods=["POST"])
    @public
    def commit_then_lose_the_database():
        assert current_user.username == "zhao"  # loaded, as every signed-in view does
        db.session.commit()  # expires the user's attributes
        db.engine.dispose()
        path.rename(tmp_path / "moved.sqlite3")  # the next connection finds no tables
        return "done"

    with app.app_context():
        upgrade()
        user = UserFactory(username="zhao", role="operator")
        db.session.commit()
        user_id = user.id
        db.session.remove()
    lines = []
    logger = logging.getLogger("propmgmt.request")
    logger.disabled = False  # Alembic's fileConfig disables existing loggers (and drops pytest's handler)
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.msg)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    client = app.test_client()
    assert client.post("/login", data={"username": "zhao", "password": "password123"}).status_code == 302
    try:
        response = client.post("/commit-then-lose-the-database")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    assert (response.status_code, response.get_data(as_text=True)) == (200, "done")
    [line] = [msg for msg in lines if isinstance(msg, dict) and msg["path"].startswith("/commit")]
    assert line["user_id"] == user_id and line["status"] == 200
    with app.app_context():
        db.engine.dispose()
