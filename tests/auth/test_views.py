"""Sign-in: the form, throttling, redirects, session handling, CSRF and headers."""
from propmgmt.auth.models import LoginAttempt

from ..factories import PASSWORD, UserFactory


def test_login_page_is_chinese_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert "登录" in html and "用户名" in html and "密码" in html


def test_english_can_be_chosen(client):
    client.get("/lang/en?next=/login")
    html = client.get("/login").get_data(as_text=True)
    assert "Sign in" in html and "Username" in html


def test_sign_in_and_out(client, db):
    user = UserFactory(role="official")
    response = client.post_form("/login", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/compounds").status_code == 200
    response = client.post_form("/logout", page="/compounds", follow_redirects=True)
    assert "您已退出登录" in response.get_data(as_text=True)
    assert client.get("/compounds").status_code == 302


def test_wrong_password_says_so_and_is_recorded(client, db):
    user = UserFactory()
    response = client.post_form("/login", {"username": user.username, "password": "wrong-password"})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert db.session.query(LoginAttempt).filter_by(username=user.username).count() == 1


def test_empty_fields_are_explained(client):
    response = client.post_form("/login", {"username": "", "password": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请输入用户名" in html and "请输入密码" in html


def test_repeated_failures_lock_out_even_the_right_password(client, db, app):
    user = UserFactory()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post_form("/login", {"username": user.username, "password": "nope-nope"})
    response = client.post_form("/login", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)
    assert client.get("/compounds").status_code == 302  # still signed out


def test_inactive_user_cannot_sign_in(client, db):
    user = UserFactory(active=False)
    response = client.post_form("/login", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 401


def test_post_without_csrf_token_is_refused(client, db):
    user = UserFactory()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302  # back to the form, with a message
    assert client.get("/compounds").status_code == 302  # not signed in


def test_next_goes_to_a_local_page_only(client, db):
    user = UserFactory()
    response = client.post_form("/login?next=/compounds?mode=fallback",
                                {"username": user.username, "password": PASSWORD}, page="/login")
    assert response.headers["Location"] == "/compounds?mode=fallback"
    client.post_form("/logout", page="/compounds")
    for evil in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.post_form(f"/login?next={evil}", {"username": user.username, "password": PASSWORD},
                                    page="/login")
        assert "evil" not in response.headers["Location"] and "javascript" not in response.headers["Location"]
        client.post_form("/logout", page="/compounds")


def test_session_is_renewed_on_sign_in(client, db):
    """No session fixation: what an attacker planted before sign-in is gone after it."""
    user = UserFactory()
    with client.session_transaction() as session:
        session["planted"] = "by attacker"
    client.post_form("/login", {"username": user.username, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == str(user.id)


def test_security_headers_on_pages(client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(client, login_as):
    login_as("official")
    for url in ("/compounds", "/compounds/new", "/compounds/import"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and "style=" not in html and "<style" not in html, url


def test_production_cookies_are_secure():
    from config import ProductionConfig
    assert ProductionConfig.SESSION_COOKIE_SECURE and ProductionConfig.SESSION_COOKIE_HTTPONLY
