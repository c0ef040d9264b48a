"""GET /metrics, for admins signed in or for Prometheus with the configured bearer token."""
import hmac
from functools import wraps

from flask import Blueprint, Response, current_app, request
from flask_login import current_user

from ..extensions import login_manager
from .metrics import CONTENT_TYPE, database_metrics, request_metrics

bp = Blueprint("ops", __name__)


def _refuse(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain",
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'} if status == 401 else {})


def admin_or_metrics_token(view):
    """Admins with a session, or a scraper sending `Authorization: Bearer PROPMGMT_METRICS_TOKEN`."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, given = header.partition(" ")
            expected = current_app.config.get("PROPMGMT_METRICS_TOKEN") or ""
            if scheme.lower() != "bearer" or not given.strip():
                return _refuse(401, "Send the metrics token as 'Authorization: Bearer TOKEN'.")
            if not expected:
                return _refuse(401, "No metrics token is configured (PROPMGMT_METRICS_TOKEN); sign in as an admin.")
            if not hmac.compare_digest(given.strip().encode(), expected.encode()):
                return _refuse(401, "Wrong metrics token.")
            return view(*args, **kwargs)
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role != "admin":
            return _refuse(403, "Only admins (or the metrics token) may read /metrics.")
        return view(*args, **kwargs)

    wrapped.access = frozenset({"admin"})
    return wrapped


@bp.route("/metrics")
@admin_or_metrics_token
def metrics():
    return Response(request_metrics() + database_metrics(), content_type=CONTENT_TYPE)
