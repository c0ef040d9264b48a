"""Service standards and service plans: read by officials, kept by dispatchers and admins."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from ..assignments.queries import active_assignment_id
from ..auth.access import public, roles_required
from ..auth.models import User
from ..auth.roles import OPERATORS, STAFF, STANDARD_EDITORS
from ..clock import district_tz, local_today, utcnow
from ..compounds.models import Compound
from ..errors import DomainError
from ..extensions import db
from ..orgs.models import Crew, Organisation
from ..web import on_refusal_go_to, refused, transaction
from .calendar import calendar_token, ics_feed, upcoming_tasks, user_for_calendar_token
from .describe import describe_plan, describe_rule
from .forms import PauseForm, PlanForm, StandardForm
from .generation import horizon_end
from .labels import PLAN_STATUS_LABELS, TASK_STATUS_LABELS
from .models import ServicePlan, ServiceType, Task
from .recurrence import preview
from .services import PLAN_EDITORS, add_standard_version, create_plan, set_plan_paused, update_plan

bp = Blueprint("plans", __name__, url_prefix="/plans")
READERS = STAFF


@bp.app_template_filter("schedule")
def schedule(plan, windows: bool = True) -> str:
    """每周一、三、五 07:00–09:00: a plan's recurrence in words, on every page that shows one."""
    if not windows:
        return describe_rule(plan.rrule, plan.starts_on)
    return describe_plan(plan.rrule, plan.windows, plan.starts_on)


@bp.app_template_filter("rule_words")
def rule_words(rule: str) -> str:
    return describe_rule(rule)


@bp.app_context_processor
def plan_labels():
    return {"PLAN_STATUS_LABELS": PLAN_STATUS_LABELS, "TASK_STATUS_LABELS": TASK_STATUS_LABELS}


def _through():
    return horizon_end(utcnow(), current_app.config["PROPMGMT_HORIZON_DAYS"])


ERROR_FIELDS = {"windows": "window1_start"}  # a service's error about the windows shows under the first one


@bp.route("/standards")
@roles_required(*READERS)
def standards():
    types = db.session.scalars(select(ServiceType).order_by(ServiceType.id)).all()
    return render_template("plans/standards.html", types=types)


@bp.route("/standards/<int:type_id>/new", methods=["GET", "POST"])
@roles_required(*STANDARD_EDITORS)
@transaction
def new_standard(type_id: int):
    service_type = db.session.get(ServiceType, type_id) or abort(404)
    form = StandardForm()
    current = service_type.standards[-1] if service_type.standards else None
    if request.method == "GET" and current:
        form.checklist.data = "\n".join(current.checklist)
        form.photo_required.data = current.photo_required
        form.default_rrule.data = current.default_rrule
        form.window1_start.data, form.window1_end.data = current.default_windows[0]["start"], \
            current.default_windows[0]["end"]
        if len(current.default_windows) > 1:
            form.window2_start.data, form.window2_end.data = current.default_windows[1]["start"], \
                current.default_windows[1]["end"]
    if form.validate_on_submit():
        try:
            standard = add_standard_version(current_user, type_id, form.fields_dict(), now=utcnow())
        except DomainError as error:
            refused(error, form, fields=ERROR_FIELDS)
        else:
            flash(_("Version %(v)d of the standard is in force for tasks generated from now on.",
                    v=standard.version), "success")
            return redirect(url_for(".standards"))
    return render_template("plans/standard_form.html", form=form, service_type=service_type), \
        400 if request.method == "POST" else 200


@bp.route("/compound/<int:compound_id>")
@roles_required(*READERS)
def compound_plans(compound_id: int):
    compound = db.session.get(Compound, compound_id) or abort(404)
    plans = db.session.scalars(select(ServicePlan).where(ServicePlan.compound_id == compound_id)
                               .order_by(ServicePlan.status, ServicePlan.service_type_id)).all()
    upcoming = db.session.scalars(select(Task).where(Task.compound_id == compound_id, Task.window_end > utcnow())
                                  .order_by(Task.window_start).limit(10)).all()
    return render_template("plans/compound.html", compound=compound, plans=plans, upcoming=upcoming,
                           pause_form=PauseForm(), can_edit=current_user.role in PLAN_EDITORS)


