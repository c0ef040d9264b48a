"""Pages the browser keeps and asks for again with If-None-Match: the tablet's day, opened all day.

A page's version (a weak ETag: the page also carries a fresh CSRF token, so it is the same page, not
the same bytes) is a hash of what it shows: what the view read for it, with who asks (their session),
in which language, at which address, and the code that renders it (templates, translations, static
files). When the browser's copy has that version the answer is 304, and nothing is rendered.
"""
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Response, current_app, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf


@lru_cache(maxsize=4)
def _code_version(*folders: str) -> str:
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and path.suffix not in (".po", ".pot", ".pyc"):
                digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def code_version() -> str:
    """What renders a page, as one word: it changes with a template, a translation or a static file."""
    app = current_app
    return _code_version(app.template_folder and str(Path(app.root_path, app.template_folder)),
                         str(Path(app.root_path, "translations")), app.static_folder)


def page_version(*shown) -> str:
    """The version of the page the current request would render from `shown` (what the view read)."""
    token_key = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if token_key not in session:
        generate_csrf()  # the session's token, made now: the page is the session's first, and carries it
    who = (current_user.get_id(), current_user.role, current_user.label, session[token_key])
    seen = repr((code_version(), who, str(get_locale()), request.full_path, shown))
    return hashlib.sha256(seen.encode()).hexdigest()[:24]


def unchanged(version: str) -> Response | None:
    """304 when the browser's copy is `version`; None when the page is to be rendered: another
    version, a message waiting to be shown on it, or the debug server (templates reload from disk)."""
    if current_app.debug or session.get("_flashes") or not request.if_none_match.contains_weak(version):
        return None
    return kept(make_response("", 304), version)


def kept(response: Response, version: str) -> Response:
    """The page's answer with its version: the browser keeps it and asks again every time."""
    response.set_etag(version, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
