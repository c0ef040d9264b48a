"""A request's transaction, the way back from a refusal (DomainError) on a page, and sending a stored photo."""
from functools import wraps
from pathlib import Path

from flask import current_app, flash, g, make_response, redirect, request, send_from_directory, url_for

from .errors import DomainError
from .extensions import db


def transaction(view):
    """The view's writes are one transaction: committed when it returns, rolled back when it raises
    (the app's error handlers then answer). CLI commands and scheduler jobs commit on their own."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            response = view(*args, **kwargs)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return response

    wrapped.in_transaction = True  # copied onto the outer decorators' wrappers (functools.wraps)
    return wrapped


def on_refusal_go_to(url: str, code: int = 302) -> None:
    """Where a refused form post goes back to when the browser sent no referrer from this site."""
    g.refusal_goes_to = url, code


def redirect_back():
    """To the page the request came from when it is on this site, else where the view said, else home."""
    url, code = g.get("refusal_goes_to", (None, 302))
    if request.referrer and request.referrer.startswith(request.host_url):
        url = request.referrer
    return redirect(url or url_for("auth.home"), code=code)


def refused(error: DomainError, form=None, *, fields: dict[str, str] | None = None) -> None:
    """For a view that shows its page again with the refusal: what the refused work wrote is undone.

    With a form, the message goes next to the field the error names (`fields` maps an error's field
    to the form's), else it is flashed; without one, the view shows the error itself.
    """
    db.session.rollback()
    if form is None:
        return
    name = (fields or {}).get(error.field, error.field)
    if name and name in form:
        form[name].errors = [*form[name].errors, str(error.message)]
    else:
        flash(str(error.message), "error")


def send_photo(full: str, thumb: str, *, public: bool = False, thumbs_only: bool = False):
    """A stored photo from the upload folder (its thumbnail for ?size=thumb, or always), cached by the
    browser for a day: privately unless the photo is on a public page."""
    path = thumb if thumbs_only or request.args.get("size") == "thumb" else full
    response = make_response(send_from_directory(Path(current_app.config["UPLOAD_DIR"]), path))
    response.headers["Cache-Control"] = f"{'public' if public else 'private'}, max-age=86400"
    return response

