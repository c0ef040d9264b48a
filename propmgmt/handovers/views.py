"""Handover pages: readiness, the pipeline, and one handover's stages."""
import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ..auth.access import roles_required
from ..auth.models import User
from ..auth.roles import HANDOVER_DECIDERS, HANDOVER_PARTIES, HANDOVER_SIGNERS, READINESS_POLICY_EDITORS, STAFF
from ..clock import local_today, utcnow
from ..compounds.models import Compound
from ..compounds.queries import area_choices
from ..errors import DomainError
from ..extensions import db
from ..orgs.models import Organisation
from ..photos import check_photo
from ..request_args import choice_arg, int_arg
from ..web import on_refusal_go_to, refused, send_photo, transaction
from .exports import pipeline_xlsx
from .forms import DecisionForm, FirmForm, InspectionForm, PolicyForm, ReadinessForm, ReasonForm, StageForm
from .labels import CRITERION_LABELS, FACILITY_LABELS, INSPECTION_RESULT_LABELS, STAGE_LABELS
from .models import HANDOVER_STAGES, Handover, InspectionItem
from .queries import pipeline, policy, readiness
from .rules import Vote, evaluate
from .services import (
    NEXT_STAGE,
    abort_handover,
    advance,
    mark_fixed,
    record_inspection,
    record_owners_decision,
    select_firm,
    sign_inspection,
    stage_conditions,
    start_handover,
    update_policy,
    update_readiness,
    vote_of,
)

bp = Blueprint("handovers", __name__, url_prefix="/handovers")
READERS = STAFF
DECIDERS = HANDOVER_DECIDERS


@bp.app_context_processor
def handover_labels():
    return {"STAGE_LABELS": STAGE_LABELS, "FACILITY_LABELS": FACILITY_LABELS, "CRITERION_LABELS": CRITERION_LABELS,
            "INSPECTION_RESULT_LABELS": INSPECTION_RESULT_LABELS}


def _handover(handover_id: int) -> Handover:
    handover = db.session.get(Handover, handover_id) or abort(404)
    if current_user.role == "firm" and handover.firm_id != current_user.organisation_id:
        abort(404)  # a firm sees only the handovers it takes part in
    return handover


def _act(handover: Handover, action, success: str):
    """One step of the handover, back on its page (a refusal too: the app's DomainError handler)."""
    page = url_for(".show", handover_id=handover.id)
    on_refusal_go_to(page)
    action()
    flash(success, "success")
    return redirect(page)


@bp.route("")
@roles_required(*READERS)
def pipeline_page():
    subdistrict, stage = int_arg("subdistrict"), choice_arg("stage", HANDOVER_STAGES)
    counts, rows = pipeline(now=utcnow(), subdistrict_id=subdistrict, stage=stage)
    subdistricts, _communities = area_choices()
    return render_template("handovers/pipeline.html", counts=counts, rows=rows, stages=HANDOVER_STAGES,
                           subdistricts=subdistricts, subdistrict=subdistrict, stage=stage,
                           stage_options=[(s, STAGE_LABELS[s]) for s in HANDOVER_STAGES])


@bp.route("/export.xlsx")
@roles_required(*READERS)
def export_pipeline():
    now, subdistrict, stage = utcnow(), int_arg("subdistrict"), choice_arg("stage", HANDOVER_STAGES)
    _counts, rows = pipeline(now=now, subdistrict_id=subdistrict, stage=stage)
    data = pipeline_xlsx(rows, subdistrict_id=subdistrict, stage=stage, now=now)
    return send_file(io.BytesIO(data), as_attachment=True, download_name=f"移交进度-{local_today()}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/readiness")
@roles_required(*READERS)
def readiness_page():
    subdistrict = int_arg("subdistrict")
    subdistricts, _communities = area_choices()
    return render_template("handovers/readiness.html", rows=readiness(now=utcnow(), subdistrict_id=subdistrict),
                           subdistricts=subdistricts, subdistrict=subdistrict)


