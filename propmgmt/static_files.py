"""Static files under versioned addresses: url_for("static", ...) adds `v`, a hash of the file's
content, and a request that carries the file's current version is cached for a year (immutable).
So a revisit of a page asks the server for the page only, and a changed file has a new address
(the tablet's first load and revisit are counted in tests/browser/test_field.py)."""
import hashlib
import os
from functools import lru_cache

from flask import Flask, request, url_for

YEAR = 31_536_000


@lru_cache(maxsize=512)
def _digest(path: str, _mtime_ns: int) -> str:  # keyed by the modification time: an edited file, a new hash
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def version_of(app: Flask, filename: str) -> str | None:
    path = os.path.join(app.static_folder, filename)
    try:
        return _digest(path, os.stat(path).st_mtime_ns)
    except OSError:  # no such file: the address stays as it was and the request gets its 404
        return None


def static_urls(*filenames: str) -> list[str]:
    """The versioned addresses of these static files (a service worker's shell)."""
    return [url_for("static", filename=name) for name in filenames]


def register_static_versions(app: Flask) -> None:
    @app.url_defaults
    def add_version(endpoint, values):
        if endpoint == "static" and "v" not in values and (version := version_of(app, values.get("filename", ""))):
            values["v"] = version

    @app.after_request
    def cache_the_current_version(response):
        if (request.endpoint == "static" and response.status_code == 200 and request.args.get("v")
                and request.args["v"] == version_of(app, (request.view_args or {}).get("filename", ""))):
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return response
