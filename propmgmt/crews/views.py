"""Crews pages: the list, a crew with its members and compounds, and the previews of every move."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ..auth.access import roles_required
from ..auth.models import User
from ..auth.roles import CREW_EDITORS, CREW_READERS
from ..clock import local_today, utcnow
from ..compounds.models import Compound
from ..errors import DomainError
from ..extensions import db
from ..orgs.models import Crew
from ..request_args import as_id, date_arg, int_arg, page_arg, text_arg
from ..web import on_refusal_go_to, refused, transaction
from .forms import CompoundForm, ConfirmForm, CrewForm, HandToForm, MemberForm
from .queries import compound_choices, crews_query, members, operator_choices, served_compounds, summaries
from .services import (
    assign_compound,
    compound_move_preview,
    compound_removal_preview,
    create_crew,
    deactivate_operator,
    future_tasks_of,
    joining_preview,
    move_operator,
    operator_move_preview,
    remove_compound,
    update_crew,
)

bp = Blueprint("crews", __name__, url_prefix="/crews")
PER_PAGE = 25


def _crew(crew_id: int) -> Crew:
    return db.session.get(Crew, crew_id) or abort(404)


def _member(crew: Crew, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.crew_id != crew.id:
        abort(404)
    return user


@bp.route("")
@roles_required(*CREW_READERS)
def index():
    search = text_arg("q")
    page = db.paginate(crews_query(search), page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template("crews/list.html", page=page, search=search,
                           summaries=summaries([crew.id for crew in page.items]))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*CREW_EDITORS)
@transaction
def new():
    form = CrewForm()
    form.leader_id.choices = [SelectChoice(0, "—")]
    if form.validate_on_submit():
        try:
            crew = create_crew(current_user, name=form.name.data, work_phone=form.work_phone.data, now=utcnow())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("Crew %(name)s created. Add its operators and compounds.", name=crew.name), "success")
            return redirect(url_for(".show", crew_id=crew.id))
    return render_template("crews/form.html", form=form, crew=None), 400 if request.method == "POST" else 200


@bp.route("/<int:crew_id>")
@roles_required(*CREW_READERS)
def show(crew_id: int):
    crew = _crew(crew_id)
    member_form, compound_form = MemberForm(formdata=None), CompoundForm(formdata=None, starts_on=local_today())
    member_form.operator_id.choices = [SelectChoice(0, "—")] + [SelectChoice(*c) for c in operator_choices(crew)]
    compound_form.compound_id.choices = [SelectChoice(0, "—")] + [SelectChoice(*c) for c in compound_choices(crew)]
    return render_template("crews/detail.html", crew=crew, members=members(crew), compounds=served_compounds(crew),
                           member_form=member_form, compound_form=compound_form,
                           can_edit=current_user.role in CREW_EDITORS)


@bp.route("/<int:crew_id>/edit", methods=["GET", "POST"])
@roles_required(*CREW_EDITORS)
@transaction
def edit(crew_id: int):
    crew = _crew(crew_id)
    form = CrewForm(obj=crew)
    form.leader_id.choices = [SelectChoice(0, "—")] + [SelectChoice(u.id, u.full_label) for u in members(crew)
                                                        if u.active]
    if form.validate_on_submit():
        try:
            update_crew(current_user, crew, name=form.name.data, work_phone=form.work_phone.data,
                        leader_id=form.leader_id.data or None, now=utcnow())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".show", crew_id=crew.id))
    return render_template("crews/form.html", form=form, crew=crew), 400 if request.method == "POST" else 200


def _preview(crew: Crew, compute, **page):
    """A move's preview page; a move that cannot be made goes back to the crew with the reason."""
    try:
        move = compute()
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for(".show", crew_id=crew.id))
    return render_template("crews/move.html", crew=crew, move=move, confirm=ConfirmForm(), **page)


def _done(crew: Crew, move, message: str):
    flash(message + " " + _("%(n)d future tasks moved.", n=move.tasks), "success")
    return redirect(url_for(".show", crew_id=crew.id))


@bp.route("/<int:crew_id>/members/add")
@roles_required(*CREW_EDITORS)
def member_preview(crew_id: int):
    crew = _crew(crew_id)
    operator = db.session.get(User, int_arg("operator_id") or 0)
    return _preview(crew, lambda: joining_preview(operator, crew, now=utcnow()), title=_("Add %(name)s to %(crew)s",
                    name=operator.full_label if operator else "—", crew=crew.name),
                    action=url_for(".add_member", crew_id=crew.id), hidden={"operator_id": int_arg("operator_id")})


@bp.route("/<int:crew_id>/members", methods=["POST"])
@roles_required(*CREW_EDITORS)
@transaction
def add_member(crew_id: int):
    crew = _crew(crew_id)
    on_refusal_go_to(url_for(".show", crew_id=crew.id))
    ConfirmForm().validate_on_submit() or abort(400)
    operator = db.session.get(User, as_id(request.form.get("operator_id")) or 0)
    move = move_operator(current_user, operator, crew, hand_to_id=None, now=utcnow())
    return _done(crew, move, _("%(name)s joined %(crew)s.", name=operator.label, crew=crew.name))


