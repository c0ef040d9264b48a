"""The notification centre: every user's inbox and settings; parked notifications for admins."""
from flask import Blueprint, current_app, flash, has_request_context, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ..auth.access import roles_required, signed_in
from ..auth.roles import HANDOVER_PARTIES, OUTBOX_KEEPERS, ROBOT_KEEPERS
from ..clock import utcnow
from ..compounds.models import Subdistrict
from ..errors import DomainError
from ..extensions import db
from ..orgs.models import Crew
from ..outbox.services import webhook_configured
from ..request_args import as_id, page_arg
from ..web import on_refusal_go_to, refused, transaction
from .forms import ActionForm, PreferencesForm, RobotForm
from .labels import CHANNEL_LABELS, SUBJECT_LABELS
from .messages import render
from .queries import header_badge, inbox, unread_count
from .queries import parked as parked_query
from .robots import delete_robot, robot_list, save_robot
from .services import mark_all_read, mark_read, requeue_notification, update_preferences

bp = Blueprint("reminders", __name__, url_prefix="/notifications")
PER_PAGE = 20


@bp.app_context_processor
def unread_badge():
    """The header's unread count: one bounded COUNT, and only for a signed-in user."""
    if has_request_context() and current_user.is_authenticated:
        return header_badge(current_user)
    return {"unread_notifications": 0, "unread_badge": 0}


def _subject_url(notification) -> str | None:
    """Where a notification leads, when its subject has a page this user may open."""
    if notification.subject_type == "assignment" and current_user.role in ("admin", "official", "dispatcher"):
        return url_for("assignments.show", assignment_id=notification.subject_id)
    if notification.subject_type == "report" and current_user.role in ("admin", "official", "dispatcher"):
        return url_for("oversight.report", month=(notification.payload or {}).get("month"))
    if notification.subject_type == "task" and current_user.role == "operator":
        return url_for("field.task", task_id=notification.subject_id)
    if notification.subject_type == "task" and current_user.role in ("admin", "dispatcher"):
        return url_for("field.verify_queue")
    if notification.subject_type in ("handover", "inspection_item") and current_user.role in HANDOVER_PARTIES:
        payload = notification.payload or {}
        if current_user.role == "firm" and payload.get("firm_id") != current_user.organisation_id:
            return None  # a firm opens only the handovers it takes part in
        handover_id = notification.subject_id if notification.subject_type == "handover" else payload.get("handover_id")
        return url_for("handovers.show", handover_id=handover_id) if handover_id else None
    return None


@bp.route("")
@signed_in
def centre():
    page = db.paginate(inbox(current_user.id), page=page_arg(),
                       per_page=PER_PAGE, error_out=False)
    items = [(n, *render(n), _subject_url(n)) for n in page.items]
    return render_template("reminders/centre.html", page=page, items=items, unread=unread_count(current_user.id))


def _back_to_centre():
    page = as_id(request.form.get("page"))
    return redirect(url_for(".centre", page=page) if page and page != 1 else url_for(".centre"))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@signed_in
@transaction
def read(notification_id: int):
    if ActionForm().validate_on_submit():
        mark_read(current_user, notification_id, now=utcnow())
    return _back_to_centre()


@bp.route("/read-all", methods=["POST"])
@signed_in
@transaction
def read_all():
    if ActionForm().validate_on_submit():
        count = mark_all_read(current_user, now=utcnow())
        flash(_("%(n)d notifications marked as read.", n=count), "success")
    return _back_to_centre()


@bp.route("/settings", methods=["GET", "POST"])
@signed_in
@transaction
def settings():
    form = PreferencesForm(obj=current_user)
    if form.validate_on_submit():
        try:
            update_preferences(current_user, email=form.email.data or "", notify_email=form.notify_email.data,
                               notify_webhook=form.notify_webhook.data, quiet_start=form.quiet_start.data,
                               quiet_end=form.quiet_end.data)
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("Your notification settings were saved."), "success")
            return redirect(url_for(".settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("reminders/settings.html", form=form, webhook=webhook_configured()), status


@bp.route("/parked")
@roles_required(*OUTBOX_KEEPERS)
def parked():
    page = db.paginate(parked_query(), page=page_arg(),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    items = [(n, render(n)[0]) for n in page.items]
    return render_template("reminders/parked.html", page=page, items=items,
                           CHANNEL_LABELS=CHANNEL_LABELS, SUBJECT_LABELS=SUBJECT_LABELS)


@bp.route("/<int:notification_id>/requeue", methods=["POST"])
@roles_required(*OUTBOX_KEEPERS)
@transaction
def requeue(notification_id: int):
    on_refusal_go_to(url_for(".parked"))
    if ActionForm().validate_on_submit():
        requeue_notification(current_user, notification_id, now=utcnow())  # an unknown one: 404
        flash(_("The notification will be sent again shortly."), "success")
    return redirect(url_for(".parked"))


@bp.route("/robots", methods=["GET", "POST"])
@roles_required(*ROBOT_KEEPERS)
@transaction
def robots():
    """The group robots: per crew, per subdistrict office, a default. Addresses and secrets are write-only."""
    form = RobotForm()
    form.crew_id.choices = [SelectChoice("", "—")] + [SelectChoice(c.id, c.name) for c in db.session.scalars(
        select(Crew).order_by(Crew.name))]
    form.subdistrict_id.choices = [SelectChoice("", "—")] + [SelectChoice(s.id, s.name) for s in db.session.scalars(
        select(Subdistrict).order_by(Subdistrict.name))]
    if form.validate_on_submit():
        try:
            save_robot(current_user, scope=form.scope.data, crew_id=form.crew_id.data,
                       subdistrict_id=form.subdistrict_id.data, platform=form.platform.data, url=form.url.data,
                       secret=form.secret.data or "", keyword=form.keyword.data or "", now=utcnow())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("The robot was saved. Its address and secret are not shown again."), "success")
            return redirect(url_for(".robots"))
    status = 400 if request.method == "POST" else 200
    return render_template("reminders/robots.html", form=form, robots=robot_list(), delete_form=ActionForm()), status


@bp.route("/robots/<int:item_id>/delete", methods=["POST"])
@roles_required(*ROBOT_KEEPERS)
@transaction
def robot_delete(item_id: int):
    on_refusal_go_to(url_for(".robots"))
    if ActionForm().validate_on_submit():
        delete_robot(current_user, item_id, now=utcnow())
        flash(_("The robot was removed."), "success")
    return redirect(url_for(".robots"))