@bp.route("/readiness/<int:compound_id>", methods=["GET", "POST"])
@roles_required(*DECIDERS)
@transaction
def edit_readiness(compound_id: int):
    compound = db.session.get(Compound, compound_id) or abort(404)
    form = ReadinessForm()
    if form.validate_on_submit():
        try:
            update_readiness(current_user, compound, owners_committee={"yes": True, "no": False}.get(
                form.owners_committee.data), fee_willingness=form.fee_willingness.data,
                evidence=form.evidence.data, now=utcnow())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".readiness_page"))
    return render_template("handovers/readiness_form.html", form=form, compound=compound), \
        400 if request.method == "POST" else 200


def _owners():
    return db.session.scalars(select(User).where(User.active, User.role.in_(STAFF))
                              .order_by(User.display_name)).all()


@bp.route("/start/<int:compound_id>", methods=["POST"])
@roles_required(*DECIDERS)
@transaction
def start(compound_id: int):
    compound = db.session.get(Compound, compound_id) or abort(404)
    form = StageForm()
    form.validate_on_submit()
    on_refusal_go_to(url_for(".readiness_page"))
    handover = start_handover(current_user, compound, owner_id=current_user.id, due_on=form.due_on.data,
                              now=utcnow())
    flash(_("Handover of %(name)s started.", name=compound.name), "success")
    return redirect(url_for(".show", handover_id=handover.id))


@bp.route("/<int:handover_id>")
@roles_required(*HANDOVER_PARTIES)
def show(handover_id: int):
    return _page(_handover(handover_id))


def _page(handover: Handover, *, decision_form: DecisionForm | None = None, status: int = 200):
    """The handover's page; a refused form is shown again as it was typed, its errors at their fields."""
    stage_form = StageForm()
    stage_form.owner_id.choices = [SelectChoice(0, _("Keep the current owner"))] + [
        SelectChoice(u.id, u.label) for u in _owners()]
    firm_form = FirmForm(obj=handover)
    firm_form.firm_id.choices = [SelectChoice(0, "—")] + [SelectChoice(o.id, o.name) for o in db.session.scalars(
        select(Organisation).where(Organisation.kind == "property_firm", Organisation.active)
        .order_by(Organisation.name))]
    decision = handover.owners_decision
    result = evaluate(vote_of(decision)) if decision else None
    return render_template("handovers/detail.html", h=handover, stage_form=stage_form, firm_form=firm_form,
                           decision_form=decision_form or DecisionForm(obj=decision),
                           inspection_form=InspectionForm(),
                           reason_form=ReasonForm(), result=result, next_stage=NEXT_STAGE.get(handover.stage),
                           missing=stage_conditions(handover, local_today()),
                           can_decide=current_user.role in DECIDERS), status


@bp.route("/<int:handover_id>/advance", methods=["POST"])
@roles_required(*DECIDERS)
@transaction
def move(handover_id: int):
    handover = _handover(handover_id)
    form = StageForm()
    form.validate_on_submit()
    return _act(handover, lambda: advance(current_user, handover, to_stage=request.form.get("to_stage", ""),
                                          owner_id=form.owner_id.data or None, due_on=form.due_on.data,
                                          transition_end=form.transition_end.data, now=utcnow()),
                _("The handover moved on."))


@bp.route("/<int:handover_id>/decision", methods=["POST"])
@roles_required(*DECIDERS)
@transaction
def decision(handover_id: int):
    handover = _handover(handover_id)
    form = DecisionForm()
    if form.validate_on_submit():
        vote = Vote(form.total_owners.data, form.total_area.data, form.participating_owners.data,
                    form.participating_area.data, form.favour_owners.data, form.favour_area.data)
        try:
            record_owners_decision(current_user, handover, vote, decided_on=form.decided_on.data,
                                   note=form.note.data, now=utcnow())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("The owners' decision is recorded."), "success")
            return redirect(url_for(".show", handover_id=handover.id))
    return _page(handover, decision_form=form, status=400)


