"""The registry of organisations (officials, administrators): list, a firm's page, register, edit, suspend."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..assignments.queries import compounds_served_by
from ..auth.access import roles_required
from ..auth.roles import ORGANISATION_KEEPERS
from ..clock import utcnow
from ..errors import DomainError
from ..extensions import db
from ..handovers.queries import firm_handovers
from ..request_args import choice_arg, page_arg, text_arg
from ..web import on_refusal_go_to, refused, transaction
from .forms import ActionForm, OrganisationForm, SuspendForm
from .labels import KIND_LABELS
from .labels import STATUS_LABELS as ORG_STATUS_LABELS
from .models import ORG_KINDS, Organisation
from .queries import SHOWN_ROWS, OrganisationFilter, active_user_counts, organisation_list, organisation_users
from .services import register_firm, reinstate_organisation, suspend_organisation, update_organisation

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


@bp.app_context_processor
def organisation_labels():
    return {"ORG_KIND_LABELS": KIND_LABELS, "ORG_STATUS_LABELS": ORG_STATUS_LABELS}


def _get(organisation_id: int) -> Organisation:
    return db.session.get(Organisation, organisation_id) or abort(404)


@bp.route("")
@roles_required(*ORGANISATION_KEEPERS)
def list_organisations():
    f = OrganisationFilter(q=text_arg("q"), kind=choice_arg("kind", ORG_KINDS),
                           active=choice_arg("active", ("yes", "no")))
    page = db.paginate(organisation_list(f), page=page_arg(), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    return render_template("orgs/list.html", page=page, f=f,
                           users=active_user_counts(org.id for org in page.items))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*ORGANISATION_KEEPERS)
@transaction
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            org = register_firm(current_user, now=utcnow(), **form.fields())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("%(name)s is registered.", name=org.name), "success")
            return redirect(url_for(".show", organisation_id=org.id))
    status = 400 if request.method == "POST" else 200
    return render_template("orgs/form.html", form=form, org=None), status


@bp.route("/<int:organisation_id>")
@roles_required(*ORGANISATION_KEEPERS)
def show(organisation_id: int):
    org = _get(organisation_id)
    compound_count, compounds = compounds_served_by(org, SHOWN_ROWS)
    handover_count, handovers = firm_handovers(org.id, SHOWN_ROWS)
    return render_template("orgs/detail.html", org=org, shown_rows=SHOWN_ROWS, suspend_form=SuspendForm(),
                           action_form=ActionForm(), compound_count=compound_count, compounds=compounds,
                           handover_count=handover_count, handovers=handovers,
                           users=organisation_users(org.id, SHOWN_ROWS))


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
@roles_required(*ORGANISATION_KEEPERS)
@transaction
def edit(organisation_id: int):
    org = _get(organisation_id)
    form = OrganisationForm(obj=org)
    if form.validate_on_submit():
        try:
            changes = update_organisation(current_user, org, now=utcnow(), **form.fields())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("Saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for(".show", organisation_id=org.id))
    status = 400 if request.method == "POST" else 200
    return render_template("orgs/form.html", form=form, org=org), status


@bp.route("/<int:organisation_id>/suspend", methods=["POST"])
@roles_required(*ORGANISATION_KEEPERS)
@transaction
def suspend(organisation_id: int):
    org = _get(organisation_id)
    on_refusal_go_to(url_for(".show", organisation_id=org.id))
    form = SuspendForm()
    if form.validate_on_submit():
        suspend_organisation(current_user, org, now=utcnow(), reason=form.reason.data)
        flash(_("%(name)s is suspended.", name=org.name), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for(".show", organisation_id=org.id))


@bp.route("/<int:organisation_id>/reinstate", methods=["POST"])
@roles_required(*ORGANISATION_KEEPERS)
@transaction
def reinstate(organisation_id: int):
    org = _get(organisation_id)
    on_refusal_go_to(url_for(".show", organisation_id=org.id))
    if ActionForm().validate_on_submit():
        reinstate_organisation(current_user, org, now=utcnow())
        flash(_("%(name)s is active again.", name=org.name), "success")
    return redirect(url_for(".show", organisation_id=org.id))
