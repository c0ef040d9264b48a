"""Survey pages: officials' rounds, results and questions (/surveys), and a household's answer on the
compound's public page (/r/<code>/survey; its form is an include of the public page)."""

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ..auth.access import public, roles_required
from ..auth.roles import SURVEY_EDITORS, SURVEY_READERS, SURVEY_TEXT_READERS
from ..clock import local_today, utcnow
from ..compounds.models import Community, Compound
from ..compounds.queries import area_choices, compound_by_public_code
from ..devices import this_device, with_device
from ..errors import DomainError
from ..extensions import db
from ..request_args import choice_arg, int_arg, page_arg
from ..web import on_refusal_go_to, refused, transaction
from .figures import latest_satisfaction
from .forms import ActionForm, QuestionForm, RoundForm
from .labels import ORIGIN_LABELS, SCOPE_LABELS, SCORE_LABELS, STATE_LABELS
from .models import ORIGINS, Question, Round
from .queries import RoundFilter, compound_rounds, round_compounds, round_counts, round_query, round_texts
from .services import (
    add_question,
    close_round,
    device_answered,
    edit_question,
    open_round,
    open_round_for,
    set_question_active,
    submit_answer,
)

bp = Blueprint("surveys", __name__, url_prefix="/surveys")
public_bp = Blueprint("survey_public", __name__, url_prefix="/r")
READERS, EDITORS, TEXT_READERS = SURVEY_READERS, SURVEY_EDITORS, SURVEY_TEXT_READERS


@bp.app_context_processor
def survey_labels():
    return {"SURVEY_SCOPE_LABELS": SCOPE_LABELS, "SURVEY_ORIGIN_LABELS": ORIGIN_LABELS,
            "SURVEY_STATE_LABELS": STATE_LABELS, "SURVEY_SCORE_LABELS": SCORE_LABELS}


@bp.route("")
@roles_required(*READERS)
def rounds():
    today = local_today()
    f = RoundFilter(state=choice_arg("state", STATE_LABELS), origin=choice_arg("origin", ORIGINS),
                    subdistrict_id=int_arg("subdistrict"))
    page = db.paginate(round_query(f, today), page=page_arg(), per_page=current_app.config["PAGE_SIZE"],
                       max_per_page=200, error_out=False)
    subdistricts, _communities = area_choices()
    return render_template("surveys/rounds.html", page=page, f=f, today=today, subdistricts=subdistricts,
                           counts=round_counts([r.id for r in page.items]),
                           state_options=list(STATE_LABELS.items()), origin_options=list(ORIGIN_LABELS.items()),
                           can_edit=current_user.role in EDITORS)


def _round_choices(form: RoundForm) -> None:
    subdistricts, _communities = area_choices()
    form.subdistrict_id.choices = [SelectChoice(0, "—")] + [SelectChoice(s.id, s.name) for s in subdistricts]
    compounds = db.session.execute(select(Compound.id, Compound.name, Community.name).join(Compound.community)
                                   .order_by(Community.name, Compound.name)).all()
    form.compound_id.choices = [SelectChoice(0, "—")] + [SelectChoice(i, f"{name} · {community}")
                                                         for i, name, community in compounds]


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
@transaction
def new_round():
    form = RoundForm()
    _round_choices(form)
    if request.method == "GET":
        form.scope.data = "compound" if request.args.get("compound") else "fallback"
        form.compound_id.data = int_arg("compound") or 0
    if form.validate_on_submit():
        try:
            survey = open_round(current_user, form.round_data(), now=utcnow())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("Survey round “%(title)s” opened for %(n)d compounds.", title=survey.title,
                    n=len(survey.compounds)), "success")
            return redirect(url_for(".show_round", round_id=survey.id))
    return render_template("surveys/new.html", form=form), 400 if request.method == "POST" else 200


def _round(round_id: int) -> Round:
    return db.session.get(Round, round_id) or abort(404)


@bp.route("/<int:round_id>")
@roles_required(*READERS)
def show_round(round_id: int):
    survey = _round(round_id)
    per_page = current_app.config["PAGE_SIZE"]
    rows = round_compounds(survey, page=page_arg(), per_page=per_page,
                           answered_only=request.args.get("answered") == "1")
    texts = None
    if current_user.role in TEXT_READERS:
        texts = db.paginate(round_texts(survey, compound_id=int_arg("compound")), page=int_arg("texts") or 1,
                            per_page=per_page, max_per_page=200, error_out=False)
    total_responses = sum(r.responses for _c, _n, r in rows.rows)
    total_households = sum(r.households for _c, _n, r in rows.rows)
    return render_template("surveys/round.html", survey=survey, rows=rows, texts=texts, today=local_today(),
                           total_responses=total_responses, total_households=total_households,
                           action_form=ActionForm(), can_edit=current_user.role in EDITORS,
                           names={c.id: c.name for c, _n, _r in rows.rows})


