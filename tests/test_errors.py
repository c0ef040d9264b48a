"""One error path and one transaction path: a refusal (DomainError) is answered by the app's handler
(JSON for the API and the tablet's script, a page or a redirect back with the message otherwise), and
a view's writes are kept only when it succeeds (web.transaction)."""
import pytest
from flask import Blueprint
from flask_migrate import upgrade
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField

from config import TestingConfig
from propmgmt import create_app
from propmgmt.auth.access import public
from propmgmt.auth.models import ApiToken
from propmgmt.auth.services import create_token
from propmgmt.compounds.models import District
from propmgmt.errors import Conflict, DomainError, Forbidden, NotFound
from propmgmt.extensions import db as _db
from propmgmt.web import on_refusal_go_to, refused, transaction

from .factories import UserFactory

bp = Blueprint("trial", __name__)
REFUSALS = {"conflict": Conflict("已被他人处理。", field="name"), "not_found": NotFound("没有这条记录。"),
            "forbidden": Forbidden("这不是您的任务。"), "rule": DomainError("不符合规定。")}


def _half_write(name: str) -> None:
    _db.session.add(District(name=name, city="阳泉市"))
    _db.session.flush()  # in the database, not yet committed


@bp.route("/trial/<kind>", methods=["GET", "POST"])
@bp.route("/api/trial/<kind>", methods=["POST"])
@public
@transaction
def refuse(kind: str):
    on_refusal_go_to("/trial-page")
    _half_write("半途区")
    raise REFUSALS[kind]


@bp.route("/trial/write", methods=["POST"])
@public
@transaction
def write():
    _half_write("写成区")
    return "written"


@bp.route("/trial/crash", methods=["POST"])
@public
@transaction
def crash():
    _half_write("崩溃区")
    raise RuntimeError("a bug, not a refusal")


class NameForm(FlaskForm):
    name = StringField()


@bp.route("/trial/form/<kind>", methods=["POST"])
@public
@transaction
def form_view(kind: str):
    form = NameForm()
    try:
        _half_write("表单区")
        raise REFUSALS[kind]
    except DomainError as error:
        refused(error, form)
    return " | ".join(form.name.errors), 400


@pytest.fixture(scope="module")
def trial_app(tmp_path_factory):
    """The app with the routes above, on a database of its own: what its views commit is really
    committed, and what they roll back is really gone (no test transaction around them)."""
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path_factory.mktemp('trial') / 'trial.sqlite3'}"
        WTF_CSRF_ENABLED = False

    made = create_app(Config)
    made.register_blueprint(bp)
    with made.app_context():
        upgrade()
        _db.session.remove()
    return made


@pytest.fixture
def trial(trial_app):
    return trial_app.test_client()


def _districts(trial, name: str) -> int:
    with trial.application.app_context():
        try:
            return len(_db.session.scalars(select(District).where(District.name == name)).all())
        finally:
            _db.session.remove()


def _flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return session.pop("_flashes", [])


def test_a_refused_form_post_goes_back_to_its_page_with_the_message_and_keeps_nothing(trial):
    response = trial.post("/trial/conflict", headers={"Referer": "http://localhost/compounds?q=abc"})
    assert response.status_code == 302 and response.headers["Location"] == "http://localhost/compounds?q=abc"
    assert _flashes(trial) == [("error", "已被他人处理。")]
    assert _districts(trial, "半途区") == 0  # flushed before the refusal, rolled back


def test_without_a_referrer_from_this_site_it_goes_where_the_view_said(trial):
    assert trial.post("/trial/rule").headers["Location"] == "/trial-page"
    foreign = trial.post("/trial/rule", headers={"Referer": "https://evil.example/phish"})
    assert foreign.headers["Location"] == "/trial-page"
    lookalike = trial.post("/trial/rule", headers={"Referer": "http://localhost.evil.example/"})
    assert lookalike.headers["Location"] == "/trial-page"


def test_a_page_that_cannot_be_shown_says_why_with_the_errors_status(trial):
    response = trial.get("/trial/forbidden")
    assert response.status_code == 403 and "这不是您的任务。" in response.get_data(as_text=True)
    assert trial.get("/trial/conflict").status_code == 409
    assert _flashes(trial) == []
    assert _districts(trial, "半途区") == 0


