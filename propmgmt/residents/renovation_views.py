"""The residents' voice on renovation projects, from the compound's public page (no account): an opinion in
a consultation before the works, a supervision note during them, and the note followed by its tracking code.
Public posts share the reports' rate limits (complaints.services.check_report_rate)."""

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..auth.access import public
from ..clock import local_today, utcnow
from ..complaints.services import MAX_PHOTOS
from ..compounds.models import Compound
from ..compounds.queries import compound_by_public_code
from ..devices import this_device, with_device
from ..errors import DomainError, NotFound
from ..extensions import db
from ..photos import read_photos
from ..renovation.consultation import give_opinion
from ..renovation.models import Project
from ..renovation.supervision import SUPERVISED_STAGE, file_note, find_note
from ..renovation.voice_models import Consultation, ConsultationItem
from ..web import refused, send_photo, transaction

bp = Blueprint("residents_renovation", __name__, url_prefix="/r")


def _covering(compound: Compound, project: Project | None) -> Project:
    if project is None or compound.id not in {c.id for c in project.compounds}:
        abort(404)
    return project


@bp.route("/<code>/consultations/<int:consultation_id>", methods=["GET", "POST"])
@public
@transaction
def consult(code: str, consultation_id: int):
    compound = compound_by_public_code(code) or abort(404)
    consultation = db.session.get(Consultation, consultation_id) or abort(404)
    _covering(compound, consultation.project)
    form = {"room": request.form.get("room", ""), "text": request.form.get("text", ""),
            "votes": {i.id: request.form.get(f"item-{i.id}", "") for i in consultation.items}}
    error, status = None, 200
    if request.method == "POST":
        votes = {item_id: value == "support" for item_id, value in form["votes"].items()
                 if value in ("support", "oppose")}
        try:
            give_opinion(compound, consultation, room=form["room"], votes=votes, text=form["text"],
                         device=this_device(), address=request.remote_addr, now=utcnow(),
                         honeypot=request.form.get("website", ""))
        except DomainError as exc:
            refused(exc)
            error, status = exc, exc.status_code
        else:
            flash(_("Thank you: your household's opinion is counted."), "success")
            return redirect(url_for("residents.compound_page", code=compound.public_code), code=303)
    page = render_template("residents/consultation.html", compound=compound, consultation=consultation,
                           is_open=consultation.is_open(local_today()),
                           form=form, error=error)
    return with_device(make_response(page, status))


@bp.route("/<code>/consultations/<int:consultation_id>/items/<int:item_id>")
@public
def item_image(code: str, consultation_id: int, item_id: int):
    """The drawing or photo of an item of the plan (the officials', public like the plan)."""
    compound = compound_by_public_code(code) or abort(404)
    item = db.session.get(ConsultationItem, item_id)
    if item is None or item.consultation_id != consultation_id or not item.image_path:
        abort(404)
    _covering(compound, item.consultation.project)
    return send_photo(item.image_path, item.thumb_path, public=True)


@bp.route("/<code>/supervise/<int:project_id>", methods=["GET", "POST"])
@public
@transaction
def supervise(code: str, project_id: int):
    compound = compound_by_public_code(code) or abort(404)
    project = _covering(compound, db.session.get(Project, project_id))
    form = {"text": request.form.get("text", "")}
    error, status = None, 200
    if request.method == "POST":
        try:
            note = file_note(compound, project, text=form["text"],
                             photos=lambda: read_photos(request.files.getlist("photos"), limit=MAX_PHOTOS),
                             address=request.remote_addr, now=utcnow(),
                             upload_dir=current_app.config["UPLOAD_DIR"], honeypot=request.form.get("website", ""))
        except DomainError as exc:
            refused(exc)
            error, status = exc, exc.status_code
        else:
            flash(_("Your note was received. Keep its tracking code: %(code)s", code=note.tracking_code), "success")
            return redirect(url_for(".note", tracking_code=note.tracking_code), code=303)
    latest = project.progress[0].percent if project.progress else 0
    return render_template("residents/supervise.html", compound=compound, project=project, percent=latest,
                           is_open=project.stage == SUPERVISED_STAGE, form=form, error=error), status


@bp.route("/notes")
@public
def find():
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for(".note", tracking_code=code[:16].upper()))
    return render_template("residents/note_find.html")


@bp.route("/notes/<tracking_code>")
@public
@transaction
def note(tracking_code: str):
    try:
        found = find_note(tracking_code, address=request.remote_addr, now=utcnow())
    except NotFound as exc:
        return render_template("residents/note_find.html", error=exc.message, code=tracking_code[:16]), 404
    return render_template("residents/note.html", note=found)
