"""The residents' window (no account): a compound's public page reached by its QR code, reporting
a problem, following it by its tracking code and rating the result; the posters for printing.
"""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import public, roles_required
from ..auth.roles import POSTER_PRINTERS
from ..clock import local_today, utcnow
from ..complaints import services
from ..complaints.labels import PROBLEM_LABELS, STATUS_LABELS
from ..complaints.policy import RESIDENT_CATEGORIES, SLA
from ..complaints.queries import public_history
from ..compounds.models import Community, Compound, Subdistrict
from ..compounds.queries import compound_by_public_code
from ..errors import DomainError, NotFound
from ..extensions import db
from ..photos import read_photos
from ..renovation.voice_queries import public_voice
from ..settlement.queries import latest_score_of
from ..web import on_refusal_go_to, refused, send_photo, transaction
from .posters import poster_pdf, qr_svg
from .queries import case_work_photo, case_work_photos, public_photo, public_record

bp = Blueprint("residents", __name__, url_prefix="/r")
PRINTERS = POSTER_PRINTERS


def _public_url(compound: Compound) -> str:
    return url_for("residents.compound_page", code=compound.public_code, _external=True)


@bp.route("/<code>")
@public
def compound_page(code: str):
    compound = compound_by_public_code(code) or abort(404)
    if current_user.is_authenticated and current_user.role == "inspector":
        # The compound's QR poster, scanned by a signed-in inspector, opens the spot-check form.
        return redirect(url_for("assessment.new_check", code=code))
    from ..handovers.labels import STAGE_LABELS
    return render_template("residents/compound.html", record=public_record(compound, now=utcnow()),
                           STATUS_LABELS=STATUS_LABELS, STAGE_LABELS=STAGE_LABELS,
                           latest_score=latest_score_of(compound.id), compound=compound,
                           voice=public_voice(compound.id, local_today()))


@bp.route("/<code>/photos/<int:photo_id>")
@public
def photo(code: str, photo_id: int):
    """Thumbnails only: enough to see the work, no full-size image of someone's doorway."""
    compound = compound_by_public_code(code) or abort(404)
    item = public_photo(compound, photo_id) or abort(404)
    return send_photo(item.path, item.thumb_path, public=True, thumbs_only=True)


@bp.route("/<code>/qr.svg")
@public
def qr(code: str):
    compound = compound_by_public_code(code) or abort(404)
    response = make_response(qr_svg(_public_url(compound)))
    response.mimetype = "image/svg+xml"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def _work_phones(record) -> list[str]:
    return [phone for _name, phone in record.crews if phone]


@bp.route("/<code>/poster.pdf")
@roles_required(*PRINTERS)
def poster(code: str):
    compound = compound_by_public_code(code) or abort(404)
    record = public_record(compound, now=utcnow())
    response = make_response(poster_pdf([(compound, _public_url(compound), _work_phones(record))]))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f"inline; filename=poster-{compound.public_code}.pdf"
    return response


@bp.route("/posters")
@roles_required(*PRINTERS)
def posters():
    subdistricts = db.session.scalars(select(Subdistrict).order_by(Subdistrict.name)).all()
    return render_template("residents/posters.html", subdistricts=subdistricts)


@bp.route("/posters/<int:subdistrict_id>.pdf")
@roles_required(*PRINTERS)
def subdistrict_posters(subdistrict_id: int):
    subdistrict = db.session.get(Subdistrict, subdistrict_id) or abort(404)
    compounds = db.session.scalars(select(Compound).join(Community, Community.id == Compound.community_id)
                                   .where(Community.subdistrict_id == subdistrict.id)
                                   .order_by(Community.name, Compound.name)).all()
    if not compounds:
        flash(_("This subdistrict has no compounds."), "error")
        return redirect(url_for(".posters"))
    from ..orgs.models import Crew, crew_compound
    phones: dict[int, list[str]] = {}
    for compound_id, phone in db.session.execute(
            select(crew_compound.c.compound_id, Crew.work_phone).join(Crew, Crew.id == crew_compound.c.crew_id)
            .where(crew_compound.c.compound_id.in_([c.id for c in compounds]), Crew.work_phone != "")):
        phones.setdefault(compound_id, []).append(phone)
    response = make_response(poster_pdf([(c, _public_url(c), phones.get(c.id, [])) for c in compounds]))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f"attachment; filename=posters-{subdistrict.id}.pdf"
    return response


