"""create-user and create-token."""
from propmgmt.auth.models import ApiToken, User
from propmgmt.auth.services import user_for_token


def test_create_user_with_password(app, db):
    result = app.test_cli_runner().invoke(args=["create-user", "wang", "--role", "official",
                                                "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(username="wang").one()
    assert user.role == "official" and user.check_password("long-enough-1")
    assert "long-enough-1" not in user.password_hash


def test_create_user_prompts_for_the_password(app, db):
    result = app.test_cli_runner().invoke(args=["create-user", "li", "--role", "dispatcher"],
                                          input="secret-pass-9\nsecret-pass-9\n")
    assert result.exit_code == 0, result.output
    assert db.session.query(User).filter_by(username="li").one().check_password("secret-pass-9")


def test_create_user_refuses_bad_input(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-user", "x", "--role", "king", "--password", "long-enough-1"]).exit_code != 0
    result = runner.invoke(args=["create-user", "x", "--role", "official", "--password", "short"])
    assert result.exit_code != 0 and "8" in result.output
    runner.invoke(args=["create-user", "dup", "--role", "official", "--password", "long-enough-1"])
    result = runner.invoke(args=["create-user", "dup", "--role", "official", "--password", "long-enough-1"])
    assert result.exit_code != 0
    assert db.session.query(User).filter_by(username="dup").count() == 1


def test_create_token_prints_a_token_stored_only_as_hash(app, db, now):
    runner = app.test_cli_runner()
    runner.invoke(args=["create-user", "api", "--role", "official", "--password", "long-enough-1"])
    result = runner.invoke(args=["create-token", "api"])
    assert result.exit_code == 0
    token = result.output.strip()
    assert len(token) >= 40
    stored = db.session.query(ApiToken).one()
    assert stored.token_hash != token
    assert user_for_token(token, now=now).username == "api"
    assert user_for_token(token + "x", now=now) is None


def test_create_token_for_unknown_user_fails(app, db):
    result = app.test_cli_runner().invoke(args=["create-token", "ghost"])
    assert result.exit_code != 0 and "ghost" in result.output


def test_set_password_signs_the_user_out_everywhere(app, db, client):
    from ..factories import PASSWORD, UserFactory

    user = UserFactory(role="dispatcher")
    client.post_form("/login", {"username": user.username, "password": PASSWORD})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["set-password", user.username, "--password", "short"])
    assert result.exit_code != 0 and "8" in result.output
    assert client.get("/complaints").status_code == 200  # refused: nothing changed
    result = runner.invoke(args=["set-password", user.username], input="new-password-7\nnew-password-7\n")
    assert result.exit_code == 0 and "ended 1 session" in result.output
    assert client.get("/complaints").status_code == 302
    assert user.check_password("new-password-7")


def test_deactivate_user_signs_the_user_out(app, db, client):
    from ..factories import PASSWORD, UserFactory

    user = UserFactory(role="dispatcher")
    client.post_form("/login", {"username": user.username, "password": PASSWORD})
    result = app.test_cli_runner().invoke(args=["deactivate-user", user.username])
    assert result.exit_code == 0 and "ended 1 session" in result.output
    assert client.get("/complaints").status_code == 302
    assert client.post_form("/login", {"username": user.username, "password": PASSWORD}).status_code == 401
    assert app.test_cli_runner().invoke(args=["deactivate-user", "ghost"]).exit_code != 0
