"""Structured logs: one JSON line per request (with its request id) and per scheduler job run."""
import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, g, request, session

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = logging.getLogger("propmgmt.request")


class JsonFormatter(logging.Formatter):
    """A dict message becomes the line's fields; anything else goes under "message"."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                  "level": record.levelname.lower(), "logger": record.name}
        fields.update(record.msg if isinstance(record.msg, dict) else {"message": record.getMessage()})
        if record.exc_info:
            fields["error"] = self.formatException(record.exc_info)
        return json.dumps(fields, ensure_ascii=False, default=str)


def configure_logging(app: Flask) -> None:
    """Our loggers write JSON lines to stderr (gunicorn, the scheduler, the CLI); tests keep pytest's."""
    logger = logging.getLogger("propmgmt")
    if app.testing or any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _user_id():
    """The signed-in user's id without touching the database: the view's commit has expired the
    user's attributes, and reloading them fails when the database went away meanwhile (a 500 for
    work that was done). From the loaded user's identity, else from the session."""
    from sqlalchemy import inspect

    user = g.get("_login_user")
    state = inspect(user, raiseerr=False) if user is not None else None
    if state is not None and state.identity:
        return state.identity[0]
    if user is None:
        value = session.get("_user_id")
        return int(value) if isinstance(value, str) and value.isdigit() else None
    return None


def register_request_log(app: Flask) -> None:
    from .metrics import observe_request

    @app.before_request
    def start_request():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID_RE.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        if started is None:  # a response made before our before_request ran
            return response
        seconds = time.perf_counter() - started
        endpoint = request.url_rule.endpoint if request.url_rule else "none"
        user_id = _user_id()
        response.headers["X-Request-ID"] = g.request_id
        log.info({"request_id": g.request_id, "method": request.method, "path": request.path,
                  "endpoint": endpoint, "status": response.status_code, "ms": round(seconds * 1000, 1),
                  "user_id": user_id})
        observe_request(endpoint, request.method, response.status_code, seconds)
        return response
