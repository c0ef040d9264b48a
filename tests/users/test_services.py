"""Managing users: the rules of creating, changing and deactivating accounts, each audited."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from propmgmt.audit.models import AuditEntry
from propmgmt.auth.models import ApiToken, UserSession
from propmgmt.auth.services import create_token, start_session
from propmgmt.errors import DomainError, Forbidden
from propmgmt.users.services import (
    change_own_password,
    create_account,
    deactivate_account,
    end_sessions,
    normalise_mobile,
    reactivate_account,
    reset_password,
    revoke_api_tokens,
    update_account,
)

from ..factories import FallbackOperatorFactory, OrganisationFactory, UserFactory


@pytest.fixture
def admin(db):
    return UserFactory(role="admin")


def _entries(db, user, action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "user",
                                                       AuditEntry.entity_id == user.id,
                                                       AuditEntry.action == action)).all()


def test_create_gives_a_one_time_password_and_an_audit_entry(db, admin, now):
    firm = OrganisationFactory(name="示例物业")
    user, password = create_account(admin, now=now, username="chen", display_name="陈经理", role="firm",
                                    organisation_id=firm.id, phone="138 1234 5678", work_no="", email="")
    assert user.check_password(password) and len(password) >= 10
    assert user.must_change_password and user.phone == "13812345678" and user.organisation_id == firm.id
    [entry] = _entries(db, user, "user_created")
    assert entry.actor_id == admin.id and entry.changes["organisation"] == [None, "示例物业"]


def test_operators_belong_to_the_fallback_operator_by_default(db, admin, now):
    operator = FallbackOperatorFactory()
    user, _ = create_account(admin, now=now, username="zhao", display_name="赵师傅", role="operator",
                             organisation_id=None, work_no="jc0101")
    assert user.organisation_id == operator.id and user.work_no == "JC0101"


@pytest.mark.parametrize("fields, field, words", [
    ({"username": "taken"}, "username", "taken"),
    ({"work_no": "JC0001"}, "work_no", "JC0001"),
    ({"phone": "12812345678"}, "phone", ""),
    ({"phone": "1381234567"}, "phone", ""),
    ({"role": "firm"}, "organisation_id", ""),
    ({"display_name": " "}, "display_name", ""),
    ({"email": "not-an-address"}, "email", ""),
])
def test_bad_input_is_refused_and_changes_nothing(db, admin, now, fields, field, words):
    UserFactory(username="taken", work_no="JC0001")
    FallbackOperatorFactory()
    values = {"username": "new", "display_name": "新人", "role": "dispatcher", "organisation_id": None,
              "phone": "", "work_no": "", "email": ""} | fields
    before = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    with pytest.raises(DomainError) as refused:
        create_account(admin, now=now, **values)
    assert refused.value.field == field and words.lower() in str(refused.value.message).lower()
    assert db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) == before


def test_a_suspended_firm_takes_no_new_users(db, admin, now):
    firm = OrganisationFactory(active=False, name="停业物业")
    with pytest.raises(DomainError, match="停业物业"):
        create_account(admin, now=now, username="x", display_name="某人", role="firm", organisation_id=firm.id)


def test_only_administrators_manage_users(db, now):
    official = UserFactory(role="official")
    with pytest.raises(Forbidden):
        create_account(official, now=now, username="x", display_name="某人", role="official")
    with pytest.raises(Forbidden):
        deactivate_account(official, UserFactory(), now=now)


def test_update_records_what_changed(db, admin, now):
    user = UserFactory(role="official", display_name="王科长", phone="")
    changes = update_account(admin, user, now=now, display_name="王处长", role="official", organisation_id=None,
                             phone="13912345678", work_no="", email="")
    assert set(changes) == {"display_name", "phone"}
    [entry] = _entries(db, user, "user_updated")
    assert entry.changes["display_name"] == ["王科长", "王处长"]
    assert update_account(admin, user, now=now, display_name="王处长", role="official", organisation_id=None,
                          phone="13912345678", work_no="", email="") == {}


def test_the_last_admin_cannot_be_deactivated_or_demoted(db, now):
    for other in db.session.scalars(select(UserFactory._meta.model).where(
            UserFactory._meta.model.role == "admin")):
        other.active = False
    admin = UserFactory(role="admin", display_name="唯一管理员")
    with pytest.raises(DomainError, match="唯一管理员"):
        deactivate_account(admin, admin, now=now)
    with pytest.raises(DomainError, match="唯一管理员"):
        update_account(admin, admin, now=now, display_name="管理员", role="official", organisation_id=None)
    second = UserFactory(role="admin")
    deactivate_account(second, admin, now=now)
    assert not admin.active


def test_an_operator_with_tasks_to_do_is_refused_until_they_are_reassigned(db, field_day, now):
    admin = UserFactory(role="admin")
    operator = field_day["operator"]
    for task in field_day["tasks"]:
        task.assignee_id = operator.id
    db.session.flush()
    with pytest.raises(DomainError) as refused:
        deactivate_account(admin, operator, now=now)
    assert str(len(field_day["tasks"])) in str(refused.value.message) and operator.active
    for task in field_day["tasks"]:
        task.status = "done"
    db.session.flush()
    deactivate_account(admin, operator, now=now, reason="离职")
    assert not operator.active and _entries(db, operator, "user_deactivated")[0].reason == "离职"


def test_deactivate_ends_sessions_and_reactivate_lets_them_back(db, admin, now):
    user = UserFactory(role="dispatcher")
    start_session(user, now=now)
    assert deactivate_account(admin, user, now=now) == 1
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id)) is None
    with pytest.raises(DomainError):
        deactivate_account(admin, user, now=now)
    reactivate_account(admin, user, now=now)
    assert user.active and _entries(db, user, "user_reactivated")


def test_reset_password_ends_sessions_and_tokens(db, admin, now):
    user = UserFactory(role="dispatcher")
    start_session(user, now=now)
    create_token(user)
    password = reset_password(admin, user, now=now)
    assert user.check_password(password) and user.must_change_password
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id)) is None
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id)).revoked_at is not None
    assert _entries(db, user, "password_reset")


def test_end_sessions_and_revoke_tokens_are_audited(db, admin, now):
    user = UserFactory(role="dispatcher")
    start_session(user, now=now)
    start_session(user, now=now)
    create_token(user)
    assert end_sessions(admin, user, now=now) == 2
    assert revoke_api_tokens(admin, user, now=now) == 1
    assert _entries(db, user, "sessions_ended")[0].changes == {"sessions": [2, 0]}
    assert _entries(db, user, "tokens_revoked")


def test_own_password_needs_the_current_one(db, now):
    user = UserFactory(role="operator", must_change_password=True)
    with pytest.raises(DomainError) as refused:
        change_own_password(user, "wrong", "a-new-password", now=now)
    assert refused.value.field == "current"
    change_own_password(user, "password123", "a-new-password", now=now + timedelta(minutes=1))
    assert user.check_password("a-new-password") and not user.must_change_password
    assert _entries(db, user, "password_changed")[0].actor_id == user.id


@pytest.mark.parametrize("typed, kept", [("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
                                          ("", "")])
def test_mobile_numbers_as_people_type_them(typed, kept):
    assert normalise_mobile(typed) == kept


@pytest.mark.parametrize("typed", ["12345678901", "1381234567", "138123456789", "0353-1234567", "abc"])
def test_invalid_mobile_numbers(typed):
    with pytest.raises(DomainError):
        normalise_mobile(typed)


def test_an_operator_who_becomes_a_dispatcher_leaves_the_crew(db, admin, now):
    from ..factories import CrewFactory

    crew = CrewFactory(name="东片一组")
    user = UserFactory(role="operator", crew=crew, organisation=crew.organisation)
    changes = update_account(admin, user, now=now, display_name=user.display_name, role="dispatcher",
                             organisation_id=crew.organisation_id)
    assert user.crew_id is None and changes["crew"] == ["东片一组", None]
