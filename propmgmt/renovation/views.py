"""Renovation pages: the pipeline for officials, a project's page and forms, the ledger, the content list."""
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ..audit.queries import entity_timeline
from ..auth.access import roles_required
from ..auth.models import User
from ..auth.roles import (
    CONSULTATION_EDITORS,
    OPINION_READERS,
    RENOVATION_EDITORS,
    RENOVATION_READERS,
    RESPONSIBLE_LEADERS,
)
from ..clock import local_today, utcnow
from ..compounds.models import Community, Compound
from ..compounds.queries import area_choices
from ..errors import DomainError
from ..extensions import db
from ..request_args import as_id, choice_arg, int_arg, page_arg, text_arg
from ..web import on_refusal_go_to, refused, transaction
from .exports import ledger_xlsx
from .forms import AnswerForm, ContentItemForm, PlanChangeForm, ProgressForm, ProjectForm, SolveForm, StageForm
from .labels import FUNDING_LABELS, PROJECT_TIER_LABELS, STAGE_DATE_LABELS, STAGE_LABELS, yuan
from .models import PROJECT_STAGES, PROJECT_TIERS, ContentItem, Problem
from .queries import PipelineFilter, figures, overdue_problems, project_detail, project_query
from .rules import BUILDING_STAGES, DATED_STAGES, NEXT_STAGE, is_late, missing_for, next_planned_on
from .services import (
    add_content_item,
    advance_stage,
    create_project,
    record_progress,
    set_content_item_active,
    solve_problem,
    update_project,
)
from .supervision import may_answer
from .voice_queries import project_voice

bp = Blueprint("renovation", __name__, url_prefix="/renovation")
READERS, EDITORS = RENOVATION_READERS, RENOVATION_EDITORS


@bp.app_context_processor
def renovation_labels():
    return {"RENOVATION_STAGE_LABELS": STAGE_LABELS, "RENOVATION_TIER_LABELS": PROJECT_TIER_LABELS,
            "FUNDING_LABELS": FUNDING_LABELS, "STAGE_DATE_LABELS": STAGE_DATE_LABELS, "yuan": yuan}


def _filter_from_args() -> PipelineFilter:
    return PipelineFilter(stage=choice_arg("stage", PROJECT_STAGES), tier=choice_arg("tier", PROJECT_TIERS),
                          subdistrict_id=int_arg("subdistrict"), late=request.args.get("late") == "1",
                          q=text_arg("q") or None)


@bp.route("")
@roles_required(*READERS)
def pipeline():
    f, today = _filter_from_args(), local_today()
    page = db.paginate(project_query(f, today), page=page_arg(), per_page=current_app.config["PAGE_SIZE"],
                       max_per_page=200, error_out=False)
    subdistricts, _communities = area_choices()
    return render_template("renovation/pipeline.html", page=page, f=f, figures=figures(f, today), today=today,
                           is_late=is_late, next_planned_on=next_planned_on, next_stage=NEXT_STAGE,
                           subdistricts=subdistricts, stages=PROJECT_STAGES,
                           stage_options=[(s, STAGE_LABELS[s]) for s in PROJECT_STAGES],
                           tier_options=[(t, PROJECT_TIER_LABELS[t]) for t in PROJECT_TIERS],
                           can_edit=current_user.role in EDITORS)


@bp.route("/ledger.xlsx")
@roles_required(*READERS)
def export_ledger():
    """The projects of the pipeline's filter, one row each (exports.ledger_xlsx)."""
    now = utcnow()
    return send_file(io.BytesIO(ledger_xlsx(_filter_from_args(), now=now)), as_attachment=True,
                     download_name=f"改造项目台账-{local_today(now)}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _choices(form: ProjectForm, project=None) -> None:
    """The form's lists: compounds of the register, the content list, who may lead, who may serve."""
    compounds = db.session.execute(select(Compound.id, Compound.name, Community.name).join(Compound.community)
                                   .order_by(Community.name, Compound.name)).all()
    form.compound_ids.choices = [SelectChoice(i, f"{name} · {community}") for i, name, community in compounds]
    kept = {i.id for i in project.items} if project else set()
    form.item_ids.choices = [SelectChoice(i.id, i.name) for i in db.session.scalars(
        select(ContentItem).order_by(ContentItem.position, ContentItem.id)) if i.active or i.id in kept]
    users = db.session.scalars(select(User).where(User.active).order_by(User.display_name)).all()
    form.leader_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(u.id, u.label) for u in users if u.role in RESPONSIBLE_LEADERS]
    members = [SelectChoice(0, "—")] + [SelectChoice(u.id, u.full_label) for u in users
                                         if u.role in ("admin", "official", "dispatcher")]
    for entry in form.team:
        entry.user_id.choices = members


FORM_FIELDS = {"team": "team-0-user_id", "funding": "fund_central", "on": "on"}


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
@transaction
def new_project():
    form = ProjectForm()
    _choices(form)
    if request.method == "GET":
        compound = as_id(request.args.get("compound"))
        form.compound_ids.data = [compound] if compound else []
    if form.validate_on_submit():
        try:
            project = create_project(current_user, form.project_data(), now=utcnow())
        except DomainError as error:
            refused(error, form, fields=FORM_FIELDS)
        else:
            flash(_("Project %(name)s created in the reserve.", name=project.name), "success")
            return redirect(url_for(".show", project_id=project.id))
    return render_template("renovation/form.html", form=form, project=None), \
        400 if request.method == "POST" else 200


