"""Pages of the assignment workflow: the unmanaged queue, proposals, decisions, the ledger."""
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import roles_required
from ..auth.models import User
from ..auth.roles import STAFF
from ..clock import local_today, utcnow
from ..compounds.models import RENOVATION_STATUSES, Compound
from ..compounds.queries import area_choices
from ..errors import DomainError
from ..extensions import db
from ..orgs.models import Crew, Organisation
from ..plans.models import ServiceType
from ..request_args import as_id, choice_arg, date_arg, int_arg, page_arg, text_arg
from ..web import on_refusal_go_to, refused, transaction
from .exports import ledger_xlsx
from .forms import DecisionForm, EndForm, ProposalForm, ReleaseForm
from .labels import END_REASON_LABELS, STATUS_LABELS
from .models import ASSIGNMENT_STATUSES, Assignment
from .queries import (
    QUEUE_SORTS,
    LedgerFilter,
    QueueFilter,
    days_in_fallback,
    ledger_count,
    ledger_query,
    queue_totals,
    unmanaged_queue,
)
from .services import (
    DECIDERS,
    LEADER_ROLES,
    PROPOSERS,
    BulkRejected,
    approve_assignment,
    end_assignment,
    propose_assignments,
    reject_assignment,
    release_compound,
)

bp = Blueprint("assignments", __name__, url_prefix="/assignments")
READERS = STAFF
MAX_BULK = 500


@bp.app_context_processor
def assignment_labels():
    return {"ASSIGNMENT_STATUS_LABELS": STATUS_LABELS, "END_REASON_LABELS": END_REASON_LABELS,
            "days_in_fallback": days_in_fallback}


