"""The phone a resident's anonymous post comes from: one random cookie for the whole public side (the
consultations' opinions, the survey answers), kept two years, so one device counts once; only its hash
is stored."""
import hashlib
import secrets

from flask import current_app, request

COOKIE = "pm_device"
COOKIE_DAYS = 730


def device_key(device: str | None) -> str | None:
    """A hash of the device's cookie: enough to know the device again, nothing to read from it."""
    device = (device or "").strip()
    if not 16 <= len(device) <= 64:
        return None
    return hashlib.sha256(f"device:{device}".encode()).hexdigest()


def this_device() -> str | None:
    """The cookie of the device making this request, if it has one."""
    return request.cookies.get(COOKIE)


def with_device(response):
    """Gives a device without one its cookie (random, no meaning)."""
    if not this_device():
        response.set_cookie(COOKIE, secrets.token_urlsafe(24), max_age=COOKIE_DAYS * 86400, httponly=True,
                            samesite="Lax", secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response