def _plan_form(compound: Compound, plan: ServicePlan | None = None) -> PlanForm:
    form = PlanForm(obj=plan)
    form.service_type_id.choices = [SelectChoice(t.id, t.name_zh) for t in db.session.scalars(
        select(ServiceType).where(ServiceType.active).order_by(ServiceType.id))]
    crews = db.session.scalars(select(Crew).join(Crew.organisation).where(
        Organisation.kind == "fallback_operator").order_by(Crew.name)).all()
    form.crew_id.choices = [SelectChoice(0, "—")] + [SelectChoice(c.id, c.name) for c in crews]
    operators = db.session.scalars(select(User).options(joinedload(User.crew)).where(
        User.role == "operator", User.active, User.crew_id.in_([c.id for c in compound_crews(compound, crews)]))
        .order_by(User.display_name, User.work_no)).all()
    form.operator_id.choices = [SelectChoice(0, _("Whole crew"))] + [
        SelectChoice(u.id, u.full_label) for u in operators]
    if request.method == "GET":
        if plan is not None:
            form.load_plan(plan)
        else:
            form.starts_on.data = local_today()
            served_by = compound_crews(compound, crews)
            form.crew_id.data = served_by[0].id if served_by else 0
    return form


def compound_crews(compound: Compound, crews: list[Crew]) -> list[Crew]:
    """Crews that already serve the compound, for sensible defaults."""
    return [c for c in crews if compound in c.compounds]


def _edit(compound: Compound, plan: ServicePlan | None):
    form = _plan_form(compound, plan)
    occurrences, described = [], ""
    if form.validate_on_submit():
        try:
            fields = form.fields_dict(compound.id)
            if request.form.get("action") == "preview":
                occurrences = preview(fields["rrule"], fields["windows"], fields["starts_on"], district_tz(),
                                      ends_on=fields["ends_on"], skip=set(fields["skip_dates"]))
                described = describe_plan(fields["rrule"], fields["windows"], fields["starts_on"])
            elif plan is None:
                plan = create_plan(current_user, fields, now=utcnow(), generate_through=_through(),
                                   assignment_id=active_assignment_id(compound.id))
                flash(_("The plan is in force; its tasks for the next %(n)d days exist.",
                        n=current_app.config["PROPMGMT_HORIZON_DAYS"]), "success")
                return redirect(url_for(".compound_plans", compound_id=compound.id))
            else:
                changes = update_plan(current_user, plan, fields, now=utcnow(), generate_through=_through())
                flash(_("Plan saved; future tasks that had not started follow the change.") if changes
                      else _("Nothing was changed."), "success")
                return redirect(url_for(".compound_plans", compound_id=compound.id))
        except DomainError as error:
            refused(error, form, fields=ERROR_FIELDS)
    status = 400 if request.method == "POST" and request.form.get("action") != "preview" else 200
    if request.method == "POST" and form.errors:
        status = 400
    return render_template("plans/form.html", form=form, compound=compound, plan=plan,
                           occurrences=occurrences, described=described), status


@bp.route("/new/<int:compound_id>", methods=["GET", "POST"])
@roles_required(*PLAN_EDITORS)
@transaction
def new_plan(compound_id: int):
    return _edit(db.session.get(Compound, compound_id) or abort(404), None)


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@roles_required(*PLAN_EDITORS)
@transaction
def edit_plan(plan_id: int):
    plan = db.session.get(ServicePlan, plan_id) or abort(404)
    return _edit(plan.compound, plan)


@bp.route("/<int:plan_id>/pause", methods=["POST"])
@roles_required(*PLAN_EDITORS)
@transaction
def pause_plan(plan_id: int):
    return _set_paused(plan_id, True)


@bp.route("/<int:plan_id>/resume", methods=["POST"])
@roles_required(*PLAN_EDITORS)
@transaction
def resume_plan(plan_id: int):
    return _set_paused(plan_id, False)


def _set_paused(plan_id: int, paused: bool):
    plan = db.session.get(ServicePlan, plan_id) or abort(404)
    page = url_for(".compound_plans", compound_id=plan.compound_id)
    on_refusal_go_to(page)
    if PauseForm().validate_on_submit():
        set_plan_paused(current_user, plan, paused, now=utcnow(), generate_through=_through())
        flash(_("Plan paused; its future tasks were removed.") if paused else _("Plan resumed."), "success")
    return redirect(page)


@bp.route("/my-calendar")
@roles_required(*OPERATORS)
def my_calendar():
    url = url_for(".calendar_feed", token=calendar_token(current_user), _external=True)
    return render_template("plans/my_calendar.html", feed_url=url,
                           tasks=upcoming_tasks(current_user, now=utcnow(), days=2))


@bp.route("/calendar/<token>.ics")
@public
def calendar_feed(token: str):
    """Public by design: the signed token in the URL is the credential (calendar apps have no session)."""
    user = user_for_calendar_token(token)
    if user is None:
        abort(404)
    body = ics_feed(user, upcoming_tasks(user, now=utcnow()), now=utcnow(), host=request.host)
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})
