"""The user pages as an administrator uses them, and a user's own profile and password."""
import re

from sqlalchemy import select

from propmgmt.auth.models import User

from ..factories import FallbackOperatorFactory, OrganisationFactory, UserFactory

OTP_RE = re.compile(r'class="one-time-password"><code>([a-z0-9]+)</code>')


def _new_user(client, **fields):
    data = {"username": "chen", "display_name": "陈经理", "role": "firm", "organisation_id": "0", "phone": "",
            "work_no": "", "email": ""} | fields
    return client.post_form("/users/new", data)


def test_admin_creates_a_firm_user_who_chooses_a_password_at_first_sign_in(app, client, login_as, db):
    firm = OrganisationFactory(name="示例物业")
    login_as("admin")
    response = _new_user(client, organisation_id=str(firm.id), phone="13812345678")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = OTP_RE.search(response.get_data(as_text=True)).group(1)
    client.post_form("/logout", page="/users")
    response = client.post_form("/login", {"username": "chen", "password": password})
    assert response.status_code == 302
    assert client.get("/compounds").headers["Location"].endswith("/profile/password")
    response = client.post_form("/profile/password",
                                {"current": password, "new": "my-own-pass", "confirm": "my-own-pass"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile")
    assert client.get("/compounds").status_code == 200  # still signed in, and free to go on
    assert "示例物业" in client.get("/profile").get_data(as_text=True)


def test_a_duplicate_username_is_shown_next_to_the_field_and_entries_are_kept(client, login_as, db):
    UserFactory(username="chen")
    OrganisationFactory(name="示例物业")
    login_as("admin")
    response = _new_user(client, display_name="另一个陈经理", role="official")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "chen" in html.split('name="username"')[1].split("</div>")[0]  # the error beside the field
    assert 'value="另一个陈经理"' in html
    assert db.session.scalar(select(User).where(User.display_name == "另一个陈经理")) is None


def test_an_invalid_mobile_is_refused(client, login_as, db):
    login_as("admin")
    response = _new_user(client, role="official", phone="12345")
    assert response.status_code == 400 and 'aria-invalid="true"' in response.get_data(as_text=True)


def test_list_filters_and_search(client, login_as, db):
    operator = FallbackOperatorFactory()
    UserFactory(role="operator", display_name="徐师傅", work_no="JC0013", organisation=operator)
    UserFactory(role="operator", display_name="徐师傅", work_no="JC0014", organisation=operator, active=False)
    login_as("admin")
    html = client.get("/users?q=JC0013").get_data(as_text=True)
    assert "JC0013" in html and "JC0014" not in html
    html = client.get("/users?role=operator&active=no").get_data(as_text=True)
    assert "JC0014" in html and "JC0013" not in html


def test_deactivating_the_last_admin_is_refused_with_a_message(client, login_as, db):
    for admin in db.session.scalars(select(User).where(User.role == "admin")):
        admin.active = False
    me = login_as("admin", display_name="唯一管理员")
    response = client.post_form(f"/users/{me.id}/deactivate", {"reason": ""}, page=f"/users/{me.id}",
                                headers={"Referer": f"http://localhost/users/{me.id}"})
    assert response.status_code == 302
    assert "唯一管理员" in client.get(f"/users/{me.id}").get_data(as_text=True)
    assert db.session.get(User, me.id).active


def test_reset_password_shows_it_once(client, login_as, db):
    user = UserFactory(role="dispatcher")
    login_as("admin")
    response = client.post_form(f"/users/{user.id}/reset-password", page=f"/users/{user.id}")
    password = OTP_RE.search(response.get_data(as_text=True)).group(1)
    db.session.refresh(user)
    assert user.check_password(password)
    assert password not in client.get(f"/users/{user.id}").get_data(as_text=True)


def test_mobile_numbers_are_masked_for_roles_without_need(client, login_as, db):
    firm = OrganisationFactory()
    UserFactory(role="firm", organisation=firm, phone="13812345678")
    login_as("official")
    html = client.get(f"/organisations/{firm.id}").get_data(as_text=True)
    assert "138****5678" in html and "13812345678" not in html


def test_profile_links_the_notification_settings(client, login_as, db):
    login_as("operator", phone="13812345678")
    html = client.get("/profile").get_data(as_text=True)
    assert "/notifications/settings" in html and "13812345678" in html
