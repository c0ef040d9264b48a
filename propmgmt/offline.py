"""The server's side of the devices' offline queue (static/js/field.js), shared by the operator's
field app and the inspector's spot checks: what the queue's script asks for, whose record it is,
and the service worker that keeps a device's pages without signal (templates/offline/sw.js)."""
from flask import make_response, render_template, request
from flask_babel import lazy_gettext as _l

from .errors import Conflict
from .static_files import static_urls

SHELL = ("css/app.css", "js/field.js")  # the static files every offline app needs at once


def wants_json() -> bool:
    """The queue's script asks for JSON (its answer and its refusals); a plain form post does not."""
    return request.accept_mimetypes.best == "application/json"


def idempotency_key() -> str | None:
    return request.headers.get("X-Idempotency-Key") or request.form.get("key")


def refuse_another_users_record(user, queued_by: str | None) -> None:
    """`queued_by`: the user id the device's queue stored with the record. Another user's record is
    refused (a shared tablet must not send one person's work under the next one's session)."""
    if queued_by not in (None, "") and queued_by.strip() != str(user.id):
        raise Conflict(_l("This record was made by another user signed in on this tablet; it was not sent. "
                          "It waits on the tablet for them to sign in again."), code="other_user")


def service_worker(*, cache: str, scope: str, shell: list[str], pages: list[str], fallback: str):
    """The worker for one app's pages: `pages` are the path prefixes it keeps (network first, the last
    good copy without signal), `shell` the pages it fetches at once (with the static files SHELL, at
    their versioned addresses), `fallback` the page shown for one it never kept. Served from inside
    `scope`, public because it is code, not data."""
    response = make_response(render_template("offline/sw.js", cache=cache, shell=[*shell, *static_urls(*SHELL)],
                                             pages=pages, fallback=fallback))
    response.mimetype = "application/javascript"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = scope
    return response