def _project(project_id: int):
    return project_detail(project_id) or abort(404)


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
@transaction
def edit_project(project_id: int):
    project = _project(project_id)
    form = ProjectForm()
    if request.method == "GET":
        form.fill_from(project)
    _choices(form, project)
    if form.validate_on_submit():
        try:
            update_project(current_user, project, form.project_data(), now=utcnow())
        except DomainError as error:
            refused(error, form, fields=FORM_FIELDS)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".show", project_id=project.id))
    return render_template("renovation/form.html", form=form, project=project), \
        400 if request.method == "POST" else 200


@bp.route("/<int:project_id>")
@roles_required(*READERS)
def show(project_id: int):
    return _page(_project(project_id))


def _page(project, *, progress_form: ProgressForm | None = None, status: int = 200):
    today, following = local_today(), NEXT_STAGE.get(project.stage)
    stage_form = StageForm(to_stage=following, on=today)
    if progress_form is None:
        progress_form = ProgressForm(month=today.replace(day=1))
    return render_template("renovation/detail.html", p=project, today=today, next_stage=following,
                           missing=missing_for(project, following) if following else [],
                           late=is_late(project, today), next_planned=next_planned_on(project),
                           overdue=overdue_problems(project, today), stage_form=stage_form,
                           progress_form=progress_form, solve_form=SolveForm(), dated_stages=DATED_STAGES,
                           stages=PROJECT_STAGES, building=project.stage in BUILDING_STAGES,
                           timeline=entity_timeline("renovation_project", project.id),
                           can_edit=current_user.role in EDITORS, **_voice(project)), status


def _voice(project) -> dict:
    """The residents' voice on the project page: consultations with their tally (the rooms and words only
    for OPINION_READERS), the supervision notes with the team's answers."""
    voice = project_voice(project, read_opinions=current_user.role in OPINION_READERS,
                          consultation_id=int_arg("consultation"), text_page=int_arg("opage") or 1,
                          note_page=int_arg("npage") or 1, per_page=current_app.config["PAGE_SIZE"])
    return {"voice": voice, "can_consult": current_user.role in CONSULTATION_EDITORS,
            "can_answer": may_answer(current_user, project), "answer_form": AnswerForm(),
            "plan_change_form": PlanChangeForm()}


@bp.route("/<int:project_id>/advance", methods=["POST"])
@roles_required(*EDITORS)
@transaction
def advance(project_id: int):
    project = _project(project_id)
    page = url_for(".show", project_id=project.id)
    on_refusal_go_to(page)
    form = StageForm()
    form.validate_on_submit()
    advance_stage(current_user, project, to_stage=form.to_stage.data or "", on=form.on.data, now=utcnow())
    flash(_("The project moved on to “%(stage)s”.", stage=STAGE_LABELS[project.stage]), "success")
    return redirect(page)


@bp.route("/<int:project_id>/progress", methods=["POST"])
@roles_required(*EDITORS)
@transaction
def progress(project_id: int):
    project = _project(project_id)
    form = ProgressForm()
    if form.validate_on_submit():
        try:
            record_progress(current_user, project, month=form.month.data, percent=form.percent.data,
                            done=form.done.data or "", problems=form.problem_data(), now=utcnow())
        except DomainError as error:
            refused(error, form, fields={"solver": "problems"})
            project = _project(project_id)
        else:
            flash(_("The month's progress is recorded."), "success")
            return redirect(url_for(".show", project_id=project.id))
    return _page(project, progress_form=form, status=400)


@bp.route("/<int:project_id>/problems/<int:problem_id>/solve", methods=["POST"])
@roles_required(*EDITORS)
@transaction
def solve(project_id: int, problem_id: int):
    project = _project(project_id)
    problem = db.session.get(Problem, problem_id)
    if problem is None or problem.entry.project_id != project.id:
        abort(404)
    page = url_for(".show", project_id=project.id)
    on_refusal_go_to(page)
    form = SolveForm()
    form.validate_on_submit()
    solve_problem(current_user, problem, on=form.on.data, now=utcnow())
    flash(_("The problem is marked solved."), "success")
    return redirect(page)


@bp.route("/items")
@roles_required(*READERS)
def items():
    """The content list officials keep; others read it."""
    return _items_page(ContentItemForm())


def _items_page(form: ContentItemForm, status: int = 200):
    listed = db.session.scalars(select(ContentItem).order_by(ContentItem.position, ContentItem.id)).all()
    return render_template("renovation/items.html", form=form, items=listed,
                           can_edit=current_user.role in EDITORS), status


@bp.route("/items", methods=["POST"])
@roles_required(*EDITORS)
@transaction
def add_item():
    form = ContentItemForm()
    if form.validate_on_submit():
        try:
            item = add_content_item(current_user, form.name.data, now=utcnow())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("“%(name)s” added to the list.", name=item.name), "success")
            return redirect(url_for(".items"))
    return _items_page(form, 400)


@bp.route("/items/<int:item_id>/active", methods=["POST"])
@roles_required(*EDITORS)
@transaction
def item_active(item_id: int):
    item = db.session.get(ContentItem, item_id) or abort(404)
    on_refusal_go_to(url_for(".items"))
    SolveForm().validate_on_submit()
    set_content_item_active(current_user, item, request.form.get("active") == "1", now=utcnow())
    flash(_("Saved."), "success")
    return redirect(url_for(".items"))
