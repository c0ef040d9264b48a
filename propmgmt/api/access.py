"""Bearer-token authentication for the JSON API; a token acts with its user's role."""
from functools import wraps

from flask import g, jsonify, request

from ..auth.models import ROLES
from ..auth.services import user_for_token
from ..clock import utcnow
from ..web import transaction


def api_error(status: int, code: str, message, **extra):
    body = {"code": code, "message": str(message)} | extra
    return jsonify(error=body), status


def api_roles(*roles: str):
    """Requires `Authorization: Bearer TOKEN` of a user with one of `roles`: 401 or 403 otherwise.

    The view runs as one transaction (web.transaction), which also keeps the token's last_used_at:
    a read commits it alone, a write with its work (a refused call records nothing).
    """
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles: {unknown or 'none given'}")

    def decorator(view):
        view_in_transaction = transaction(view)

        @wraps(view_in_transaction)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            user = user_for_token(token.strip(), now=utcnow()) if scheme.lower() == "bearer" and token else None
            if user is None:
                return api_error(401, "unauthorized", "A valid API token is required (Authorization: Bearer TOKEN).")
            if user.role not in roles:
                return api_error(403, "forbidden", f"The role {user.role} may not use this endpoint.")
            g.api_user = user
            return view_in_transaction(*args, **kwargs)

        wrapped.access = frozenset(roles)
        wrapped.api = True
        return wrapped

    return decorator