def test_not_found_is_a_404_page_also_for_a_form_post(trial):
    response = trial.post("/trial/not_found", headers={"Referer": "http://localhost/compounds"})
    assert response.status_code == 404 and "没有这条记录。" in response.get_data(as_text=True)


@pytest.mark.parametrize("kind, status, code, field", [
    ("conflict", 409, "conflict", "name"), ("not_found", 404, "not_found", None),
    ("forbidden", 403, "forbidden", None), ("rule", 422, "rule_violation", None)])
def test_the_api_gets_the_json_error_with_the_errors_status(trial, kind, status, code, field):
    response = trial.post(f"/api/trial/{kind}")
    assert response.status_code == status
    assert response.json == {"error": {"code": code, "message": REFUSALS[kind].message, "field": field}}
    assert _districts(trial, "半途区") == 0


def test_the_tablets_script_gets_the_same_json_on_a_page_route(trial):
    response = trial.post("/trial/conflict", headers={"Accept": "application/json"})
    assert response.status_code == 409 and response.json["error"]["message"] == "已被他人处理。"
    assert _flashes(trial) == []


def test_a_view_that_succeeds_is_committed_and_one_that_fails_keeps_nothing(trial):
    assert trial.post("/trial/write").get_data(as_text=True) == "written"
    assert _districts(trial, "写成区") == 1
    with pytest.raises(RuntimeError):  # TESTING lets the 500 through to the test
        trial.post("/trial/crash")
    assert _districts(trial, "崩溃区") == 0


def test_a_form_shown_again_has_the_message_next_to_its_field_else_flashed(trial):
    response = trial.post("/trial/form/conflict", data={"name": "x"})
    assert response.status_code == 400 and response.get_data(as_text=True) == "已被他人处理。"
    assert _flashes(trial) == []
    response = trial.post("/trial/form/rule", data={"name": "x"})
    assert response.get_data(as_text=True) == "" and _flashes(trial) == [("error", "不符合规定。")]
    assert _districts(trial, "表单区") == 0


def test_an_api_read_records_the_tokens_last_use(client, db):
    token = create_token(UserFactory(role="dispatcher"))
    db.session.commit()
    assert client.get("/api/v1/compounds", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    db.session.expire_all()
    assert db.session.scalars(select(ApiToken)).one().last_used_at is not None


def test_every_route_that_writes_runs_in_one_transaction(app):
    """A view that posts without web.transaction would lose its work at the end of the request."""
    missing = sorted(rule.rule for rule in app.url_map.iter_rules()
                     if rule.methods - {"GET", "HEAD", "OPTIONS"}
                     and not getattr(app.view_functions[rule.endpoint], "in_transaction", False))
    assert not missing


def test_an_api_write_answers_with_what_was_stored(client, db, setting):
    """The JSON is made before web.transaction commits: it must read as the stored row reads back."""
    from .factories import CompoundFactory
    headers = {"Authorization": f"Bearer {create_token(setting.dispatcher)}"}
    body = {"compound_id": CompoundFactory().id, "decision_no": "城住建物管〔2026〕12号", "reason": "无物业",
            "service_types": ["garbage_sorting", "cleaning"], "responsible_leader_id": setting.official.id,
            "start_date": "2026-12-01"}
    created = client.post("/api/v1/assignments", json=body, headers=headers)
    assert created.status_code == 201, created.json
    listed = client.get("/api/v1/assignments", headers=headers).json["data"]
    assert [created.json["data"]] == listed


def test_a_refusal_that_repeats_a_users_words_reaches_the_page_escaped(app):
    """flask_babel's lazy strings are safe HTML to Jinja: a DomainError keeps its message as a plain string."""
    from flask import render_template_string
    from flask_babel import lazy_gettext as _l

    from propmgmt.errors import DomainError

    error = DomainError(_l("Not a room number: %(rooms)s. Write building-entrance-room, e.g. 3-2-501.",
                           rooms="<script>alert(1)</script>"))
    with app.test_request_context("/"):
        html = render_template_string("<p>{{ error.message }}</p>", error=error)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
