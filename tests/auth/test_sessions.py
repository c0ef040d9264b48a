"""Sign-in sessions are kept server-side: signing out ends a copied cookie too."""
import pytest
from sqlalchemy import event, select

from propmgmt.auth.models import UserSession
from propmgmt.auth.services import change_password, deactivate_user

from ..factories import PASSWORD, UserFactory


def _signed_in_client(app, user):
    client = app.test_client()
    response = client.post_form("/login", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/notifications").status_code == 200
    return client


def _copy(app, client):
    """Another browser holding the same cookie, as someone who copied it would."""
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    return copy


def _is_signed_out(client) -> bool:
    response = client.get("/notifications")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.fixture
def dispatcher(db):
    return UserFactory(role="dispatcher")


def test_a_cookie_copied_before_sign_out_no_longer_works_after_it(app, db, dispatcher):
    client = _signed_in_client(app, dispatcher)
    copy = _copy(app, client)
    assert copy.get("/notifications").status_code == 200  # a copy works while the session lasts
    client.post_form("/logout", page="/notifications")
    assert _is_signed_out(client) and _is_signed_out(copy)
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == dispatcher.id)) is None


def test_signing_out_on_one_device_leaves_the_others_signed_in(app, db, dispatcher):
    desk, tablet = _signed_in_client(app, dispatcher), _signed_in_client(app, dispatcher)
    desk.post_form("/logout", page="/notifications")
    assert _is_signed_out(desk)
    assert tablet.get("/notifications").status_code == 200


def test_a_copy_stays_out_when_the_user_signs_in_again(app, db, dispatcher):
    client = _signed_in_client(app, dispatcher)
    copy = _copy(app, client)
    client.post_form("/logout", page="/notifications")
    _signed_in_client(app, dispatcher)
    assert _is_signed_out(copy)


@pytest.mark.parametrize("end", [lambda user: change_password(user, "a-new-password-1"), deactivate_user])
def test_a_password_change_or_deactivation_signs_the_user_out_everywhere(app, db, dispatcher, end):
    desk, tablet = _signed_in_client(app, dispatcher), _signed_in_client(app, dispatcher)
    other = _signed_in_client(app, UserFactory(role="dispatcher"))
    assert end(dispatcher) == 2
    db.session.commit()
    assert _is_signed_out(desk) and _is_signed_out(tablet)
    assert other.get("/notifications").status_code == 200


def test_a_deactivated_user_is_out_even_if_a_session_remains(app, db, dispatcher):
    client = _signed_in_client(app, dispatcher)
    dispatcher.active = False  # e.g. changed in the database by hand
    db.session.commit()
    assert _is_signed_out(client)


def test_a_forged_or_borrowed_session_id_is_refused(app, db, dispatcher):
    client = _signed_in_client(app, dispatcher)
    victim = _signed_in_client(app, UserFactory(role="official"))
    with victim.session_transaction() as session:
        victims_session = session["_auth_session"]
    for forged in ("x" * 43, victims_session, None):
        with client.session_transaction() as session:
            session["_auth_session"] = forged
        assert _is_signed_out(client), forged
        client = _signed_in_client(app, dispatcher)
    assert victim.get("/notifications").status_code == 200


def test_the_check_is_one_statement_joined_with_the_user(app, db, dispatcher):
    client = _signed_in_client(app, dispatcher)
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.get("/notifications")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    sessions = [s for s in seen if "user_session" in s]
    assert len(sessions) == 1 and "JOIN user_session" in sessions[0]


def test_only_a_hash_of_the_session_id_is_stored(app, db, dispatcher):
    client = _signed_in_client(app, dispatcher)
    with client.session_transaction() as session:
        session_id = session["_auth_session"]
    stored = db.session.scalars(select(UserSession.id_hash)).all()
    assert len(session_id) >= 43 and session_id not in stored and len(stored) == 1
