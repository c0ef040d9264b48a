"""The user pages (administrators), the admin landing page and everyone's own profile."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import func, select

from ..auth.access import roles_required, signed_in
from ..auth.labels import ROLE_LABELS
from ..auth.models import ROLES, ApiToken, User, UserSession
from ..auth.roles import USER_ADMINS
from ..auth.services import start_session
from ..auth.views import SESSION_KEY
from ..clock import utcnow
from ..errors import DomainError
from ..extensions import db
from ..request_args import choice_arg, int_arg, page_arg, text_arg
from ..web import on_refusal_go_to, refused, transaction
from .forms import AccountForm, ActionForm, DeactivateForm, NewAccountForm, OwnPasswordForm
from .privacy import visible_phone
from .queries import UserFilter, organisation_choices, user_list
from .services import (
    change_own_password,
    create_account,
    deactivate_account,
    end_sessions,
    open_future_tasks,
    reactivate_account,
    reset_password,
    revoke_api_tokens,
    update_account,
)

bp = Blueprint("users", __name__)
# Pages a user who must choose a new password may still open.
OPEN_BEFORE_NEW_PASSWORD = {"users.change_password", "auth.logout", "auth.set_language", "static", "auth.login"}


@bp.app_template_global()
def shown_phone(user) -> str:
    """A colleague's mobile number as the signed-in viewer may see it (users.privacy)."""
    return visible_phone(user.phone, current_user, user.id)


@bp.before_app_request
def choose_own_password_first():
    """After a one-time password, the user's first page is choosing their own."""
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in OPEN_BEFORE_NEW_PASSWORD and not request.path.startswith("/api/")
            and (request.endpoint or "").split(".")[0] not in ("health",)):
        return redirect(url_for("users.change_password"))
    return None


def _get(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _one_time_page(user: User, password: str, title: str):
    response = current_app.make_response(
        render_template("users/one_time.html", user=user, password=password, title=title))
    response.headers["Cache-Control"] = "no-store"  # shown once: never from a cache
    return response


@bp.route("/admin")
@roles_required(*USER_ADMINS)
def admin_home():
    counts = {"users": db.session.scalar(select(func.count(User.id)).where(User.active))}
    return render_template("users/admin.html", counts=counts)


@bp.route("/users")
@roles_required(*USER_ADMINS)
def list_users():
    f = UserFilter(q=text_arg("q"), role=choice_arg("role", ROLES), organisation_id=int_arg("organisation"),
                   active=choice_arg("active", ("yes", "no")))
    page = db.paginate(user_list(f), page=page_arg(), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("users/list.html", page=page, f=f, organisations=organisation_choices(),
                           roles=[(r, ROLE_LABELS[r]) for r in ROLES])


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*USER_ADMINS)
@transaction
def new_user():
    form = NewAccountForm()
    form.set_organisations(organisation_choices())
    if form.validate_on_submit():
        try:
            user, password = create_account(current_user, now=utcnow(), username=form.username.data,
                                            **form.fields())
        except DomainError as error:
            refused(error, form)
        else:
            return _one_time_page(user, password, _("User created"))
    status = 400 if request.method == "POST" else 200
    return render_template("users/form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(*USER_ADMINS)
@transaction
def edit_user(user_id: int):
    user = _get(user_id)
    form = AccountForm(obj=user)
    form.set_organisations(organisation_choices())
    if request.method == "GET":
        form.organisation_id.data = user.organisation_id
    if form.validate_on_submit():
        try:
            changes = update_account(current_user, user, now=utcnow(), **form.fields())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("Saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for(".edit_user", user_id=user.id))
    now = utcnow()
    facts = {
        "sessions": db.session.scalar(select(func.count(UserSession.id_hash)).where(UserSession.user_id == user.id)),
        "tokens": db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.user_id == user.id,
                                                                          ApiToken.revoked_at.is_(None))),
        "open_tasks": open_future_tasks(user, now) if user.role == "operator" else 0,
    }
    status = 400 if request.method == "POST" else 200
    return render_template("users/form.html", form=form, user=user, facts=facts,
                           deactivate_form=DeactivateForm(), action_form=ActionForm()), status


def _action(user_id: int, form_class=ActionForm):
    """The user, after the form's CSRF check; a refusal goes back to their page."""
    user = _get(user_id)
    on_refusal_go_to(url_for(".edit_user", user_id=user.id))
    form = form_class()
    if not form.validate_on_submit():
        flash(_("The form has expired; please try again."), "error")
        return user, None
    return user, form


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@roles_required(*USER_ADMINS)
@transaction
def deactivate(user_id: int):
    user, form = _action(user_id, DeactivateForm)
    if form:
        ended = deactivate_account(current_user, user, now=utcnow(), reason=form.reason.data or "")
        flash(_("%(name)s is deactivated; %(n)d sessions ended.", name=user.label, n=ended), "success")
    return redirect(url_for(".edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@roles_required(*USER_ADMINS)
@transaction
def reactivate(user_id: int):
    user, form = _action(user_id)
    if form:
        reactivate_account(current_user, user, now=utcnow())
        flash(_("%(name)s may sign in again.", name=user.label), "success")
    return redirect(url_for(".edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@roles_required(*USER_ADMINS)
@transaction
def reset(user_id: int):
    user, form = _action(user_id)
    if form:
        password = reset_password(current_user, user, now=utcnow())
        return _one_time_page(user, password, _("Password reset"))
    return redirect(url_for(".edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/end-sessions", methods=["POST"])
@roles_required(*USER_ADMINS)
@transaction
def sign_out_everywhere(user_id: int):
    user, form = _action(user_id)
    if form:
        ended = end_sessions(current_user, user, now=utcnow())
        flash(_("%(n)d sessions of %(name)s ended.", n=ended, name=user.label), "success")
    return redirect(url_for(".edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/revoke-tokens", methods=["POST"])
@roles_required(*USER_ADMINS)
@transaction
def revoke(user_id: int):
    user, form = _action(user_id)
    if form:
        revoked = revoke_api_tokens(current_user, user, now=utcnow())
        flash(_("%(n)d API tokens of %(name)s revoked.", n=revoked, name=user.label), "success")
    return redirect(url_for(".edit_user", user_id=user.id))


@bp.route("/profile")
@signed_in
def profile():
    return render_template("users/profile.html", user=current_user)


@bp.route("/profile/password", methods=["GET", "POST"])
@signed_in
@transaction
def change_password():
    form = OwnPasswordForm()
    if form.validate_on_submit():
        now = utcnow()
        try:
            change_own_password(current_user, form.current.data, form.new.data, now=now)
        except DomainError as error:
            refused(error, form)
        else:
            # Every session ended with the old password; this browser goes on in a new one.
            session[SESSION_KEY] = start_session(current_user, now=now)
            login_user(current_user._get_current_object())
            flash(_("Your password was changed. Other devices and your API tokens are signed out."), "success")
            return redirect(url_for(".profile"))
    status = 400 if request.method == "POST" else 200
    return render_template("users/password.html", form=form), status
