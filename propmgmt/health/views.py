"""GET /healthz: is the app up and can it reach its database."""
from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..auth.access import public
from ..extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = {"status": "ok", "dialect": db.engine.dialect.name}
    except SQLAlchemyError as error:
        db.session.rollback()
        return jsonify(status="error", database={"status": "unreachable", "error": type(error).__name__}), 503
    return jsonify(status="ok", database=database)
