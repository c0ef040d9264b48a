"""Assessment pages: the policy and its versions, a month's scores, a compound's history, the
inspector's spot-check form, rectifications."""
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import public, roles_required
from ..auth.roles import (
    ASSESSMENT_POLICY_EDITORS,
    ASSESSMENT_READERS,
    OPERATORS,
    RECTIFICATION_VERIFIERS,
    SPOT_CHECKERS,
)
from ..clock import utcnow
from ..compounds.models import Compound
from ..compounds.queries import compound_by_public_code
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..offline import idempotency_key, refuse_another_users_record, wants_json
from ..offline import service_worker as service_worker_of
from ..paging import ListPage
from ..photos import read_photos
from ..plans.models import ServiceType
from ..request_args import as_id, choice_arg, page_arg
from ..web import on_refusal_go_to, refused, send_photo, transaction
from . import policy as rules
from .forms import FixForm, PolicyForm, ReasonForm, form_data
from .labels import FIGURE_LABELS, KIND_LABELS, RECTIFICATION_LABELS, RULE_LABELS
from .models import RECTIFICATION_STATUSES, SpotCheck, SpotCheckPhoto
from .months import current_month, month_named, month_period, parse_month, previous_month
from .queries import (
    checks_of_compound,
    compounds_to_check,
    policy_row_for,
    policy_versions,
    recent_checks,
    rectifications,
)
from .scores import month_scores
from .services import CheckIn, Finding, record_spot_check, report_fixed, save_policy, verify_rectification

bp = Blueprint("assessment", __name__, url_prefix="/assessment")
HISTORY_MONTHS = 12
RECTIFICATION_VIEWERS = (*RECTIFICATION_VERIFIERS, *OPERATORS)  # operators: their crew's
# The tasks behind an automatic figure (/oversight/tasks?outcome=...), for the month page's links.
TASK_OUTCOMES = {"on_time_rate": "on_time", "first_pass_rate": "first_pass", "missed": "missed"}


@bp.app_context_processor
def labels():
    return {"FIGURE_LABELS": FIGURE_LABELS, "KIND_LABELS": KIND_LABELS, "RULE_LABELS": RULE_LABELS,
            "RECTIFICATION_LABELS": RECTIFICATION_LABELS}


def _frozen_through() -> date | None:
    from ..settlement.queries import last_approved_month
    return last_approved_month()


def _policy_form() -> PolicyForm:
    """A new version's form, filled in with the version in force (or blank, for the first one)."""
    row = policy_row_for(utcnow())
    types = list(db.session.scalars(select(ServiceType).order_by(ServiceType.id)))
    data = form_data(row.document if row else {}, types)
    data["effective_month"] = current_month(utcnow()).strftime("%Y-%m")
    return PolicyForm(formdata=None, data=data)


@bp.route("/policy")
@roles_required(*ASSESSMENT_READERS)
def policy_page():
    """The version in force, its history, and for officials the form for a new version."""
    row = policy_row_for(utcnow())
    return render_template("assessment/policy.html", row=row, policy=rules.parse(row.document) if row else None,
                           versions=policy_versions(), form=_policy_form(),
                           can_edit=current_user.role in ASSESSMENT_POLICY_EDITORS)


@bp.route("/policy", methods=["POST"])
@roles_required(*ASSESSMENT_POLICY_EDITORS)
@transaction
def save_policy_version():
    form = PolicyForm()
    if form.validate_on_submit():
        try:
            save_policy(current_user, form.document(), effective_month=month_named(form.effective_month.data),
                        note=form.note.data or "", now=utcnow(), frozen_through=_frozen_through())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("The new version of the policy is saved."), "success")
            return redirect(url_for(".policy_page"))
    row = policy_row_for(utcnow())
    return render_template("assessment/policy.html", row=row, policy=rules.parse(row.document) if row else None,
                           versions=policy_versions(), form=form, can_edit=True), 400


@bp.route("/months/<month>")
@roles_required(*ASSESSMENT_READERS)
def month_page(month: str):
    """Every compound's score for the month, with its items and the figures behind them."""
    now = utcnow()
    chosen = parse_month(month, now=now)
    row = policy_row_for(chosen)
    if row is None:
        return render_template("assessment/month.html", month=chosen, policy=None, rows=[], scores=None)
    policy = rules.parse(row.document)
    scores = month_scores(chosen, policy, now)
    compounds = {c.id: c for c in db.session.scalars(select(Compound).where(Compound.id.in_(list(scores.scores))))}
    rows = sorted(((compounds[cid], s) for cid, s in scores.scores.items()),
                  key=lambda pair: (pair[1].score is None, pair[1].score or 0, pair[0].name))
    page = ListPage(rows, page_arg(), current_app.config["PAGE_SIZE"])
    return render_template("assessment/month.html", month=chosen, policy=policy, row=row, rows=rows, page=page,
                           previous=previous_month(chosen), current=current_month(now),
                           period=month_period(chosen).args(), TASK_OUTCOMES=TASK_OUTCOMES)


