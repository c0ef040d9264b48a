"""Sign-in, sign-out, language choice and each role's home page."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..clock import utcnow
from ..web import refused, transaction
from .access import public, signed_in
from .forms import LoginForm
from .services import TooManyAttempts, authenticate, end_session, start_session

bp = Blueprint("auth", __name__)
# Where the cookie names its server-side session (auth.models.UserSession); the user loader checks it.
SESSION_KEY = "_auth_session"


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never send a user who just signed in to another host."""
    if not target:
        return None
    if any(char in target for char in "\r\n\t\\") or any(ord(char) < 32 for char in target):
        return None  # a line break would split the Location header; a backslash reads as // in browsers
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/")
@public
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == "operator":
        return redirect(url_for("field.day"))
    if current_user.role in ("admin", "official"):
        return redirect(url_for("oversight.overview"))
    if current_user.role == "firm":
        return redirect(url_for("firm.handovers"))
    if current_user.role == "inspector":
        return redirect(url_for("assessment.checks"))
    return redirect(url_for("compounds.list_compounds"))


@bp.route("/login", methods=["GET", "POST"])
@public
@transaction
def login():
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        now = utcnow()
        try:
            user = authenticate(
                form.username.data.strip(),
                form.password.data,
                request.remote_addr or "unknown",
                now=now,
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                window_minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"],
            )
        except TooManyAttempts as error:
            refused(error, form)
            return render_template("auth/login.html", form=form), 429
        session_id = start_session(user, now=now) if user is not None else None
        if user is None:
            flash(_("Wrong username or password."), "error")
            status = 401
        else:
            next_url = _safe_next(request.args.get("next"))
            lang = session.get("lang")
            session.clear()  # a fresh session on sign-in: no fixation
            if lang:
                session["lang"] = lang
            session[SESSION_KEY] = session_id
            # Tablets stay signed in through a shift (and an offline spell); desk roles until the browser closes.
            session.permanent = user.role == "operator"
            login_user(user)
            return redirect(next_url or url_for("auth.home"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@signed_in
@transaction
def logout():
    end_session(session.get(SESSION_KEY))  # this device only; a copy of its cookie stops working too
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>")
@public
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")) or url_for("auth.home"))
