"""The registry of organisations: register, edit, suspend, a firm's page; bad codes refused."""
import pytest
from sqlalchemy import select

from propmgmt.audit.models import AuditEntry
from propmgmt.errors import DomainError, Forbidden
from propmgmt.orgs.models import Organisation
from propmgmt.orgs.services import register_firm, reinstate_organisation, suspend_organisation, update_organisation

from ..factories import CompoundFactory, FallbackOperatorFactory, OrganisationFactory, UserFactory

FIRM = {"name": "阳泉示例物业有限公司", "credit_code": "91110000600037341l ", "licence_no": "物业服务二级",
        "contact_name": "陈经理", "contact_phone": "0353-1234567", "address": "城区桃北中街1号"}


def _actions(db, org):
    return [e.action for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity_type == "organisation", AuditEntry.entity_id == org.id).order_by(AuditEntry.id))]


def test_register_edit_suspend_reinstate_each_audited(db, now):
    official = UserFactory(role="official")
    org = register_firm(official, now=now, **FIRM)
    assert org.kind == "property_firm" and org.credit_code == "91110000600037341L"
    assert update_organisation(official, org, now=now, **(FIRM | {"contact_name": "刘经理"})) == {
        "contact_name": ["陈经理", "刘经理"]}
    suspend_organisation(official, org, now=now, reason="资质过期")
    assert not org.active
    reinstate_organisation(official, org, now=now)
    assert _actions(db, org) == ["organisation_registered", "organisation_updated", "organisation_suspended",
                                 "organisation_reinstated"]


@pytest.mark.parametrize("fields, field", [
    ({"credit_code": "91110000600037341X"}, "credit_code"),
    ({"credit_code": "9111000060003734"}, "credit_code"),
    ({"name": ""}, "name"),
    ({"contact_phone": "call me"}, "contact_phone"),
])
def test_bad_input_is_refused(db, now, fields, field):
    with pytest.raises(DomainError) as refused:
        register_firm(UserFactory(role="admin"), now=now, **(FIRM | fields))
    assert refused.value.field == field
    assert db.session.scalar(select(Organisation).where(Organisation.name == FIRM["name"])) is None


def test_a_credit_code_or_a_name_is_registered_once(db, now):
    OrganisationFactory(name="已有物业", credit_code="91110000600037341L")
    with pytest.raises(DomainError) as refused:
        register_firm(UserFactory(role="admin"), now=now, **FIRM)
    assert refused.value.field == "credit_code"
    with pytest.raises(DomainError) as refused:
        register_firm(UserFactory(role="admin"), now=now, **(FIRM | {"name": "已有物业", "credit_code": ""}))
    assert refused.value.field == "name"


def test_the_fallback_operator_is_never_suspended_and_dispatchers_keep_out(db, now):
    operator = FallbackOperatorFactory()
    with pytest.raises(DomainError):
        suspend_organisation(UserFactory(role="official"), operator, now=now, reason="x")
    with pytest.raises(Forbidden):
        register_firm(UserFactory(role="dispatcher"), now=now, **FIRM)


def test_a_firms_page_lists_its_compounds_and_users(client, login_as, db):
    firm = OrganisationFactory(name="示例物业", credit_code="91350100M000100Y43")
    CompoundFactory(name="育英小区", management_mode="professional", firm_id=firm.id)
    UserFactory(role="firm", organisation=firm, display_name="陈经理")
    login_as("official")
    html = client.get(f"/organisations/{firm.id}").get_data(as_text=True)
    assert "育英小区" in html and "陈经理" in html and "91350100M000100Y43" in html
    assert "示例物业" in client.get("/organisations?q=91350100").get_data(as_text=True)


def test_an_invalid_code_in_the_form_is_shown_beside_the_field(client, login_as, db):
    login_as("admin")
    response = client.post_form("/organisations/new", FIRM | {"credit_code": "91110000600037341X"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'value="91110000600037341X"' in html
    assert 'aria-invalid="true"' in html


def test_suspending_asks_for_a_reason(client, login_as, db):
    firm = OrganisationFactory()
    login_as("official")
    client.post_form(f"/organisations/{firm.id}/suspend", {"reason": ""}, page=f"/organisations/{firm.id}")
    db.session.refresh(firm)
    assert firm.active
    client.post_form(f"/organisations/{firm.id}/suspend", {"reason": "资质过期"}, page=f"/organisations/{firm.id}")
    db.session.refresh(firm)
    assert not firm.active