@bp.route("/compounds/<int:compound_id>")
@roles_required(*ASSESSMENT_READERS)
def compound_history(compound_id: int):
    """A compound's score month by month, and this month's checks."""
    compound = db.session.get(Compound, compound_id) or abort(404)
    now = utcnow()
    months, history = [], []
    month = current_month(now)
    for _n in range(HISTORY_MONTHS):
        months.append(month)
        month = previous_month(month)
    for month in months:
        row = policy_row_for(month)
        if row is None:
            continue
        score = month_scores(month, rules.parse(row.document), now, [compound.id]).scores[compound.id]
        history.append((month, score))
    return render_template("assessment/compound.html", compound=compound, history=history,
                           checks=checks_of_compound(compound.id, current_month(now)),
                           rectifications=db.session.scalars(rectifications(compound_id=compound.id).limit(20)).unique().all())


# --- spot checks -------------------------------------------------------------------------------------

@bp.route("/checks")
@roles_required(*SPOT_CHECKERS)
def checks():
    """The inspector's start page: pick a compound (or open it from its QR poster), the recent checks."""
    text = (request.args.get("q") or "").strip()[:60]
    found = []
    if text:
        from ..database import contains
        found = list(db.session.scalars(select(Compound).where(contains(Compound.name, text))
                                        .order_by(Compound.name).limit(20)))
    row = policy_row_for(utcnow())
    return render_template("assessment/checks.html", q=text, found=found,
                           recent=recent_checks(inspector_id=current_user.id, limit=20),
                           to_check=compounds_to_check(current_user.id, current_month(utcnow())),
                           policy_version=row.version if row else 0)


@bp.route("/checks/new")
@roles_required(*SPOT_CHECKERS)
def new_check():
    compound = _compound_arg()
    row = policy_row_for(utcnow())
    if row is None:
        flash(_("There is no assessment policy yet; an official must set one first."), "error")
        return redirect(url_for(".checks"))
    return render_template("assessment/check_form.html", compound=compound, policy=rules.parse(row.document),
                           values={}, errors={}, key=uuid.uuid4().hex)


def _compound_arg() -> Compound:
    compound_id, code = as_id(request.values.get("compound")), (request.values.get("code") or "").strip()[:32]
    compound = db.session.get(Compound, compound_id) if compound_id else None
    if compound is None and code:
        compound = compound_by_public_code(code)
    if compound is None:
        raise NotFound(_("There is no such compound."))
    return compound