def _photos() -> list:
    return read_photos(request.files.getlist("photos"), limit=services.MAX_PHOTOS)


@bp.route("/<code>/report", methods=["GET", "POST"])
@public
@transaction
def report(code: str):
    compound = compound_by_public_code(code) or abort(404)
    form = {"category": request.form.get("category", ""), "description": request.form.get("description", ""),
            "contact_phone": request.form.get("contact_phone", ""), "location": request.form.get("location", "")}
    error, status = None, 200
    if request.method == "POST":
        try:
            complaint = services.submit_report(
                compound, category=form["category"], description=form["description"],
                contact_phone=form["contact_phone"], location=form["location"], photos=_photos,
                address=request.remote_addr, now=utcnow(), upload_dir=current_app.config["UPLOAD_DIR"],
                honeypot=request.form.get("website", ""))
        except DomainError as exc:
            refused(exc)  # the page shows it beside the field it names
            error, status = exc, exc.status_code
        else:
            flash(_("Your report was received. Keep your tracking code: %(code)s", code=complaint.tracking_code),
                  "success")
            return redirect(url_for(".track", tracking_code=complaint.tracking_code))
    return render_template("residents/report.html", compound=compound, categories=RESIDENT_CATEGORIES,
                           PROBLEM_LABELS=PROBLEM_LABELS, SLA=SLA, form=form, error=error), status


@bp.route("/track", methods=["GET"])
@public
def find_case():
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for(".track", tracking_code=code[:16].upper()))
    return render_template("residents/find.html")


def _case(tracking_code: str):
    """The case of a tracking code, or None (the miss is counted: the view answers 404 and commits)."""
    try:
        return services.find_case(tracking_code, address=request.remote_addr, now=utcnow())
    except NotFound:
        return None


def _no_such_case(tracking_code: str):
    return render_template("residents/find.html", error=_("No case has this tracking code. Please check the code "
                                                          "and try again."), code=tracking_code[:16]), 404


@bp.route("/track/<tracking_code>")
@public
@transaction
def track(tracking_code: str):
    complaint = _case(tracking_code)
    if complaint is None:
        return _no_such_case(tracking_code)
    return render_template("residents/track.html", case=complaint, history=public_history(complaint),
                           work_photos=case_work_photos(complaint), STATUS_LABELS=STATUS_LABELS,
                           PROBLEM_LABELS=PROBLEM_LABELS)


@bp.route("/track/<tracking_code>/photos/<int:photo_id>")
@public
@transaction
def case_photo(tracking_code: str, photo_id: int):
    """A photo of the work done on this case (the operator's, at completion), for its resident."""
    complaint = _case(tracking_code)
    item = complaint and case_work_photo(complaint, photo_id)
    if not item:
        return _no_such_case(tracking_code)
    return send_photo(item.path, item.thumb_path)


def _act(tracking_code: str, action):
    """A resident's step on their case, back on its page (a refusal too: the app's DomainError handler)."""
    on_refusal_go_to(url_for(".track", tracking_code=tracking_code), code=303)
    complaint = _case(tracking_code)
    if complaint is None:
        return _no_such_case(tracking_code)
    action(complaint)
    return redirect(url_for(".track", tracking_code=complaint.tracking_code), code=303)


@bp.route("/track/<tracking_code>/rate", methods=["POST"])
@public
@transaction
def rate(tracking_code: str):
    return _act(tracking_code, lambda c: (services.rate(c, request.form.get("rating"), request.form.get("comment", ""),
                                                        now=utcnow()),
                                          flash(_("Thank you for your rating."), "success")))


@bp.route("/track/<tracking_code>/reopen", methods=["POST"])
@public
@transaction
def reopen(tracking_code: str):
    return _act(tracking_code, lambda c: (services.reopen(c, request.form.get("reason", ""), now=utcnow()),
                                          flash(_("The case was reopened; the dispatcher will follow up."),
                                                "success")))
