"""The JSON API: token authentication, filters, paging, proposing, errors; all as documented."""
import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from propmgmt.assignments.models import Assignment
from propmgmt.auth.services import create_token, revoke_tokens

from ..factories import CompoundFactory, UserFactory


@pytest.fixture
def api(client, setting):
    token = create_token(setting.dispatcher)

    def call(method, url, **kwargs):
        return client.open(f"/api/v1{url}", method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    call.token = token
    return call


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").json


def assert_matches(document, schema_name, instance):
    validator = Draft202012Validator({"$ref": f"#/components/schemas/{schema_name}", **document})
    errors = list(validator.iter_errors(instance))
    assert not errors, errors[0].message


def _body(setting, compound, **overrides):
    return {"compound_id": compound.id, "decision_no": "城住建物管〔2026〕11号", "reason": "无物业",
            "service_types": ["cleaning", "garbage_sorting"], "responsible_leader_id": setting.official.id,
            "start_date": "2026-12-01", "review_date": "2027-06-01"} | overrides


def _assignments(db):
    return db.session.scalar(select(func.count(Assignment.id)))


def test_document_describes_every_endpoint(app, document):
    import re
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
              for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi"}
    assert routes == set(document["paths"])
    Draft202012Validator.check_schema({"$ref": "#/components/schemas/Compound", **document})


def test_list_compounds_filters_and_pages(api, document, db):
    CompoundFactory(name="A甲", management_mode="unmanaged")
    CompoundFactory(name="B乙", management_mode="unmanaged")
    CompoundFactory(name="C丙", management_mode="fallback")
    response = api("GET", "/compounds?mode=unmanaged&per_page=1&page=2")
    assert response.status_code == 200
    assert response.json["meta"] == {"page": 2, "per_page": 1, "total": 2}
    assert [c["name"] for c in response.json["data"]] == ["B乙"]
    assert_matches(document, "Compound", response.json["data"][0])


def test_token_is_required_and_revocable(client, api, setting, now):
    assert client.get("/api/v1/compounds").status_code == 401
    bad = client.get("/api/v1/compounds", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and bad.json["error"]["code"] == "unauthorized"
    assert api("GET", "/compounds").status_code == 200
    revoke_tokens(setting.dispatcher, now=now)
    assert api("GET", "/compounds").status_code == 401


def test_a_token_acts_with_its_users_role(client, db):
    token = create_token(UserFactory(role="operator"))
    response = client.get("/api/v1/assignments", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"


def test_propose_through_the_api(api, setting, document, db):
    compound = CompoundFactory()
    response = api("POST", "/assignments", json=_body(setting, compound))
    assert response.status_code == 201, response.json
    data = response.json["data"]
    assert data["status"] == "proposed" and data["service_types"] == ["cleaning", "garbage_sorting"]
    assert_matches(document, "Assignment", data)
    listed = api("GET", f"/assignments?status=proposed&q={compound.name}").json
    assert listed["meta"]["total"] == 1 and listed["data"][0]["id"] == data["id"]


@pytest.mark.parametrize("overrides, status, field", [
    ({"decision_no": ""}, 422, "decision_no"),
    ({"review_date": "2026-01-01"}, 422, "review_date"),
    ({"start_date": "01/12/2026"}, 400, "start_date"),
    ({"start_date": None}, 400, "start_date"),
    ({"start_date": 20261201}, 400, "start_date"),
    ({"service_types": ["magic"]}, 400, "service_types"),
    ({"service_types": "cleaning"}, 400, "service_types"),
    ({"compound_id": "7"}, 400, "compound_id"),
    ({"compound_id": 99999999}, 404, "compound_id"),
    ({"responsible_leader_id": 99999999}, 422, "leader_id"),
    ({"decision_no": 12}, 400, "decision_no"),
])
def test_bad_proposals_are_4xx_json_and_write_nothing(api, setting, document, db, overrides, status, field):
    response = api("POST", "/assignments", json=_body(setting, CompoundFactory(), **overrides))
    assert response.status_code == status, response.json
    assert response.json["error"]["field"] == field and response.json["error"]["message"]
    assert_matches(document, "Error", response.json)
    assert _assignments(db) == 0


def test_compound_not_unmanaged_or_already_proposed(api, setting, db):
    in_fallback = CompoundFactory(management_mode="fallback")
    response = api("POST", "/assignments", json=_body(setting, in_fallback))
    assert response.status_code == 422 and "不是无人管理小区" in response.json["error"]["message"]
    compound = CompoundFactory()
    assert api("POST", "/assignments", json=_body(setting, compound)).status_code == 201
    again = api("POST", "/assignments", json=_body(setting, compound))
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    assert _assignments(db) == 1


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b"null", b""])
def test_body_must_be_a_json_object(api, db, payload):
    response = api("POST", "/assignments", data=payload, content_type="application/json")
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json["error"]["code"] == 404
