"""Who may use each route. Every view declares it; create_app refuses a view that does not."""
from functools import wraps

from flask import abort
from flask_login import current_user

from ..extensions import login_manager
from .models import ROLES

PUBLIC = "public"
ALL_ROLES = frozenset(ROLES)


def roles_required(*roles: str):
    """Signed-in users with one of `roles`; others get 403, anonymous users the login page."""
    unknown = set(roles) - ALL_ROLES
    if unknown or not roles:
        raise ValueError(f"unknown roles: {unknown or 'none given'}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = frozenset(roles)
        return wrapped

    return decorator


def signed_in(view):
    """Any signed-in role."""
    return roles_required(*ROLES)(view)


def public(view):
    """Open to everyone, signed in or not (login page, health check, residents' pages)."""
    view.access = PUBLIC
    return view


def check_every_view_declares_access(app) -> None:
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if not hasattr(view, "access") and not endpoint.endswith("static")
    ]
    if missing:
        raise RuntimeError(f"views without an access rule: {', '.join(sorted(missing))}")