@bp.route("/<int:handover_id>/firm", methods=["POST"])
@roles_required(*DECIDERS)
@transaction
def firm(handover_id: int):
    handover = _handover(handover_id)
    form = FirmForm()
    form.validate_on_submit()
    return _act(handover, lambda: select_firm(current_user, handover, firm_id=form.firm_id.data,
                                              contract_start=form.contract_start.data,
                                              contract_end=form.contract_end.data,
                                              fee_standard=form.fee_standard.data or "", now=utcnow()),
                _("The firm is recorded."))


@bp.route("/<int:handover_id>/inspection", methods=["POST"])
@roles_required(*DECIDERS)
@transaction
def inspection(handover_id: int):
    handover = _handover(handover_id)
    form = InspectionForm()
    form.validate_on_submit()

    def action():
        upload = form.photo.data
        photo = check_photo(upload.read()) if upload and getattr(upload, "filename", "") else None
        record_inspection(current_user, handover, facility=form.facility.data, result=form.result.data,
                          defect=form.defect.data, blocking=form.blocking.data, fixer=form.fixer.data,
                          fix_by=form.fix_by.data, now=utcnow(), photo=photo,
                          upload_dir=current_app.config["UPLOAD_DIR"])

    return _act(handover, action, _("The check is recorded."))


@bp.route("/<int:handover_id>/inspection/<int:item_id>/photo")
@roles_required(*HANDOVER_PARTIES)
def inspection_photo(handover_id: int, item_id: int):
    handover = _handover(handover_id)
    item = db.session.get(InspectionItem, item_id)
    if item is None or item.handover_id != handover.id or not item.photo_path:
        abort(404)
    return send_photo(item.photo_path, item.thumb_path)


@bp.route("/<int:handover_id>/inspection/<int:item_id>/fixed", methods=["POST"])
@roles_required(*DECIDERS)
@transaction
def fixed(handover_id: int, item_id: int):
    handover = _handover(handover_id)
    item = db.session.get(InspectionItem, item_id)
    if item is None or item.handover_id != handover.id:
        abort(404)
    ReasonForm().validate_on_submit()
    return _act(handover, lambda: mark_fixed(current_user, item, now=utcnow()), _("Marked fixed on re-inspection."))


@bp.route("/<int:handover_id>/sign", methods=["POST"])
@roles_required(*HANDOVER_SIGNERS)
@transaction
def sign(handover_id: int):
    handover = _handover(handover_id)
    ReasonForm().validate_on_submit()
    return _act(handover, lambda: sign_inspection(current_user, handover, now=utcnow()), _("Signed."))


@bp.route("/<int:handover_id>/abort", methods=["POST"])
@roles_required(*DECIDERS)
@transaction
def stop(handover_id: int):
    handover = _handover(handover_id)
    form = ReasonForm()
    form.validate_on_submit()
    return _act(handover, lambda: abort_handover(current_user, handover, form.reason.data, now=utcnow()),
                _("The handover was stopped."))


@bp.route("/policy")
@roles_required(*READERS)
def policy_page():
    """Officials read the readiness thresholds; admins change them (save_policy)."""
    return render_template("handovers/policy.html", form=PolicyForm(obj=policy()),
                           can_edit=current_user.role == "admin")


@bp.route("/policy", methods=["POST"])
@roles_required(*READINESS_POLICY_EDITORS)
@transaction
def save_policy():
    form = PolicyForm()
    if form.validate_on_submit():
        try:
            update_policy(current_user, fee_willingness_min=form.fee_willingness_min.data,
                          months_in_fallback_min=form.months_in_fallback_min.data,
                          stuck_after_days=form.stuck_after_days.data,
                          survey_satisfaction_min=form.survey_satisfaction_min.data, now=utcnow())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".readiness_page"))
    return render_template("handovers/policy.html", form=form, can_edit=True), 400
