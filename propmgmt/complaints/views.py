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
from ..auth.roles import CASE_HANDLERS
from ..clock import utcnow
from ..compounds.models import Compound
from ..errors import DomainError
from ..extensions import db
from ..orgs.models import Crew, crew_compound
from ..request_args import as_id, choice_arg
from ..tables import ImportRejected
from ..web import on_refusal_go_to, refused, send_photo, transaction
from . import services
from .exports import hotline_template_xlsx, replies_xlsx
from .hotline import read_tickets
from .labels import PROBLEM_LABELS, SEVERITY_LABELS, SOURCE_LABELS, STATUS_LABELS
from .models import COMPLAINT_SOURCES, COMPLAINT_STATUSES, Complaint, ComplaintPhoto
from .policy import available_actions, may_see_contact
from .queries import QueueFilter, dispatcher_queue, next_deadline, photos_of_case, public_history, tasks_of_case

bp = Blueprint("complaints", __name__, url_prefix="/complaints")
HANDLERS = CASE_HANDLERS
MAX_UPLOAD_ROWS = 5000


@bp.app_context_processor
def complaint_labels():
    return {"CASE_STATUS_LABELS": STATUS_LABELS, "SEVERITY_LABELS": SEVERITY_LABELS, "SOURCE_LABELS": SOURCE_LABELS,
            "mask_phone": services.mask_phone}


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
                           show_contact=may_see_contact(current_user))


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
    return render_template("complaints/import.html", report=report, error=error), (400 if error else 200)


@bp.route("/hotline/replies.xlsx")
@roles_required(*HANDLERS)
def hotline_replies():
    cases = db.session.scalars(select(Complaint).where(Complaint.source == "hotline")
                               .order_by(Complaint.received_at)).all()
    return send_file(io.BytesIO(replies_xlsx(cases, now=utcnow())), as_attachment=True,
                     download_name="12345-replies.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
