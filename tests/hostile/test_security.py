"""Security on every page: headers, sign-in (fixation, redirects) and objects of other people (IDOR)."""
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from propmgmt import CONTENT_SECURITY_POLICY
from propmgmt.auth.services import create_token
from propmgmt.complaints.services import CODE_ALPHABET
from propmgmt.handovers.models import Handover
from propmgmt.plans.models import Task, TaskPhoto

from ..factories import PASSWORD, CompoundFactory, UserFactory
from .world import build_world, route_values, url_for_rule

HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Frame-Options": "DENY",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


@pytest.fixture
def w(app, db, setting, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    return build_world(db, setting, app.config["UPLOAD_DIR"])


def _sign_in(client, user):
    client.post("/logout")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, user.role


# --- Headers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [None, "admin", "official", "dispatcher", "operator", "firm_user"])
def test_every_page_carries_the_security_headers(app, client, w, role):
    """Every GET route as each role, whatever the answer (page, file, redirect, 403, 404, JSON)."""
    values = route_values(w)["*"]
    token = {}
    if role:
        _sign_in(client, w[role])
        token = {"Authorization": f"Bearer {create_token(w[role])}"}
    missing = []
    extra = ["/no-such-page", "/compounds/2147483648", "/compounds?q=%00"]  # 404, out-of-range id, refused NUL
    urls = [url_for_rule(rule, {"*": values}) for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint != "auth.logout"]
    for url in urls + extra:
        response = client.get(url, headers=token if url.startswith("/api/") else {})
        wrong = {name: response.headers.get(name) for name, value in HEADERS.items()
                 if response.headers.get(name) != value}
        if wrong:
            missing.append(f"GET {url} ({response.status_code}): {wrong}")
        if "/login" in response.headers.get("Location", "") and role:
            _sign_in(client, w[role])
    assert not missing, "\n".join(missing)
    assert len(urls) > 60


# --- Sign-in: redirects and fixation ---------------------------------------------------------------

EVIL = ["https://evil.example/", "//evil.example", "/\\evil.example", "/\\/evil.example", "\\\\evil.example",
        "/%5Cevil.example", "/%09/evil.example", "/\t/evil.example", "https:evil.example", " //evil.example",
        "/%2F/evil.example", "javascript:alert(1)", "http:/\\evil.example"]


def _lands_on_this_site(location: str) -> bool:
    """Where a browser goes: it reads a backslash as a slash and drops tabs and line breaks."""
    browser = location.replace("\\", "/").translate({9: None, 10: None, 13: None}).strip()
    parts = urlsplit(browser)
    return not parts.scheme and not parts.netloc and browser.startswith("/") and not browser.startswith("//")


@pytest.mark.parametrize("target", EVIL)
def test_no_open_redirect_after_sign_in(client, db, target):
    user = UserFactory(role="dispatcher")
    response = client.post("/login", query_string={"next": target},
                           data={"username": user.username, "password": PASSWORD, "csrf_token": client.csrf_token()})
    assert response.status_code == 302
    assert _lands_on_this_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", EVIL)
def test_no_open_redirect_from_the_language_switch(client, db, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert _lands_on_this_site(response.headers["Location"]), response.headers["Location"]


def test_a_local_next_page_is_still_followed(client, db):
    user = UserFactory(role="dispatcher")
    response = client.post_form("/login?next=/complaints?status=received",
                                {"username": user.username, "password": PASSWORD}, page="/login")
    assert response.headers["Location"] == "/complaints?status=received"


def test_a_session_cookie_from_before_sign_in_does_not_sign_anyone_in(app, client, db):
    """The fixation attack: plant a cookie, let the victim sign in, use the planted cookie."""
    client.get("/login")
    planted = client.get_cookie("session").value
    user = UserFactory(role="dispatcher")
    client.post_form("/login", {"username": user.username, "password": PASSWORD})
    assert client.get("/complaints").status_code == 200
    signed_in = client.get_cookie("session").value
    assert signed_in != planted

    attacker = app.test_client()
    attacker.set_cookie("session", planted)
    assert attacker.get("/complaints").status_code == 302  # to the sign-in page
    tampered = signed_in[:-2] + ("AA" if not signed_in.endswith("AA") else "BB")
    attacker.set_cookie("session", tampered)
    assert attacker.get("/complaints").status_code == 302


# --- Other people's objects ------------------------------------------------------------------------

def test_an_operator_cannot_open_or_complete_another_operators_task(client, db, w, setting):
    other = UserFactory(role="operator", crew=setting.crew, organisation=setting.operator)
    task, done = w["task"], w["done_task"]
    _sign_in(client, other)
    assert client.get(f"/field/tasks/{task.id}").status_code in (403, 404)
    client.post(f"/field/tasks/{task.id}/start", data={"key": "idor-start"})
    client.post(f"/field/tasks/{task.id}/complete", data={"key": "idor-complete", "note": "抢先完成"})
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == "scheduled"
    photo = db.session.scalars(select(TaskPhoto).where(TaskPhoto.task_id == done.id)).first()
    assert client.get(f"/field/photos/{photo.id}").status_code == 404
    assert f'href="/field/tasks/{task.id}"' not in client.get("/field").get_data(as_text=True)  # not 1 in 100


def test_residents_cannot_reach_another_compounds_cases_or_photos(client, db, w):
    other = CompoundFactory(name="义东沟村南苑东西区")
    done = w["done_task"]
    photo = db.session.scalars(select(TaskPhoto).where(TaskPhoto.task_id == done.id)).first()
    assert client.get(f"/r/{w['served'].public_code}/photos/{photo.id}").status_code == 200
    assert client.get(f"/r/{other.public_code}/photos/{photo.id}").status_code == 404
    for case in (w["received"], w["resolved"]):  # a case's number is no way in, only its tracking code
        assert client.get(f"/r/track/{case.id}").status_code == 404
        assert client.post(f"/r/track/{case.id}/reopen", data={"reason": "再次投诉"}).status_code in (302, 404)
    assert len(CODE_ALPHABET) ** len(w["received"].tracking_code) > 2**48  # not worth guessing
    page = client.get(f"/r/track/{w['resolved'].tracking_code}").get_data(as_text=True)
    assert w["received"].tracking_code not in page and w["acknowledged"].tracking_code not in page


def test_a_firm_cannot_act_on_another_firms_handover(client, db, w, setting):
    from ..factories import OrganisationFactory
    rival = UserFactory(role="firm", organisation=OrganisationFactory(name="另一家物业公司"))
    handover, item = w["inspecting"], w["item"]
    _sign_in(client, rival)
    assert client.get(f"/handovers/{handover.id}").status_code == 404
    assert client.post(f"/handovers/{handover.id}/sign").status_code == 404
    assert client.get(f"/handovers/{handover.id}/inspection/{item.id}/photo").status_code == 404
    assert "育英小区" not in client.get("/handovers").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Handover, handover.id).firm_signed_at is None


def test_the_error_page_of_a_crash_carries_the_headers_and_no_traceback(app, client, db, monkeypatch):
    def crash():
        raise RuntimeError("secret detail")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production: the 500 handler answers
    monkeypatch.setitem(app.view_functions, "auth.login", crash)
    response = client.get("/login")
    assert response.status_code == 500
    assert {name: response.headers.get(name) for name in HEADERS} == HEADERS
    assert "secret detail" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)