@bp.route("/<int:round_id>/close", methods=["POST"])
@roles_required(*EDITORS)
@transaction
def close(round_id: int):
    survey = _round(round_id)
    page = url_for(".show_round", round_id=survey.id)
    on_refusal_go_to(page)
    ActionForm().validate_on_submit()
    close_round(current_user, survey, now=utcnow())
    flash(_("The round is closed; the public pages take no more answers."), "success")
    return redirect(page)


@bp.route("/compound/<int:compound_id>")
@roles_required(*READERS)
def compound_history(compound_id: int):
    compound = db.session.get(Compound, compound_id) or abort(404)
    texts = None
    history = compound_rounds(compound)
    if current_user.role in TEXT_READERS and history:
        latest = history[0][0]
        texts = db.paginate(round_texts(latest, compound_id=compound.id), page=page_arg(),
                            per_page=current_app.config["PAGE_SIZE"], max_per_page=200, error_out=False)
    return render_template("surveys/compound.html", compound=compound, history=history, texts=texts,
                           today=local_today(), can_edit=current_user.role in EDITORS)


@bp.route("/questions")
@roles_required(*READERS)
def questions():
    return _questions_page(QuestionForm())


def _questions_page(form: QuestionForm, status: int = 200):
    listed = db.session.scalars(select(Question).order_by(Question.position, Question.id)).all()
    return render_template("surveys/questions.html", form=form, questions=listed, action_form=ActionForm(),
                           can_edit=current_user.role in EDITORS), status


@bp.route("/questions", methods=["POST"])
@roles_required(*EDITORS)
@transaction
def add():
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            add_question(current_user, form.text.data, now=utcnow())
        except DomainError as error:
            refused(error, form)
        else:
            flash(_("The question is added; new rounds ask it."), "success")
            return redirect(url_for(".questions"))
    return _questions_page(form, 400)


@bp.route("/questions/<int:question_id>", methods=["POST"])
@roles_required(*EDITORS)
@transaction
def edit(question_id: int):
    question = db.session.get(Question, question_id) or abort(404)
    on_refusal_go_to(url_for(".questions"))
    form = QuestionForm()
    if not form.validate_on_submit():
        raise DomainError(_("Write the question (at most 200 characters)."), field="text")
    edit_question(current_user, question, form.text.data, now=utcnow())
    flash(_("Saved."), "success")
    return redirect(url_for(".questions"))


@bp.route("/questions/<int:question_id>/active", methods=["POST"])
@roles_required(*EDITORS)
@transaction
def question_active(question_id: int):
    question = db.session.get(Question, question_id) or abort(404)
    on_refusal_go_to(url_for(".questions"))
    ActionForm().validate_on_submit()
    set_question_active(current_user, question, request.form.get("active") == "1", now=utcnow())
    flash(_("Saved."), "success")
    return redirect(url_for(".questions"))


# The residents' side: the public page's include asks for its round and figures here.

@public_bp.app_template_global()
def public_survey(compound: Compound) -> dict:
    """What the public page shows of surveys: the open round (to answer) and the latest satisfaction."""
    today = local_today()
    latest = latest_satisfaction([compound.id]).get(compound.id)
    survey = open_round_for(compound, today)
    return {"open": survey, "latest": latest, "answered": survey is not None and device_answered(
                survey, this_device()),
            "latest_open": latest is not None and latest.round.state(today) != "closed"}


@public_bp.after_app_request
def device_cookie(response):
    """The compound's public page hands out the device cookie its survey form needs."""
    if request.endpoint == "residents.compound_page" and response.status_code == 200:
        return with_device(response)
    return response


@public_bp.route("/<code>/survey", methods=["GET", "POST"])
@public
@transaction
def answer(code: str):
    compound = compound_by_public_code(code) or abort(404)
    survey = open_round_for(compound, local_today())
    device = this_device()
    form = {"room": request.form.get("room", ""), "text": request.form.get("text", ""),
            "scores": {key[1:]: value for key, value in request.form.items() if key.startswith("q")}}
    error, status = None, 200
    if request.method == "POST" and survey is not None:
        try:
            submit_answer(compound, survey, room=form["room"],
                          scores={int(k): v for k, v in form["scores"].items() if k.isdigit() and len(k) <= 9},
                          text=form["text"], device=device, address=request.remote_addr, now=utcnow(),
                          honeypot=request.form.get("website", ""))
        except DomainError as exc:
            refused(exc)
            error, status = exc, exc.status_code
        else:
            flash(_("Thank you! Your household's answer is counted."), "success")
            return with_device(redirect(url_for("residents.compound_page", code=compound.public_code)))
    elif request.method == "POST":
        error, status = DomainError(_("No survey is open for this compound now.")), 409
    page = make_response(render_template("residents/survey.html", compound=compound, survey=survey, form=form,
                                         error=error), status)
    return with_device(page)
