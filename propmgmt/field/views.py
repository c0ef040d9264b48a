"""The operator's tablet app (/field) and the dispatcher's verification queue.

Task actions answer JSON to the app's script (which queues them offline) and redirect plain
form posts, so the pages also work without JavaScript; a refused completion shows the task page
again with the message next to its field and what was entered.
"""
import uuid
from datetime import datetime, timezone

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, Signer
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..assessment.queries import open_for_crew
from ..auth.access import public, roles_required
from ..auth.roles import OPERATORS, TASK_PHOTO_VIEWERS, TASK_VERIFIERS
from ..clock import local_today, to_local, utcnow
from ..complaints.labels import PROBLEM_LABELS
from ..complaints.models import Complaint
from ..complaints.policy import FIELD_CATEGORIES
from ..complaints.services import report_from_field
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..offline import idempotency_key, wants_json
from ..offline import service_worker as service_worker_of
from ..periods import Period
from ..photos import read_photos
from ..plans.labels import TASK_STATUS_LABELS
from ..plans.models import ServiceStandard, Task, TaskPhoto
from ..plans.outcomes import OPEN_WORK, finished_late, is_overdue
from ..plans.transitions import Completion, DeviceClaim, complete_task, reject_task, start_task, verify_task
from ..reminders.queries import header_badge
from ..request_args import as_id, page_arg
from ..revalidation import kept, page_version, unchanged
from ..web import on_refusal_go_to, refused, send_photo, transaction
from .queries import (
    case_photo_of,
    cases_of,
    checklist_of,
    day_tasks,
    mine,
    my_days,
    operator_rates,
    photo_required,
    photos_of,
)
from .queries import page_version as task_page_version
from .services import apply_once, task_for, verify_selection
from .workbench import PHOTO_CHOICES, SAMPLE_DAYS, awaiting_rows, read_filter, workbench_choices

bp = Blueprint("field", __name__, url_prefix="/field")
OPERATOR = OPERATORS
VERIFIERS = TASK_VERIFIERS
RATE_DAYS = 30  # the figures beside the queue: the same span as the oversight pages' "last 30 days"


@bp.app_context_processor
def field_labels():
    return {"PROBLEM_LABELS": PROBLEM_LABELS, "OPEN_WORK": OPEN_WORK}


def _device_time() -> datetime | None:
    raw = request.form.get("device_time", "")
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None
    except ValueError:
        raise DomainError(_("The time sent by the tablet is not readable."), field="device_time")
    return value.astimezone(timezone.utc) if value and value.tzinfo else None


def _stamp_signer() -> Signer:
    return Signer(current_app.secret_key, salt="field-page-loaded")


def page_stamp(now: datetime) -> str:
    """When the server rendered a form, signed: a tablet's time before it is not plausible."""
    return _stamp_signer().sign(str(int(now.timestamp()))).decode()


def _page_loaded_at() -> datetime | None:
    try:
        seconds = int(_stamp_signer().unsign(request.form.get("page_loaded", "")))
    except (BadSignature, ValueError):
        return None  # no stamp, or not ours: the tablet's time is not kept (plans.transitions.work_time)
    return datetime.fromtimestamp(seconds, timezone.utc)


def _device() -> DeviceClaim:
    return DeviceClaim(at=_device_time(), offline=request.form.get("offline") == "1",
                       page_loaded_at=_page_loaded_at())


def _photos() -> list:
    return read_photos(request.files.getlist("photos"), limit=6)


def _task_state(item) -> dict:
    """A task's JSON for the script: its state and the word the pages show for it."""
    return {"id": item.id, "status": item.status, "label": str(TASK_STATUS_LABELS[item.status])}


def _run(kind: str, task_id: int | None, action):
    """One submission, applied once per key: JSON for the app's script, a flashed message for a plain form.

    A refusal answers through the app's DomainError handler, in the same two ways: the script reads
    {"error": {"code", "message", "field"}} and its status; a plain form goes back to its page.
    """
    key = idempotency_key()
    on_refusal_go_to(url_for(".task", task_id=task_id) if task_id else url_for(".day"))
    status, body = apply_once(current_user, key, kind, action, now=utcnow(),
                              queued_by=request.form.get("queued_by"))
    if wants_json():
        return jsonify(body), status
    flash(body.get("message", ""), "success")
    return redirect(url_for(".day"))


@bp.route("")
@roles_required(*OPERATOR)
def day():
    """The operator's day. The tablet opens it all day long and it seldom changed since the last time:
    what it shows is read first, as plain rows, and when the tablet's copy shows the same (its
    If-None-Match) the answer is 304 with nothing rendered (revalidation)."""
    now = utcnow()  # one moment: the days and the overdue marks are read at the same time
    tasks = day_tasks(current_user, now=now)
    cases, rectifications = cases_of(tasks), open_for_crew(current_user.crew_id)
    version = page_version(local_today(now), tasks, [t.id for t in tasks if is_overdue(t, now)],
                           [(b.tracking_code, b.category, b.description, b.location, b.resolve_due_at,
                             [p.id for p in b.photos]) for b in sorted(cases.values(), key=lambda b: b.tracking_code)],
                           [(r.id, r.compound.name, r.description, r.deadline, r.deadline < now)
                            for r in rectifications], header_badge(current_user))
    if (not_modified := unchanged(version)) is not None:
        return not_modified
    return kept(make_response(render_template(
        "field/day.html", days=my_days(current_user, now=now, tasks=tasks), now=now, is_overdue=is_overdue,
        cases=cases, page_version=task_page_version, rectifications=rectifications)), version)


