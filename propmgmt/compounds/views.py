"""The compound register pages: list, detail, create, edit, import, export."""
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..assignments.labels import STATUS_LABELS as ASSIGNMENT_STATUS_LABELS
from ..assignments.queries import compound_assignments
from ..audit.queries import compound_timeline
from ..auth.access import roles_required
from ..auth.labels import ROLE_LABELS
from ..auth.roles import CASE_TEXT_READERS, LEDGER_EXPORTERS, REGISTER_EDITORS, REGISTER_READERS
from ..clock import local_today, utcnow
from ..complaints.labels import PROBLEM_LABELS, SOURCE_LABELS
from ..complaints.labels import STATUS_LABELS as CASE_STATUS_LABELS
from ..errors import DomainError
from ..extensions import db
from ..handovers.labels import DECISION_RESULT_LABELS, FACILITY_LABELS, INSPECTION_RESULT_LABELS, STAGE_LABELS
from ..handovers.queries import open_handover_of
from ..orgs.labels import STATUS_LABELS as ORGANISATION_STATUS_LABELS
from ..plans.labels import PLAN_STATUS_LABELS, TASK_STATUS_LABELS
from ..renovation.labels import STAGE_LABELS as RENOVATION_STAGE_LABELS
from ..renovation.queries import compound_projects
from ..request_args import choice_arg, int_arg, page_arg, text_arg
from ..tables import ImportRejected, read_table
from ..users.labels import ACCOUNT_STATE_LABELS
from ..users.privacy import visible_phone
from ..web import refused, transaction
from .exports import register_xlsx
from .forms import CompoundForm, ImportForm, NewCompoundForm
from .imports import import_template_xlsx, parse_rows
from .labels import FIELD_LABELS, MODE_LABELS, STATUS_LABELS, TIER_LABELS, TIMELINE_LABELS
from .models import MANAGEMENT_MODES, RENOVATION_STATUSES, Compound
from .policy import available_actions
from .queries import DEFAULT_SORT, SORTS, RegisterFilter, area_choices, register_query, register_totals
from .rooms import room_count, room_list, set_rooms
from .services import create_compound, import_compounds, update_compound

bp = Blueprint("compounds", __name__, url_prefix="/compounds")

EDITORS = REGISTER_EDITORS
READERS = REGISTER_READERS


@bp.app_context_processor
def register_labels():
    return {"MODE_LABELS": MODE_LABELS, "TIER_LABELS": TIER_LABELS, "STATUS_LABELS": STATUS_LABELS,
            "FIELD_LABELS": FIELD_LABELS, "AUDIT_ACTION_LABELS": TIMELINE_LABELS}


# The words for the states an audit entry of each kind moves between, on the compound's timeline.
TIMELINE_STATES = {"compound": MODE_LABELS, "assignment": ASSIGNMENT_STATUS_LABELS, "task": TASK_STATUS_LABELS,
                   "complaint": CASE_STATUS_LABELS, "handover": STAGE_LABELS | DECISION_RESULT_LABELS,
                   "service_plan": PLAN_STATUS_LABELS,
                   "user": ACCOUNT_STATE_LABELS, "organisation": ORGANISATION_STATUS_LABELS,
                   "renovation_project": RENOVATION_STAGE_LABELS}
# ... and for the values of a change, by the field that changed.
TIMELINE_VALUES = {"category": PROBLEM_LABELS, "management_mode": MODE_LABELS, "renovation_tier": TIER_LABELS,
                   "renovation_status": STATUS_LABELS, "stage": STAGE_LABELS, "source": SOURCE_LABELS,
                   "role": ROLE_LABELS, "facility": FACILITY_LABELS, "result": INSPECTION_RESULT_LABELS}
# Changed values that are private: a colleague's mobile number, masked for roles with no need of it.
PRIVATE_VALUES = {"phone": visible_phone}


@bp.app_template_global()
def timeline_state(entry, state: str | None) -> str:
    """A state of a timeline entry in words (a mode, a task's or a case's state, a handover stage)."""
    if not state:
        return ""
    return str(TIMELINE_STATES.get(entry.entity_type, {}).get(state) or MODE_LABELS.get(state) or state)


@bp.app_template_global()
def timeline_reason(entry) -> str:
    """The words of an entry; a case's (the resident's reopen text, the resolution note: names and
    phone numbers get typed into them) only for the roles that handle or oversee cases."""
    if entry.entity_type == "complaint" and not (current_user.is_authenticated
                                                 and current_user.role in CASE_TEXT_READERS):
        return ""
    return entry.reason or ""