def _get(assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        abort(404)
    return assignment


@bp.route("/unmanaged")
@roles_required(*READERS)
def unmanaged():
    f = QueueFilter(subdistrict_id=int_arg("subdistrict"), community_id=int_arg("community"),
                    renovation_status=choice_arg("renovation_status", RENOVATION_STATUSES), q=text_arg("q"),
                    sort=choice_arg("sort", QUEUE_SORTS) or "waiting")
    page = db.paginate(unmanaged_queue(f), page=page_arg(),
                       per_page=current_app.config["PAGE_SIZE"], max_per_page=MAX_BULK,
                       error_out=False, count=False)
    page.total, households = queue_totals(f)
    subdistricts, communities = area_choices()
    return render_template("assignments/unmanaged.html", page=page, f=f, households=households,
                           subdistricts=subdistricts, communities=communities, now=utcnow())


def _proposal_form() -> ProposalForm:
    form = ProposalForm()
    types = db.session.scalars(select(ServiceType).where(ServiceType.active).order_by(ServiceType.id)).all()
    leaders = db.session.scalars(select(User).where(User.active, User.role.in_(LEADER_ROLES))
                                 .order_by(User.display_name)).all()
    crews = db.session.scalars(select(Crew).join(Crew.organisation)
                               .where(Organisation.kind == "fallback_operator").order_by(Crew.name)).all()
    form.set_choices(types, leaders, crews)
    if request.method == "GET":
        form.service_type_ids.data = [t.id for t in types]
        form.start_date.data = local_today()
        if current_user.role in LEADER_ROLES:
            form.leader_id.data = current_user.id
    return form


def _prefill_from_previous(form: ProposalForm, compound_ids: list[int]) -> None:
    """A compound that was served before gets its previous scope, leader and crew back (the way back)."""
    if len(compound_ids) != 1:
        return
    previous = db.session.scalar(select(Assignment).where(Assignment.compound_id == compound_ids[0],
                                                          Assignment.status == "ended")
                                 .order_by(Assignment.end_date.desc(), Assignment.id.desc()).limit(1))
    if previous is None:
        return
    form.service_type_ids.data = [t.id for t in previous.service_types]
    form.leader_id.data = previous.responsible_leader_id
    form.crew_id.data = previous.crew_id or 0
    form.reason.data = _("Served by the fallback operator before (decision %(no)s); the firm has left.",
                         no=previous.decision_no)
    form.approve_now.data = current_user.role in LEADER_ROLES


@bp.route("/propose", methods=["GET", "POST"])
@roles_required(*PROPOSERS)
@transaction
def propose():
    source = request.form if request.method == "POST" else request.args
    ids = [i for i in map(as_id, source.getlist("compound_ids")) if i is not None][:MAX_BULK]
    compounds = db.session.scalars(select(Compound).where(Compound.id.in_(ids)).order_by(Compound.name)).all()
    form = _proposal_form()
    if request.method == "GET":
        _prefill_from_previous(form, ids)
    failures = []
    if not ids:
        flash(_("Select at least one compound in the queue first."), "error")
        return redirect(url_for(".unmanaged"))
    if form.validate_on_submit():
        try:
            created = propose_assignments(current_user, ids, form.proposal(), now=utcnow(),
                                          approve=bool(form.approve_now.data))
        except BulkRejected as rejected:
            refused(rejected, form)  # flashed, above the list of failures
            failures = rejected.failures
        except DomainError as error:
            refused(error, form)
        else:
            if form.approve_now.data:
                flash(_("%(n)d compounds assigned to the fallback operator.", n=len(created)), "success")
            else:
                flash(_("%(n)d assignments proposed; they await an official's decision.", n=len(created)), "success")
            if len(created) == 1:
                return redirect(url_for(".show", assignment_id=created[0].id))
            return redirect(url_for(".ledger", q=form.decision_no.data.strip()))
    status = 400 if request.method == "POST" else 200
    return render_template("assignments/propose.html", form=form, compounds=compounds, failures=failures), status


@bp.route("")
@roles_required(*READERS)
def ledger():
    f = _ledger_filter()
    page = db.paginate(ledger_query(f), page=page_arg(),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False, count=False)
    page.total = ledger_count(f)
    subdistricts, _communities = area_choices()
    leaders = db.session.scalars(select(User).where(User.role.in_(LEADER_ROLES)).order_by(User.display_name)).all()
    return render_template("assignments/ledger.html", page=page, f=f, subdistricts=subdistricts,
                           leaders=leaders, today=local_today())


def _ledger_filter() -> LedgerFilter:
    return LedgerFilter(status=choice_arg("status", ASSIGNMENT_STATUSES), subdistrict_id=int_arg("subdistrict"),
                        leader_id=int_arg("leader"), start_from=date_arg("start_from"),
                        start_to=date_arg("start_to"), q=text_arg("q"))


@bp.route("/export.xlsx")
@roles_required(*READERS)
def export_ledger():
    data = ledger_xlsx(_ledger_filter(), now=utcnow())
    return send_file(io.BytesIO(data), as_attachment=True, download_name=f"托底台账-{local_today()}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/<int:assignment_id>")
@roles_required(*READERS)
def show(assignment_id: int):
    assignment = _get(assignment_id)
    return render_template("assignments/detail.html", a=assignment, decision_form=DecisionForm(),
                           end_form=EndForm(), today=local_today(), can_decide=current_user.role in DECIDERS)


@bp.route("/<int:assignment_id>/approve", methods=["POST"])
@roles_required(*DECIDERS)
@transaction
def approve(assignment_id: int):
    assignment = _get(assignment_id)
    page = url_for(".show", assignment_id=assignment_id)
    on_refusal_go_to(page)
    if DecisionForm().validate_on_submit():
        approve_assignment(current_user, assignment, now=utcnow())
        flash(_("Approved: %(name)s is now served by the fallback operator.", name=assignment.compound.name),
              "success")
    return redirect(page)


@bp.route("/<int:assignment_id>/reject", methods=["POST"])
@roles_required(*DECIDERS)
@transaction
def reject(assignment_id: int):
    assignment = _get(assignment_id)
    page = url_for(".show", assignment_id=assignment_id)
    on_refusal_go_to(page)
    form = DecisionForm()
    if form.validate_on_submit():
        reject_assignment(current_user, assignment, form.reason.data, now=utcnow())
        flash(_("The proposal was rejected."), "success")
    return redirect(page)


@bp.route("/<int:assignment_id>/end", methods=["POST"])
@roles_required(*DECIDERS)
@transaction
def end(assignment_id: int):
    assignment = _get(assignment_id)
    page = url_for(".show", assignment_id=assignment_id)
    on_refusal_go_to(page)
    form = EndForm()
    if form.validate_on_submit():
        end_assignment(current_user, assignment, form.end_reason.data, form.note.data, now=utcnow(),
                       end_date=form.end_date.data)
        flash(_("The assignment has ended."), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(page)


@bp.route("/release/<int:compound_id>", methods=["GET", "POST"])
@roles_required(*DECIDERS)
@transaction
def release(compound_id: int):
    compound = db.session.get(Compound, compound_id) or abort(404)
    form = ReleaseForm()
    if form.validate_on_submit():
        try:
            release_compound(current_user, compound, form.reason.data, now=utcnow())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("%(name)s is marked unmanaged. Assign it to the fallback operator again below: "
                    "the previous scope is filled in.", name=compound.name), "success")
            return redirect(url_for(".propose", compound_ids=compound.id))
    status = 400 if request.method == "POST" else 200
    return render_template("assignments/release.html", form=form, compound=compound), status
