"""Officials' side of the residents' voice on a project: open and close a consultation, record how the plan
changed, answer supervision notes and see their photos (the project page shows the rest)."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import roles_required
from ..auth.roles import CONSULTATION_EDITORS, RENOVATION_READERS
from ..clock import utcnow
from ..errors import DomainError
from ..extensions import db
from ..photos import read_photos
from ..web import on_refusal_go_to, refused, send_photo, transaction
from .consultation import MAX_ITEMS, ItemData, close_consultation, open_consultation, record_plan_change
from .forms import AnswerForm, ConsultationForm, PlanChangeForm
from .queries import project_detail
from .supervision import answer_note
from .voice_models import Consultation, SupervisionNote, SupervisionPhoto

bp = Blueprint("renovation_voice", __name__, url_prefix="/renovation")


def _items(form: ConsultationForm) -> list[ItemData]:
    """The items typed, with their images checked within one request's budget (photos.read_photos)."""
    uploads = [(i, request.files.get(f"items-{i}-image")) for i in range(len(form.items))]
    with_file = [(i, u) for i, u in uploads if u and u.filename]
    images = dict(zip([i for i, _u in with_file], read_photos([u for _i, u in with_file], limit=MAX_ITEMS),
                      strict=True))
    return [ItemData(entry.text.data or "", images.get(i)) for i, entry in enumerate(form.items)]


@bp.route("/<int:project_id>/consultations/new", methods=["GET", "POST"])
@roles_required(*CONSULTATION_EDITORS)
@transaction
def new_consultation(project_id: int):
    project = project_detail(project_id) or abort(404)
    form = ConsultationForm()
    if form.validate_on_submit():
        try:
            consultation = open_consultation(current_user, project, title=form.title.data, ends_on=form.ends_on.data,
                                             items=_items(form), now=utcnow(),
                                             upload_dir=current_app.config["UPLOAD_DIR"])
        except DomainError as error:
            refused(error, form, fields={"photos": "items"})
            project = project_detail(project_id)
        else:
            flash(_("The consultation “%(title)s” is open on the compounds' public pages.",
                    title=consultation.title), "success")
            return redirect(url_for("renovation.show", project_id=project.id))
    return render_template("renovation/consultation_form.html", form=form, p=project), \
        400 if request.method == "POST" else 200


def _consultation(consultation_id: int) -> Consultation:
    return db.session.get(Consultation, consultation_id) or abort(404)


@bp.route("/consultations/<int:consultation_id>/close", methods=["POST"])
@roles_required(*CONSULTATION_EDITORS)
@transaction
def close(consultation_id: int):
    consultation = _consultation(consultation_id)
    page = url_for("renovation.show", project_id=consultation.project_id)
    on_refusal_go_to(page)
    close_consultation(current_user, consultation, now=utcnow())
    flash(_("The consultation is closed: no more opinions are taken."), "success")
    return redirect(page)


@bp.route("/consultations/<int:consultation_id>/plan-change", methods=["POST"])
@roles_required(*CONSULTATION_EDITORS)
@transaction
def plan_change(consultation_id: int):
    consultation = _consultation(consultation_id)
    page = url_for("renovation.show", project_id=consultation.project_id)
    on_refusal_go_to(page)
    form = PlanChangeForm()
    form.validate_on_submit()
    record_plan_change(current_user, consultation, form.plan_change.data or "", now=utcnow())
    flash(_("How the plan changed is recorded."), "success")
    return redirect(page + "#consultations")


@bp.route("/notes/<int:note_id>/answer", methods=["POST"])
@roles_required(*RENOVATION_READERS)
@transaction
def answer(note_id: int):
    note = db.session.get(SupervisionNote, note_id) or abort(404)
    page = url_for("renovation.show", project_id=note.project_id)
    on_refusal_go_to(page + "#notes")
    form = AnswerForm()
    form.validate_on_submit()
    answer_note(current_user, note, form.answer.data or "", now=utcnow())
    flash(_("The answer is sent: the resident reads it with the note's tracking code."), "success")
    return redirect(page + "#notes")


@bp.route("/notes/<int:note_id>/photos/<int:photo_id>")
@roles_required(*RENOVATION_READERS)
def note_photo(note_id: int, photo_id: int):
    photo = db.session.get(SupervisionPhoto, photo_id)
    if photo is None or photo.note_id != note_id:
        abort(404)
    return send_photo(photo.path, photo.thumb_path)
