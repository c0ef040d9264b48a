"""The fallback property operations app: create_app assembles it from its domains."""
from pathlib import Path

from flask import Flask, flash, g, has_request_context, jsonify, make_response, render_template, request, session
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from .clock import to_local
from .database import cannot_write
from .errors import DomainError
from .extensions import babel, compress, csrf, db, login_manager, migrate
from .ops.logs import configure_logging, register_request_log
from .static_files import register_static_versions
from .web import redirect_back

ROOT = Path(__file__).resolve().parent.parent

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def create_app(config_class) -> Flask:
    if hasattr(config_class, "validate"):
        config_class.validate()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config_class)
    app.json.ensure_ascii = False  # Chinese stays readable in API responses
    Path(app.instance_path).mkdir(exist_ok=True)
    if app.config.get("PROXY_COUNT"):  # behind a reverse proxy: the client's address and scheme
        from werkzeug.middleware.proxy_fix import ProxyFix
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    configure_logging(app)
    from .request_args import IdConverter
    app.url_map.converters["int"] = IdConverter  # before any route is added
    register_extensions(app)
    register_request_log(app)
    register_blueprints(app)
    register_commands(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_static_versions(app)
    register_input_guard(app)
    from .auth.access import check_every_view_declares_access
    check_every_view_declares_access(app)
    return app


def _select_locale():
    from flask_login import current_user as user
    if not has_request_context():  # CLI and scheduler output
        return "zh"
    lang = session.get("lang")
    if lang:
        return lang
    if user and user.is_authenticated and user.locale:
        return user.locale
    return "zh"


def _remove_session_even_if_the_database_is_gone(exception=None) -> None:
    """Runs before Flask-SQLAlchemy's own teardown (hooks run in reverse order). Its rollback of a
    connection the database cut (a restart) raises after the answer was made, and gunicorn would
    send a 500 instead: here the session is dropped without a rollback, which the server did anyway."""
    try:
        db.session.remove()
    except SQLAlchemyError as error:
        from flask import current_app
        current_app.logger.warning("database connection lost at teardown: %s", str(error).splitlines()[0])
        if db.session.registry.has():
            try:
                db.session.registry().invalidate()
            except SQLAlchemyError:
                pass
            db.session.registry.clear()


def _bound_postgresql_waits(app: Flask) -> None:
    """A server that does not answer costs a few seconds, not a minute: connecting gives up after
    DATABASE_CONNECT_TIMEOUT, waiting for a pooled connection after 5 s (database.py limits a
    request's statements)."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_timeout", 5)
    options["connect_args"] = {"connect_timeout": app.config.get("DATABASE_CONNECT_TIMEOUT", 3),
                               **options.get("connect_args", {})}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (the whole schema, for Alembic)
    from .auth.services import user_for_session
    from .auth.views import SESSION_KEY

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        _bound_postgresql_waits(app)
    db.init_app(app)
    app.teardown_appcontext(_remove_session_even_if_the_database_is_gone)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    compress.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: app.config["PROPMGMT_TZ"],
                   default_translation_directories=str(ROOT / "propmgmt" / "translations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        # Signed cookies can be copied: the session must still exist server-side (see auth.views.logout).
        return user_for_session(user_id, session.get(SESSION_KEY))


def register_blueprints(app: Flask) -> None:
    from .api.views import bp as api
    from .assessment.views import bp as assessment
    from .assignments.views import bp as assignments
    from .audit.views import bp as audit
    from .auth.cli import bp as auth_cli
    from .auth.views import bp as auth
    from .complaints.views import bp as complaints
    from .compounds.views import bp as compounds
    from .crews.views import bp as crews
    from .demo.cli import bp as demo_cli
    from .field.views import bp as field
    from .handovers.firm_views import bp as firm
    from .handovers.views import bp as handovers
    from .health.views import bp as health
    from .ops.cli import bp as ops_cli
    from .ops.views import bp as ops
    from .orgs.views import bp as organisations
    from .oversight.views import bp as oversight
    from .plans.views import bp as plans
    from .reminders.views import bp as reminders
    from .renovation.views import bp as renovation
    from .renovation.voice_views import bp as renovation_voice
    from .residents.renovation_views import bp as residents_renovation
    from .residents.views import bp as residents
    from .scheduler.cli import bp as scheduler_cli
    from .settlement.views import bp as settlement
    from .surveys.views import bp as surveys
    from .surveys.views import public_bp as survey_public
    from .users.views import bp as users

    for blueprint in (auth, compounds, assignments, plans, field, handovers, renovation, renovation_voice,
                      oversight, reminders, complaints, residents, residents_renovation, users, organisations, audit,
                      crews, firm, assessment, settlement, api, health, ops, auth_cli, demo_cli, scheduler_cli,
                      ops_cli, surveys, survey_public):
        app.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    """CLI commands live on their domain's CLI blueprint (registered above); the harnesses' (bench,
    load, soak) in tools/, beside the package, when it is there: a deployment may leave it out."""
    try:
        import tools
    except ModuleNotFoundError as error:
        if error.name != "tools":  # tools is there but broken: say so
            raise
        return
    tools.register_commands(app)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_errorhandlers(app: Flask) -> None:
    from .api.access import api_error  # the one JSON error shape, the API's and the tablet's

    def render(status: int, title: str, message: str):
        if _wants_json():
            return jsonify(error={"code": status, "message": message}), status
        return render_template("errors/error.html", status=status, title=title, message=message), status

    @app.errorhandler(403)
    def forbidden(error):
        return render(403, _("Not allowed"), _("Your role may not open this page."))

    @app.errorhandler(404)
    def not_found(error):
        return render(404, _("Not found"), _("This page does not exist or was removed."))

    @app.errorhandler(405)
    def method_not_allowed(error):
        return render(405, _("Not allowed"), _("This action is not possible here."))

    @app.errorhandler(413)
    def too_large(error):
        return render(413, _("File too large"), _("The upload is larger than the limit of 16 MB."))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if _wants_json():  # the field app keeps the submission and asks to sign in again
            return jsonify(error={"code": "csrf_expired",
                                  "message": _("The form has expired; reload the page and try again.")}), 400
        flash(_("The form has expired; please try again."), "error")
        return redirect_back()

    @app.errorhandler(DomainError)
    def rule_not_met(error):
        """A rule was not met: nothing of the request is kept. The API and the tablet's script get the
        JSON error; a page that cannot be shown says why; a refused form post goes back with the message."""
        db.session.rollback()
        if _wants_json():
            return api_error(error.status_code, error.code, error.message, field=error.field)
        if error.status_code == 404 or request.method in ("GET", "HEAD"):
            title = _("Not found") if error.status_code == 404 else _("Not allowed")
            return render(error.status_code, title, str(error.message))
        flash(str(error.message), "error")
        return redirect_back()

    @app.errorhandler(OperationalError)
    @app.errorhandler(SQLAlchemyTimeoutError)
    def database_unavailable(error):
        """The database is down or restarting (or its pool is exhausted): a clear 503, not a 500.

        Nothing here may touch the database again: the page is rendered for an anonymous user.
        """
        app.logger.warning("database unavailable: %s", str(error).splitlines()[0])
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        g._login_user = login_manager.anonymous_user()
        if cannot_write(getattr(error, "orig", None)):
            message = _("Nothing could be saved: the database takes no changes at the moment "
                        "(read-only or out of space). Please try again later.")
        else:
            message = _("The database cannot be reached at the moment. Please try again in a minute.")
        response = make_response(render(503, _("Temporarily unavailable"), message))
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(DBAPIError)
    def database_refused(error):
        """PostgreSQL reports a read-only server as an InternalError: it is the 503 above, not a bug."""
        if cannot_write(error.orig):
            return database_unavailable(error)
        raise error  # any other database error is a bug: the 500 path, as if no handler were here

    @app.errorhandler(500)
    def server_error(error):
        if isinstance(getattr(error, "original_exception", None), (OperationalError, SQLAlchemyTimeoutError)):
            return database_unavailable(error.original_exception)  # raised where no handler looks (a hook)
        db.session.rollback()
        return render(500, _("Something went wrong"), _("The error was logged. Please try again later."))


def register_template_helpers(app: Flask) -> None:
    @app.template_filter("localtime")
    def localtime(value, fmt="%Y-%m-%d %H:%M"):
        local = to_local(value)
        return local.strftime(fmt) if local else ""

    @app.template_filter("window")
    def window(task, fmt="%H:%M"):
        """A task's window, "07:00–09:00"; with both dates when it spans days (a case's task runs from
        its dispatch to the case's deadline): "11-25 06:13–11-27 06:13"."""
        start, end = to_local(task.window_start), to_local(task.window_end)
        if start.date() != end.date():
            return f"{start:%m-%d %H:%M}–{end:%m-%d %H:%M}"
        return f"{start.strftime(fmt)}–{end:%H:%M}"

    @app.template_filter("translated")
    def translated(labels: dict) -> dict:
        """A dict of lazy labels as plain strings in the request's language: translated once for a page
        that shows them on every row."""
        return {key: str(label) for key, label in labels.items()}

    @app.template_filter("options")
    def options(items, value_attr: str, label_attr: str):
        """Rows as (value, label) pairs for the select_filter macro."""
        return [(getattr(item, value_attr), getattr(item, label_attr)) for item in items]

    from .auth.models import person_label
    app.add_template_global(person_label, "person_label")  # every operator, named one way
    from .plans.outcomes import format_rate
    app.add_template_global(format_rate, "pct")  # every rate on every page, formatted one way

    @app.template_global()
    def can(role_set: str) -> bool:
        """Whether the signed-in user's role is in auth.roles' set of that name: what a page offers
        follows the same sets the views and services enforce."""
        from flask_login import current_user

        from .auth import roles
        return current_user.is_authenticated and current_user.role in getattr(roles, role_set)

    @app.template_global()
    def main_menu():
        """The signed-in user's menu bar on this page (navigation.MENU)."""
        from flask import request
        from flask_login import current_user

        from .navigation import menu_for
        return menu_for(current_user.role, request.blueprint, request.endpoint)

    @app.template_filter("combine")
    def combine(mapping, **extra):
        return {**mapping, **extra}

    @app.context_processor
    def inject_globals():
        from flask_babel import get_locale

        from .auth.labels import ROLE_LABELS
        return {"current_locale": str(get_locale()), "ROLE_LABELS": ROLE_LABELS}


def _has_nul(value) -> bool:
    """Whether a decoded JSON body holds a NUL anywhere (keys and strings, however deep)."""
    stack = [value]
    while stack:  # a loop, not recursion: the body's depth is the sender's choice
        item = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            stack += item
    return False


def register_input_guard(app: Flask) -> None:
    """NUL characters are never meaningful here and PostgreSQL refuses them in text: say so."""

    def refuse(message: str):
        if _wants_json():
            return jsonify(error={"code": 400, "message": message}), 400
        return render_template("errors/error.html", status=400, title=_("Invalid input"), message=message), 400

    @app.before_request
    def refuse_unreadable_input():
        values = [*request.args.values(), *request.form.values(), *request.args.keys(), *request.form.keys()]
        if any("\x00" in value for value in values):
            return refuse(_("The input contains invalid characters."))
        if request.is_json:
            try:
                body = request.get_json(silent=True)  # cached: the view reads the same object
            except RecursionError:  # nested deeper than the JSON decoder goes
                return refuse(_("The input is nested too deeply."))
            if _has_nul(body):
                return refuse(_("The input contains invalid characters."))


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
