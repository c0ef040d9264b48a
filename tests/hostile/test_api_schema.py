"""The JSON API against its own OpenAPI document: generated requests, with and without a token.

Schemathesis generates valid and invalid requests for every operation in /api/v1/openapi.json and
sends them to the app in-process. Whatever it sends: no 5xx, a status code the document lists, and
a body that matches the document's schema for that status.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from propmgmt.api.openapi import openapi_document
from propmgmt.auth.services import create_token

from ..factories import AssignmentFactory, CompoundFactory, UserFactory

schema = schemathesis.openapi.from_dict(openapi_document())
# Filters that ignore bad values are by design ("bad values are ignored, never an error"), so the
# negative-data check, which expects every invalid request to be refused, does not apply here.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def world(db, setting, now):
    """Real rows for valid requests to reach: compounds in every mode, an active assignment, a handover."""
    from propmgmt.handovers.services import start_handover
    unmanaged, fallback, _professional = [CompoundFactory(management_mode=mode)
                                          for mode in ("unmanaged", "fallback", "professional")]
    AssignmentFactory(compound=fallback, status="active", responsible_leader=setting.official)
    handover = start_handover(setting.official, fallback, owner_id=None, due_on=None, now=now)
    db.session.commit()
    return {"handover_id": handover.id, "compound_id": unmanaged.id, "responsible_leader_id": setting.official.id,
            "crew_id": setting.crew.id}


def aim_at_real_rows(case, real: dict) -> None:
    """Half of the generated ids (the even ones) become ids of real rows, so valid requests get past the
    lookup and their 200/201 answers are checked against the document too; the odd half stays random."""
    for values in (case.path_parameters, case.body):
        if isinstance(values, dict):
            for name, value in values.items():
                if name in real and isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0:
                    values[name] = real[name]
    if isinstance(case.body, dict) and isinstance(case.body.get("service_types"), list) and len(
            case.body["service_types"]) % 2:
        case.body["service_types"] = ["cleaning"]


@pytest.mark.parametrize("role", [None, "admin", "operator"])
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(app, db, world, case, role):
    headers = {"Accept-Encoding": "identity"}  # the in-process transport does not decompress
    if role:
        headers["Authorization"] = f"Bearer {create_token(UserFactory(role=role))}"
    aim_at_real_rows(case, world)
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)


# What the generated requests found, pinned as plain regression tests.

def _headers(role="admin"):
    return {"Authorization": f"Bearer {create_token(UserFactory(role=role))}"}


def test_an_id_past_the_column_range_is_404_not_a_database_error(client, db):
    response = client.post("/api/v1/handovers/9223372036854775808/advance", headers=_headers(),
                           json={"to_stage": "owners_decision"})
    assert response.status_code == 404 and response.json["error"]["code"] == 404
    assert client.get("/compounds/2147483648").status_code in (302, 404)  # signed out: never a 500


def test_an_id_past_the_column_range_in_a_body_is_400(client, setting):
    body = {"compound_id": 2**31, "decision_no": "城住建物管〔2026〕1号", "service_types": ["cleaning"],
            "responsible_leader_id": setting.official.id, "start_date": "2026-12-01"}
    response = client.post("/api/v1/assignments", headers=_headers(), json=body)
    assert response.status_code == 400 and response.json["error"]["field"] == "compound_id"


def test_non_ascii_digits_in_paging_are_ignored(client, db):
    response = client.get("/api/v1/compounds?page=²&per_page=١٢", headers=_headers())
    assert response.status_code == 200 and response.json["meta"]["page"] == 1


def test_nul_in_a_json_string_is_refused(client, db):
    body = {"ticket_no": "YQ-1\x00", "description": "污水外溢", "compound_name": "育英小区"}
    response = client.post("/api/v1/complaints", headers=_headers(), json=body)
    assert response.status_code == 400 and response.json["error"]["message"]


@pytest.mark.parametrize("depth", [900, 100_000])
def test_deeply_nested_json_is_400_not_a_recursion_error(client, db, depth):
    response = client.post("/api/v1/complaints", headers=_headers(), data="[" * depth + "]" * depth,
                           content_type="application/json")
    assert response.status_code == 400 and response.json["error"]["message"]