def _decimal(name: str, low, high) -> Decimal | None:
    text = (request.form.get(name) or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise DomainError(_("The location could not be read; check in again."), field="location")
    if not value.is_finite() or not low <= value <= high:
        raise DomainError(_("The location could not be read; check in again."), field="location")
    return value


def _check_in(now: datetime) -> CheckIn:
    text = (request.form.get("checked_at") or "").strip()
    try:
        checked_at = datetime.fromisoformat(text.replace("Z", "+00:00")) if text else now
    except ValueError:
        raise DomainError(_("The device's time could not be read; check in again."), field="checked_at")
    if checked_at.tzinfo is None:
        checked_at = checked_at.replace(tzinfo=timezone.utc)
    accuracy = _decimal("accuracy", 0, 100000)
    return CheckIn(checked_at.astimezone(timezone.utc), _decimal("latitude", -90, 90),
                   _decimal("longitude", -180, 180), int(accuracy) if accuracy is not None else None)


PHOTOS_PER_CHECK = 12  # all the check's defect photos together, decoded within one request's budget


def _findings(policy) -> list[Finding]:
    answered, uploads = [], []
    for item in policy.spot_items:
        answer = request.form.get(f"result_{item.code}")
        if answer not in ("pass", "defects"):
            continue
        defects = 0
        if answer == "defects":
            text = (request.form.get(f"defects_{item.code}") or "").strip()
            if not text.isdigit() or not 1 <= int(text) <= 99:
                raise DomainError(_("Give the number of defects (1 to 99)."), field=f"defects_{item.code}")
            defects = int(text)
        files = [f for f in request.files.getlist(f"photo_{item.code}") if f and f.filename]
        answered.append((item.code, defects, (request.form.get(f"note_{item.code}") or "")[:500], len(files)))
        uploads += files
    images = iter(read_photos(uploads, limit=PHOTOS_PER_CHECK))
    return [Finding(code, defects, note, tuple(next(images) for _ in range(count)))
            for code, defects, note, count in answered]


@bp.route("/checks", methods=["POST"])
@roles_required(*SPOT_CHECKERS)
@transaction
def submit_check():
    """The phone's submission, from its queue (JSON) or a plain form post. Its key makes a resend (a
    lost answer, a queue syncing twice) apply once: record_spot_check returns the first check."""
    compound = _compound_arg()
    on_refusal_go_to(url_for(".new_check", compound=compound.id))
    refuse_another_users_record(current_user, request.form.get("queued_by"))
    now = utcnow()
    row = policy_row_for(now)
    if row is None:
        raise DomainError(_("There is no assessment policy yet; an official must set one first."))
    policy = rules.parse(row.document)
    try:
        check = record_spot_check(current_user, compound, _check_in(now), _findings(policy), now=now,
                                  upload_dir=current_app.config["UPLOAD_DIR"], key=idempotency_key(),
                                  note=request.form.get("note") or "")
    except DomainError as error:
        if wants_json() or isinstance(error, (Forbidden, NotFound)):
            raise  # the queue's script reads the JSON error; the app's handler answers it
        refused(error)
        values = request.form.to_dict()
        return render_template("assessment/check_form.html", compound=compound, policy=policy, values=values,
                               errors={error.field or "": str(error.message)}, key=uuid.uuid4().hex), 400
    messages = _saved_messages(check)
    if wants_json():
        return jsonify(message=" ".join(text for text, _category in messages),
                       check={"id": check.id, "defects": sum(item.defects for item in check.items),
                              "far_away": check.far_away, "replayed": check.replayed}), 200 if check.replayed else 201
    for text, category in messages:
        flash(text, category)
    return redirect(url_for(".checks"))


def _saved_messages(check: SpotCheck) -> list[tuple[str, str]]:
    if check.replayed:
        return [(_("This check was already received."), "success")]
    defects = sum(item.defects for item in check.items)
    messages = [(_("The check is saved: %(n)d defects, each a rectification for the crew.", n=defects) if defects
                 else _("The check is saved: no defects."), "success")]
    if check.far_away:
        messages.append((_("The check-in was %(km).1f km from the compound; it is kept and flagged.",
                           km=check.distance_m / 1000), "warning"))
    return messages


@bp.route("/sw.js")
@public
def service_worker():
    """The inspector's pages without signal: the list of compounds to check and their forms."""
    return service_worker_of(cache="assessment-v1", scope="/assessment", shell=["/assessment/checks"],
                             pages=["/assessment/checks", "/assessment/checks/new"], fallback="/assessment/checks")


@bp.route("/photos/<int:photo_id>")
@roles_required(*RECTIFICATION_VIEWERS)
def photo(photo_id: int):
    found = db.session.get(SpotCheckPhoto, photo_id) or abort(404)
    return send_photo(found.path, found.thumb_path)


# --- rectifications ----------------------------------------------------------------------------------

@bp.route("/rectifications")
@roles_required(*RECTIFICATION_VIEWERS)
def rectification_list():
    status = choice_arg("status", RECTIFICATION_STATUSES)
    operator = current_user.role in OPERATORS
    crew_id = current_user.crew_id if operator else None
    per_page = current_app.config["PAGE_SIZE"]
    if operator and crew_id is None:
        page = ListPage([], 1, per_page)  # an operator in no crew has none
    else:
        page = db.paginate(rectifications(status=status, crew_id=crew_id), page=page_arg(), per_page=per_page,
                           error_out=False)
    return render_template("assessment/rectifications.html", page=page, status=status, statuses=RECTIFICATION_STATUSES,
                           fix_form=FixForm(), reason_form=ReasonForm(),
                           can_verify=current_user.role in RECTIFICATION_VERIFIERS)


@bp.route("/rectifications/<int:rectification_id>/fixed", methods=["POST"])
@roles_required(*OPERATORS)
@transaction
def fixed(rectification_id: int):
    form = FixForm()
    form.validate_on_submit()
    report_fixed(current_user, rectification_id, note=form.note.data or "", now=utcnow())
    flash(_("Reported fixed; an inspector or dispatcher will verify it."), "success")
    return redirect(request.referrer or url_for(".rectification_list"))


@bp.route("/rectifications/<int:rectification_id>/verify", methods=["POST"])
@roles_required(*RECTIFICATION_VERIFIERS)
@transaction
def verify(rectification_id: int):
    form = ReasonForm()
    form.validate_on_submit()
    accept = request.form.get("decision") != "reopen"
    verify_rectification(current_user, rectification_id, accept=accept, reason=form.reason.data or "", now=utcnow())
    flash(_("Verified.") if accept else _("Sent back to the crew."), "success")
    return redirect(url_for(".rectification_list"))
