"""Structured logs: one JSON line per request (with its request id) and per scheduler job run."""
import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, g, request

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


def register_request_log(app: Flask) -> None:
    from .metrics import observe_request

    @app.before_request
    def start_request():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID_RE.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        from flask_login import current_user

        started = g.get("request_started")
        if started is None:  # a response made before our before_request ran
            return response
        seconds = time.perf_counter() - started
        endpoint = request.url_rule.endpoint if request.url_rule else "none"
        user_id = current_user.get_id() if current_user and current_user.is_authenticated else None
        response.headers["X-Request-ID"] = g.request_id
        log.info({"request_id": g.request_id, "method": request.method, "path": request.path,
                  "endpoint": endpoint, "status": response.status_code, "ms": round(seconds * 1000, 1),
                  "user_id": int(user_id) if user_id and user_id.isdigit() else user_id})
        observe_request(endpoint, request.method, response.status_code, seconds)
        return response