@bp.app_template_global()
def timeline_value(field: str, value) -> str:
    """A changed value as a user reads it: yes / no, a category's or a stage's name, or the value."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field in PRIVATE_VALUES:
        return PRIVATE_VALUES[field](str(value), current_user)
    return str(TIMELINE_VALUES.get(field, {}).get(value, value))


def _filter_from_args() -> RegisterFilter:
    return RegisterFilter(
        subdistrict_id=int_arg("subdistrict"),
        community_id=int_arg("community"),
        mode=choice_arg("mode", MANAGEMENT_MODES),
        renovation_status=choice_arg("renovation_status", RENOVATION_STATUSES),
        q=text_arg("q"),
        sort=choice_arg("sort", SORTS) or DEFAULT_SORT,
    )


def _get_compound(compound_id: int) -> Compound:
    compound = db.session.get(Compound, compound_id)
    if compound is None:
        abort(404)
    return compound


@bp.route("")
@roles_required(*READERS)
def list_compounds():
    f = _filter_from_args()
    page = db.paginate(register_query(f), page=page_arg(),
                       per_page=current_app.config["PAGE_SIZE"], max_per_page=200,
                       error_out=False, count=False)
    total, households = register_totals(f)
    page.total = total
    subdistricts, communities = area_choices()
    return render_template("compounds/list.html", page=page, f=f, total=total, households=households,
                           subdistricts=subdistricts, communities=communities, sorts=SORTS)


@bp.route("/export.xlsx")
@roles_required(*LEDGER_EXPORTERS)
def export_compounds():
    data = register_xlsx(_filter_from_args(), now=utcnow())
    return send_file(io.BytesIO(data), as_attachment=True,
                     download_name=f"compounds-{local_today().isoformat()}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/<int:compound_id>")
@roles_required(*READERS)
def show_compound(compound_id: int):
    compound = _get_compound(compound_id)
    assignments = compound_assignments(compound.id)
    actions = available_actions(compound, current_user, open_assignment=any(a.is_open for a in assignments))
    return render_template("compounds/detail.html", compound=compound, timeline=compound_timeline(compound.id),
                           assignments=assignments, actions=actions, handover=open_handover_of(compound.id),
                           renovation_projects=compound_projects(compound.id), rooms_known=room_count(compound.id))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
@transaction
def new_compound():
    form = NewCompoundForm()
    form.set_communities(area_choices()[1])
    if form.validate_on_submit():
        try:
            compound = create_compound(current_user, form.fields_dict(), now=utcnow())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("Compound %(name)s registered.", name=compound.name), "success")
            return redirect(url_for(".show_compound", compound_id=compound.id))
    status = 400 if request.method == "POST" else 200
    return render_template("compounds/form.html", form=form, compound=None), status


@bp.route("/<int:compound_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
@transaction
def edit_compound(compound_id: int):
    compound = _get_compound(compound_id)
    form = CompoundForm(obj=compound)
    form.set_communities(area_choices()[1])
    if form.validate_on_submit():
        try:
            changes = update_compound(current_user, compound, form.fields_dict(), now=utcnow(),
                                      kept=("renovation",) if compound_projects(compound.id) else ())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("Changes saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for(".show_compound", compound_id=compound.id))
    status = 400 if request.method == "POST" else 200
    return render_template("compounds/form.html", form=form, compound=compound), status


@bp.route("/import/template.xlsx")
@roles_required(*EDITORS)
def import_template():
    return send_file(io.BytesIO(import_template_xlsx()), as_attachment=True, download_name="小区导入模板.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*EDITORS)
@transaction
def import_file():
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = parse_rows(read_table(upload.filename, upload.read()))
            count = import_compounds(current_user, rows, now=utcnow())
        except ImportRejected as rejected:
            refused(rejected, form)  # it names no field: flashed, above the list of row errors
            errors = rejected.errors
        else:
            flash(_("%(n)d compounds imported.", n=count), "success")
            return redirect(url_for(".list_compounds", sort="-mode_since"))
    status = 400 if request.method == "POST" else 200
    return render_template("compounds/import.html", form=form, errors=errors), status


@bp.route("/<int:compound_id>/rooms", methods=["GET", "POST"])
@roles_required(*EDITORS)
@transaction
def rooms(compound_id: int):
    """The compound's rooms, where officials know them: a resident's opinion then names one of them."""
    compound = _get_compound(compound_id)
    text, error = "\n".join(room_list(compound.id)), None
    if request.method == "POST":
        text = request.form.get("rooms", "")
        try:
            count = set_rooms(current_user, compound, text, now=utcnow())
        except DomainError as exc:
            refused(exc)
            error = exc
        else:
            flash(_("%(n)d rooms in the register.", n=count), "success")
            return redirect(url_for(".show_compound", compound_id=compound.id))
    return render_template("compounds/rooms.html", compound=compound, text=text, error=error), \
        (error.status_code if error else 200)