PAGES_AT_ONCE = 100


@bp.route("/pages")
@roles_required(*OPERATOR)
def pages():
    """The task pages of the day the tablet asks for (`ids`, `report=1` for the report page), in one
    answer, for its offline cache: one request instead of one per task. Only this operator's tasks."""
    ids = {as_id(part) for part in request.args.get("ids", "").split(",")[:PAGES_AT_ONCE]} - {None}
    items = db.session.scalars(select(Task).options(joinedload(Task.compound), joinedload(Task.service_type))
                               .where(Task.id.in_(ids), mine(current_user)).order_by(Task.id)).all() if ids else []
    photos, cases = photos_of([t.id for t in items]), cases_of(items)  # once for all the pages
    # The pages' standards, held while they render: checklist_of and photo_required then find them in
    # the session instead of reading one per page (the session keeps only what something holds).
    standards = db.session.scalars(select(ServiceStandard).where(  # noqa: F841
        ServiceStandard.id.in_({t.standard_id for t in items if t.standard_id}))).all()
    answer = {url_for(".task", task_id=item.id): _task_page(item, photos=photos, cases=cases)[0] for item in items}
    if request.args.get("report") == "1":
        answer[url_for(".report")] = _report_page()
    response = jsonify(pages=answer)
    response.headers["Cache-Control"] = "no-store"
    return response


def _task_page(item, *, entered: dict | None = None, error: DomainError | None = None, status: int = 200,
               photos: dict | None = None, cases: dict | None = None):
    """The task page; after a refused completion, with `entered` (ticks, note, the photos not kept)
    and the error, shown next to the field it names. `photos` and `cases`: read already for several
    pages at once (/field/pages), else read here for this one."""
    now = utcnow()
    entered = entered or {"ticked": set(), "note": "", "photo_names": []}
    photos = photos_of([item.id]) if photos is None else photos
    return render_template("field/task.html", task=item, checklist=checklist_of(item),
                           photo_required=photo_required(item) or bool(item.complaint_id),
                           photos=photos.get(item.id, []), cases=cases_of([item]) if cases is None else cases,
                           now=now, entered=entered, error=error,
                           keys={"start": uuid.uuid4().hex, "complete": uuid.uuid4().hex},
                           page_loaded=page_stamp(now)), status


@bp.route("/tasks/<int:task_id>")
@roles_required(*OPERATOR)
def task(task_id: int):
    item = task_for(current_user, task_id)  # another's task: 403, a reassigned one: 409, with the reason
    return _task_page(item)


@bp.route("/tasks/<int:task_id>/start", methods=["POST"])
@roles_required(*OPERATOR)
@transaction
def start(task_id: int):
    def action():
        item = start_task(current_user, task_for(current_user, task_id), now=utcnow(), device=_device())
        return 200, {"message": _("Started."), "task": _task_state(item)}, item.id
    return _run("start", task_id, action)


@bp.route("/tasks/<int:task_id>/complete", methods=["POST"])
@roles_required(*OPERATOR)
@transaction
def complete(task_id: int):
    ticked = set(request.form.getlist("check"))

    def action():
        item = task_for(current_user, task_id)
        completion = Completion(checklist={name: name in ticked for name in checklist_of(item)},
                                note=request.form.get("note", ""), photos=_photos())
        item = complete_task(current_user, item, completion, now=utcnow(),
                             upload_dir=current_app.config["UPLOAD_DIR"], device=_device())
        return 200, {"message": _("Completed. Thank you!"), "task": _task_state(item)}, item.id

    try:
        return _run("complete", task_id, action)
    except DomainError as error:
        if wants_json() or isinstance(error, (Forbidden, NotFound)):
            raise  # the script reads the JSON error; not this operator's task: the app's handler says why
        refused(error)  # nothing was kept, the photos neither: the page says which to choose again
        chosen = [f.filename for f in request.files.getlist("photos") if f and f.filename]
        entered = {"ticked": ticked, "note": request.form.get("note", ""), "photo_names": chosen}
        return _task_page(task_for(current_user, task_id), entered=entered, error=error,
                          status=error.status_code)


@bp.route("/report", methods=["GET", "POST"])
@roles_required(*OPERATOR)
@transaction
def report():
    if request.method == "POST":
        def action():
            complaint = report_from_field(current_user, as_id(request.form.get("compound_id")) or 0,
                                          request.form.get("category", ""), request.form.get("note", ""), _photos(),
                                          now=utcnow(), upload_dir=current_app.config["UPLOAD_DIR"],
                                          location=request.form.get("location", ""))
            return 201, {"message": _("Reported to the dispatcher (case %(code)s).", code=complaint.tracking_code),
                         "case": complaint.tracking_code}, None
        return _run("report", None, action)
    return _report_page()


