"""The dispatcher's case queue (/complaints): deadlines, transitions, hotline import and replies."""
import io

from flask import (
    Blueprint,
    abort,
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
from sqlalchemy.orm import joinedload

from ..auth.access import roles_required
from ..auth.models import User
from ..auth.roles import CASE_HANDLERS, HOTLINE_MAPPING_EDITORS
from ..clock import district_tz, utcnow
from ..compounds.models import Compound
from ..errors import DomainError
from ..extensions import db
from ..orgs.models import Crew, crew_compound
from ..request_args import as_id, choice_arg
from ..tables import ImportRejected
from ..web import on_refusal_go_to, refused, send_photo, transaction
from . import hotline_steps, services
from .exports import hotline_template_xlsx, replies_xlsx
from .hotline import read_tickets
from .labels import (
    DEADLINE_RULE_LABELS,
    DECISION_LABELS,
    NATURE_LABELS,
    PROBLEM_LABELS,
    SEVERITY_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    STEP_LABELS,
    VISIT_LABELS,
)
from .mapping import mapping_rows, remove_mapping, save_mapping
from .models import COMPLAINT_SOURCES, COMPLAINT_STATUSES, Complaint, ComplaintPhoto
from .policy import DEFAULT_HOTLINE_CATEGORY, HOTLINE_CATEGORIES, SLA, available_actions, may_see_contact
from .queries import QueueFilter, dispatcher_queue, next_deadline, photos_of_case, public_history, tasks_of_case

bp = Blueprint("complaints", __name__, url_prefix="/complaints")
HANDLERS = CASE_HANDLERS
MAX_UPLOAD_ROWS = 5000


@bp.app_context_processor
def complaint_labels():
    return {"CASE_STATUS_LABELS": STATUS_LABELS, "SEVERITY_LABELS": SEVERITY_LABELS, "SOURCE_LABELS": SOURCE_LABELS,
            "mask_phone": services.mask_phone, "mask_name": services.mask_name, "NATURE_LABELS": NATURE_LABELS,
            "DEADLINE_RULE_LABELS": DEADLINE_RULE_LABELS, "VISIT_LABELS": VISIT_LABELS, "STEP_LABELS": STEP_LABELS,
            "DECISION_LABELS": DECISION_LABELS}


@bp.route("")
@roles_required(*HANDLERS)
def queue():
    f = QueueFilter(status=choice_arg("status", COMPLAINT_STATUSES), unmatched=request.args.get("unmatched") == "1",
                    source=choice_arg("source", COMPLAINT_SOURCES))
    cases = dispatcher_queue(f)
    return render_template("complaints/queue.html", cases=cases, filter=f, now=utcnow(), next_deadline=next_deadline,
                           PROBLEM_LABELS=PROBLEM_LABELS, statuses=COMPLAINT_STATUSES, sources=COMPLAINT_SOURCES)


def _case(complaint_id: int) -> Complaint:
    return db.session.get(Complaint, complaint_id) or abort(404)


@bp.route("/<int:complaint_id>")
@roles_required(*HANDLERS)
def show(complaint_id: int):
    complaint = _case(complaint_id)
    crews = db.session.scalars(select(Crew).order_by(Crew.name)).all()
    operators = db.session.scalars(select(User).options(joinedload(User.crew))
                                   .where(User.role == "operator", User.active)
                                   .order_by(User.display_name, User.work_no)).all()
    serving = set(db.session.scalars(select(crew_compound.c.crew_id).where(
        crew_compound.c.compound_id == complaint.compound_id))) if complaint.compound_id else set()
    # The compound's own crew first: the person to send is almost always one of them.
    operator_groups = [(_("This compound's crew"), [u for u in operators if u.crew_id in serving]),
                       (_("Other operators"), [u for u in operators if u.crew_id not in serving])]
    compounds = []
    if complaint.compound_id is None and complaint.hotline_compound_name:
        from ..database import contains
        compounds = db.session.scalars(select(Compound).where(contains(Compound.name,
                                                                       complaint.hotline_compound_name[:4]))
                                       .order_by(Compound.name).limit(30)).all()
    return render_template("complaints/detail.html", case=complaint, photos=photos_of_case(complaint.id),
                           tasks=tasks_of_case(complaint.id), history=public_history(complaint), crews=crews,
                           operator_groups=[g for g in operator_groups if g[1]],
                           compounds=compounds, now=utcnow(), next_deadline=next_deadline,
                           PROBLEM_LABELS=PROBLEM_LABELS, actions=available_actions(complaint, current_user),
                           show_contact=may_see_contact(current_user),
                           steps=hotline_steps.steps_of(complaint.id) if complaint.source == "hotline" else [],
                           return_until=hotline_steps.return_window_ends(complaint))


@bp.route("/photos/<int:photo_id>")
@roles_required(*HANDLERS)
def photo(photo_id: int):
    item = db.session.get(ComplaintPhoto, photo_id) or abort(404)
    return send_photo(item.path, item.thumb_path)


def _act(complaint_id: int, action, done: str):
    """One step of the case, back on its page (a refusal too: the app's DomainError handler)."""
    page = url_for(".show", complaint_id=complaint_id)
    on_refusal_go_to(page)
    action(_case(complaint_id))
    flash(done, "success")
    return redirect(page)


def _int_field(name: str) -> int | None:
    return as_id(request.form.get(name))


@bp.route("/<int:complaint_id>/acknowledge", methods=["POST"])
@roles_required(*HANDLERS)
@transaction
def acknowledge(complaint_id: int):
    return _act(complaint_id, lambda c: services.acknowledge(current_user, c, now=utcnow()), _("Acknowledged."))


@bp.route("/<int:complaint_id>/dispatch", methods=["POST"])
@roles_required(*HANDLERS)
@transaction
def dispatch(complaint_id: int):
    return _act(complaint_id, lambda c: services.dispatch(current_user, c, now=utcnow(), crew_id=_int_field("crew_id"),
                                                          assignee_id=_int_field("assignee_id")),
                _("Dispatched: the task is in the operator's day."))


@bp.route("/<int:complaint_id>/resolve", methods=["POST"])
@roles_required(*HANDLERS)
@transaction
def resolve(complaint_id: int):
    return _act(complaint_id, lambda c: services.resolve(current_user, c, now=utcnow(),
                                                         note=request.form.get("note", "")), _("Resolved."))


@bp.route("/<int:complaint_id>/close", methods=["POST"])
@roles_required(*HANDLERS)
@transaction
def close(complaint_id: int):
    return _act(complaint_id, lambda c: services.close(current_user, c, now=utcnow()), _("Closed."))


@bp.route("/<int:complaint_id>/match", methods=["POST"])
@roles_required(*HANDLERS)
@transaction
def match(complaint_id: int):
    return _act(complaint_id, lambda c: services.match_to_compound(current_user, c, _int_field("compound_id") or 0,
                                                                   now=utcnow()),
                _("Matched to the compound."))


@bp.route("/hotline/template.xlsx")
@roles_required(*HANDLERS)
def hotline_template():
    return send_file(io.BytesIO(hotline_template_xlsx()), as_attachment=True, download_name="12345导入模板.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/hotline/import", methods=["GET", "POST"])
@roles_required(*HANDLERS)
@transaction
def hotline_import():
    report, error = None, None
    if request.method == "POST":
        upload = request.files.get("file")
        if not upload or not upload.filename:
            error = _("Choose a file (.csv or .xlsx).")
        else:
            try:
                rows = read_tickets(upload.filename, upload.read())
                if len(rows) > MAX_UPLOAD_ROWS:
                    raise DomainError(_("At most %(n)d tickets per file.", n=MAX_UPLOAD_ROWS))
                report = services.import_hotline_rows(current_user, rows, now=utcnow())
            except ImportRejected as rejected:
                refused(rejected)
                error = "; ".join(e.message for e in rejected.errors) or _("The file is empty.")
            except DomainError as exc:
                refused(exc)
                error = str(exc.message)
    return render_template("complaints/import.html", report=report, error=error, PROBLEM_LABELS=PROBLEM_LABELS,
                           default_category=DEFAULT_HOTLINE_CATEGORY), (400 if error else 200)


def _local_time(name: str):
    """A datetime-local field (2026-11-06T18:00) in district time, None when empty; a bad value is refused."""
    from datetime import datetime
    value = (request.form.get(name) or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise DomainError(_("Give the date and time as on the form."), field=name)
    if not 2000 <= moment.year <= 2100:
        raise DomainError(_("Give the date and time as on the form."), field=name)
    return moment.replace(tzinfo=district_tz()) if moment.tzinfo is None else moment


@bp.route("/<int:complaint_id>/hotline/sign", methods=["POST"])
@roles_required(*HANDLERS)
@transaction
def hotline_sign(complaint_id: int):
    return _act(complaint_id, lambda c: hotline_steps.sign(current_user, c, now=utcnow()),
                _("Signed for: the reply sheet tells the hotline."))


@bp.route("/<int:complaint_id>/hotline/return", methods=["POST"])
@roles_required(*HANDLERS)
@transaction
def hotline_return(complaint_id: int):
    return _act(complaint_id, lambda c: hotline_steps.send_back(current_user, c, request.form.get("reason", ""),
                                                                now=utcnow()),
                _("Sent back to the hotline; the case is closed."))


@bp.route("/<int:complaint_id>/hotline/extension", methods=["POST"])
@roles_required(*HANDLERS)
@transaction
def hotline_extension(complaint_id: int):
    return _act(complaint_id, lambda c: hotline_steps.request_extension(
        current_user, c, request.form.get("reason", ""), _local_time("until"), now=utcnow()),
        _("Extension requested: the deadline moves when the hotline approves."))


@bp.route("/<int:complaint_id>/hotline/extension/decide", methods=["POST"])
@roles_required(*HANDLERS)
@transaction
def hotline_extension_decide(complaint_id: int):
    return _act(complaint_id, lambda c: hotline_steps.decide_extension(
        current_user, c, request.form.get("decision", ""), now=utcnow()), _("The hotline's decision is recorded."))


@bp.route("/<int:complaint_id>/hotline/reply", methods=["POST"])
@roles_required(*HANDLERS)
@transaction
def hotline_reply(complaint_id: int):
    return _act(complaint_id, lambda c: hotline_steps.record_reply(
        current_user, c, handler_name=request.form.get("handler_name", ""), contacted_at=_local_time("contacted_at"),
        now=utcnow()), _("Saved for the reply sheet."))


@bp.route("/hotline/categories", methods=["GET", "POST"])
@roles_required(*HOTLINE_MAPPING_EDITORS)
@transaction
def hotline_categories():
    """The officials' table: the hotline's classification -> our category (the defaults apply under it)."""
    if request.method == "POST":
        on_refusal_go_to(url_for(".hotline_categories"))
        save_mapping(current_user, request.form.get("classification", ""), request.form.get("category", ""),
                     now=utcnow())
        flash(_("Saved: the next import uses it."), "success")
        return redirect(url_for(".hotline_categories"))
    return render_template("complaints/categories.html", rows=mapping_rows(), defaults=HOTLINE_CATEGORIES,
                           categories=list(SLA), PROBLEM_LABELS=PROBLEM_LABELS)


@bp.route("/hotline/categories/<int:item_id>/delete", methods=["POST"])
@roles_required(*HOTLINE_MAPPING_EDITORS)
@transaction
def hotline_category_delete(item_id: int):
    on_refusal_go_to(url_for(".hotline_categories"))
    remove_mapping(current_user, item_id, now=utcnow())
    flash(_("Removed: the default words apply again."), "success")
    return redirect(url_for(".hotline_categories"))


@bp.route("/hotline/replies.xlsx")
@roles_required(*HANDLERS)
def hotline_replies():
    cases = db.session.scalars(select(Complaint).where(Complaint.source == "hotline")
                               .order_by(Complaint.received_at)).all()
    return send_file(io.BytesIO(replies_xlsx(cases, now=utcnow())), as_attachment=True,
                     download_name="12345-replies.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