def _hand_to_form(crew: Crew, leaving: User) -> HandToForm:
    form = HandToForm(request.args)
    form.hand_to_id.choices = [SelectChoice(0, _("The crew (no one named)"))] + [
        SelectChoice(u.id, u.full_label) for u in members(crew) if u.active and u.id != leaving.id]
    return form


@bp.route("/<int:crew_id>/members/<int:user_id>/remove")
@roles_required(*CREW_EDITORS)
def member_removal_preview(crew_id: int, user_id: int):
    crew = _crew(crew_id)
    operator = _member(crew, user_id)
    form = _hand_to_form(crew, operator)
    hand_to = int_arg("hand_to_id")
    return _preview(crew, lambda: operator_move_preview(operator, hand_to_id=hand_to, now=utcnow()),
                    title=_("%(name)s leaves %(crew)s", name=operator.full_label, crew=crew.name),
                    action=url_for(".remove_member", crew_id=crew.id, user_id=operator.id),
                    hidden={"hand_to_id": hand_to or ""}, hand_to_form=form, operator=operator,
                    future=future_tasks_of(operator, utcnow()))


@bp.route("/<int:crew_id>/members/<int:user_id>/remove", methods=["POST"])
@roles_required(*CREW_EDITORS)
@transaction
def remove_member(crew_id: int, user_id: int):
    crew = _crew(crew_id)
    operator = _member(crew, user_id)
    on_refusal_go_to(url_for(".member_removal_preview", crew_id=crew.id, user_id=operator.id))
    ConfirmForm().validate_on_submit() or abort(400)
    move = move_operator(current_user, operator, None, hand_to_id=as_id(request.form.get("hand_to_id")), now=utcnow())
    return _done(crew, move, _("%(name)s left %(crew)s.", name=operator.label, crew=crew.name))


@bp.route("/<int:crew_id>/members/<int:user_id>/deactivate", methods=["POST"])
@roles_required(*CREW_EDITORS)
@transaction
def deactivate_member(crew_id: int, user_id: int):
    """An operator who leaves the firm: only once their future tasks are handed on (the preview's first step)."""
    crew = _crew(crew_id)
    operator = _member(crew, user_id)
    on_refusal_go_to(url_for(".member_removal_preview", crew_id=crew.id, user_id=operator.id))
    ConfirmForm().validate_on_submit() or abort(400)
    deactivate_operator(current_user, operator, now=utcnow())
    flash(_("%(name)s is deactivated and can no longer sign in.", name=operator.full_label), "success")
    return redirect(url_for(".show", crew_id=crew.id))


@bp.route("/<int:crew_id>/compounds/add")
@roles_required(*CREW_EDITORS)
def compound_preview(crew_id: int):
    crew = _crew(crew_id)
    compound = db.session.get(Compound, int_arg("compound_id") or 0)
    starts_on = date_arg("starts_on")

    def compute():
        if compound is None:
            raise DomainError(_("Choose a compound."))
        return compound_move_preview(crew, compound, starts_on=starts_on, now=utcnow())

    return _preview(crew, compute, title=_("%(crew)s serves %(compound)s", crew=crew.name,
                                           compound=compound.name if compound else "—"),
                    action=url_for(".add_compound", crew_id=crew.id),
                    hidden={"compound_id": int_arg("compound_id"), "starts_on": starts_on.isoformat() if starts_on
                            else ""}, starts_on=starts_on)


@bp.route("/<int:crew_id>/compounds", methods=["POST"])
@roles_required(*CREW_EDITORS)
@transaction
def add_compound(crew_id: int):
    from datetime import date
    crew = _crew(crew_id)
    on_refusal_go_to(url_for(".show", crew_id=crew.id))
    ConfirmForm().validate_on_submit() or abort(400)
    compound = db.session.get(Compound, as_id(request.form.get("compound_id")) or 0)
    if compound is None:
        raise DomainError(_("Choose a compound."))
    try:
        starts_on = date.fromisoformat(request.form.get("starts_on", ""))
    except ValueError:
        starts_on = None
    move = assign_compound(current_user, crew, compound, starts_on=starts_on, now=utcnow())
    return _done(crew, move, _("%(crew)s serves %(compound)s.", crew=crew.name, compound=compound.name))


@bp.route("/<int:crew_id>/compounds/<int:compound_id>/remove")
@roles_required(*CREW_EDITORS)
def compound_removal(crew_id: int, compound_id: int):
    crew = _crew(crew_id)
    compound = db.session.get(Compound, compound_id) or abort(404)
    return _preview(crew, lambda: compound_removal_preview(crew, compound, now=utcnow()),
                    title=_("%(crew)s no longer serves %(compound)s", crew=crew.name, compound=compound.name),
                    action=url_for(".remove_compound_post", crew_id=crew.id, compound_id=compound.id), hidden={})


@bp.route("/<int:crew_id>/compounds/<int:compound_id>/remove", methods=["POST"])
@roles_required(*CREW_EDITORS)
@transaction
def remove_compound_post(crew_id: int, compound_id: int):
    crew = _crew(crew_id)
    compound = db.session.get(Compound, compound_id) or abort(404)
    on_refusal_go_to(url_for(".show", crew_id=crew.id))
    ConfirmForm().validate_on_submit() or abort(400)
    move = remove_compound(current_user, crew, compound, now=utcnow())
    return _done(crew, move, _("%(crew)s no longer serves %(compound)s.", crew=crew.name, compound=compound.name))