def _report_page() -> str:
    compounds = sorted({t.compound for d in my_days(current_user, now=utcnow()) for g in d.groups for t in g.tasks},
                       key=lambda c: c.name)
    return render_template("field/report.html", compounds=compounds, categories=FIELD_CATEGORIES,
                           key=uuid.uuid4().hex)


@bp.route("/photos/<int:photo_id>")
@roles_required(*TASK_PHOTO_VIEWERS)
def photo(photo_id: int):
    item = db.session.get(TaskPhoto, photo_id) or abort(404)
    if current_user.role == "operator":
        try:
            task_for(current_user, item.task_id)
        except DomainError:
            abort(404)
    return send_photo(item.path, item.thumb_path)


@bp.route("/tasks/<int:task_id>/case-photos/<int:photo_id>")
@roles_required(*OPERATOR)
def case_photo(task_id: int, photo_id: int):
    """A resident's photo of the case the task was made for: only to the operator who may work on it
    (complaints.photo is the dispatchers')."""
    try:
        item = task_for(current_user, task_id)
    except DomainError:
        abort(404)
    photo = case_photo_of(item, photo_id) or abort(404)
    return send_photo(photo.path, photo.thumb_path)


@bp.route("/sw.js")
@public
def service_worker():
    """Served from /field/ so its scope is the field app."""
    return service_worker_of(cache="field-v1", scope="/field", shell=["/field"],
                                  pages=["/field", "/field/tasks/", "/field/report", "/field/photos/"],
                                  fallback="/field")


@bp.route("/verify")
@roles_required(*VERIFIERS)
def verify_queue():
    return _workbench()


def _workbench(refusal: tuple[int, str] | None = None, status: int = 200):
    """The workbench page; `refusal` (task id, message) shows a send-back's refusal next to its field.
    A filter value that cannot be used is said next to its field and left out (400)."""
    now = utcnow()
    choices = workbench_choices(chinese=str(get_locale()).startswith("zh"))
    f, errors = read_filter(request.args, choices, now=now)
    page = db.paginate(awaiting_rows(f), page=page_arg(),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    operators, crews = operator_rates(Period.last_days(RATE_DAYS, now=now), now=now)
    today = local_today(now).isoformat()
    return render_template("field/verify.html", page=page, f=f, errors=errors, choices=choices,
                           photos=photos_of([t.id for t in page.items]), refusal=refusal, today=today,
                           rates=operators, crews=crews, finished_late=finished_late,
                           PHOTO_CHOICES=PHOTO_CHOICES, sample_days=SAMPLE_DAYS), 400 if errors else status


def _back_to_workbench():
    """The workbench as it was shown: the forms post to URLs that carry its query string."""
    return redirect(url_for(".verify_queue", **request.args))


@bp.route("/verify/<int:task_id>/accept", methods=["POST"])
@roles_required(*VERIFIERS)
@transaction
def accept(task_id: int):
    item = db.session.get(Task, task_id) or abort(404)
    on_refusal_go_to(url_for(".verify_queue", **request.args))
    verify_task(current_user, item, now=utcnow())
    flash(_("Verified."), "success")
    return _back_to_workbench()


@bp.route("/verify/selected", methods=["POST"])
@roles_required(*VERIFIERS)
@transaction
def verify_selected():
    on_refusal_go_to(url_for(".verify_queue", **request.args))
    ids = [i for i in map(as_id, request.form.getlist("task")) if i is not None]
    result = verify_selection(current_user, ids, now=utcnow())
    if result.verified:
        flash(_("Verified %(n)d tasks.", n=len(result.verified)), "success")
    if result.not_waiting:
        names = "; ".join(f"{t.compound.name} · {t.service_type.name_zh} {to_local(t.window_start):%m-%d %H:%M}"
                          for t in result.not_waiting)
        flash(_("%(n)d no longer awaited verification (verified or sent back by someone else meanwhile): "
                "%(tasks)s", n=len(result.not_waiting), tasks=names), "info")
    return _back_to_workbench()


@bp.route("/verify/<int:task_id>/reject", methods=["POST"])
@roles_required(*VERIFIERS)
@transaction
def reject(task_id: int):
    item = db.session.get(Task, task_id) or abort(404)
    on_refusal_go_to(url_for(".verify_queue", **request.args))
    try:
        reject_task(current_user, item, request.form.get("reason", ""), now=utcnow())
    except DomainError as error:
        if error.field != "reason":
            raise
        refused(error)
        return _workbench(refusal=(task_id, str(error.message)), status=error.status_code)
    flash(_("Sent back for redo; the operator has been told."), "success")
    return _back_to_workbench()


@bp.route("/problems")
@roles_required(*VERIFIERS)
def problems():
    cases = db.session.scalars(select(Complaint).where(Complaint.source == "field")
                               .order_by(Complaint.received_at.desc()).limit(200)).all()
    return render_template("field/problems.html", cases=cases)
