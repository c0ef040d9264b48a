"""Every route × every role and anonymous: allowed, 403, or the login page.

The table below is the specification. A new route fails this test until it is added here.
"""
from datetime import date

import pytest

from propmgmt.auth.models import ROLES
from propmgmt.auth.services import create_token
from propmgmt.plans.models import ServicePlan

from .factories import AssignmentFactory, CompoundFactory, ServiceStandardFactory, UserFactory

PUBLIC = "public"
EVERYONE = set(ROLES)
ACCESS = {
    "static": PUBLIC,
    "auth.home": PUBLIC,
    "auth.login": PUBLIC,
    "auth.set_language": PUBLIC,
    "health.healthz": PUBLIC,
    "ops.metrics": {"admin"},  # or the metrics token (tests/ops/test_metrics.py)
    "auth.logout": EVERYONE,
    "compounds.list_compounds": EVERYONE,
    "compounds.show_compound": EVERYONE,
    "compounds.export_compounds": {"admin", "official", "dispatcher"},
    "compounds.new_compound": {"admin", "official"},
    "compounds.edit_compound": {"admin", "official"},
    "compounds.import_file": {"admin", "official"},
    "compounds.import_template": {"admin", "official"},
    "compounds.rooms": {"admin", "official"},
    "assignments.unmanaged": {"admin", "official", "dispatcher"},
    "assignments.ledger": {"admin", "official", "dispatcher"},
    "assignments.export_ledger": {"admin", "official", "dispatcher"},
    "assignments.show": {"admin", "official", "dispatcher"},
    "assignments.propose": {"admin", "official", "dispatcher"},
    "assignments.approve": {"admin", "official"},
    "assignments.reject": {"admin", "official"},
    "assignments.end": {"admin", "official"},
    "assignments.release": {"admin", "official"},
    "plans.standards": {"admin", "official", "dispatcher"},
    "plans.new_standard": {"admin"},
    "plans.compound_plans": {"admin", "official", "dispatcher"},
    "plans.new_plan": {"admin", "dispatcher"},
    "plans.edit_plan": {"admin", "dispatcher"},
    "plans.pause_plan": {"admin", "dispatcher"},
    "plans.resume_plan": {"admin", "dispatcher"},
    "plans.my_calendar": {"operator"},
    "plans.calendar_feed": PUBLIC,
    "field.day": {"operator"},
    "field.task": {"operator"},
    "field.pages": {"operator"},
    "field.start": {"operator"},
    "field.complete": {"operator"},
    "field.report": {"operator"},
    "field.photo": {"operator", "dispatcher", "official", "admin"},
    "field.case_photo": {"operator"},  # only the operator of the task made for the case
    "field.service_worker": PUBLIC,
    "field.verify_queue": {"admin", "dispatcher"},
    "field.accept": {"admin", "dispatcher"},
    "field.reject": {"admin", "dispatcher"},
    "field.verify_selected": {"admin", "dispatcher"},
    "field.problems": {"admin", "dispatcher"},
    "handovers.pipeline_page": {"admin", "official", "dispatcher"},
    "handovers.export_pipeline": {"admin", "official", "dispatcher"},
    "handovers.readiness_page": {"admin", "official", "dispatcher"},
    "handovers.edit_readiness": {"admin", "official"},
    "handovers.start": {"admin", "official"},
    "handovers.show": {"admin", "official", "dispatcher", "firm"},
    "handovers.move": {"admin", "official"},
    "handovers.decision": {"admin", "official"},
    "handovers.firm": {"admin", "official"},
    "handovers.inspection": {"admin", "official"},
    "handovers.fixed": {"admin", "official"},
    "handovers.sign": {"admin", "official", "firm"},
    "handovers.stop": {"admin", "official"},
    "handovers.policy_page": {"admin", "official", "dispatcher"},
    "handovers.save_policy": {"admin"},
    "handovers.inspection_photo": {"admin", "official", "dispatcher", "firm"},
    "renovation.pipeline": {"admin", "official", "dispatcher"},
    "renovation.export_ledger": {"admin", "official", "dispatcher"},
    "renovation.show": {"admin", "official", "dispatcher"},
    "renovation.items": {"admin", "official", "dispatcher"},
    "renovation.new_project": {"admin", "official"},
    "renovation.edit_project": {"admin", "official"},
    "renovation.advance": {"admin", "official"},
    "renovation.progress": {"admin", "official"},
    "renovation.solve": {"admin", "official"},
    "renovation.add_item": {"admin", "official"},
    "renovation.item_active": {"admin", "official"},
    "renovation_voice.new_consultation": {"admin", "official"},
    "renovation_voice.close": {"admin", "official"},
    "renovation_voice.plan_change": {"admin", "official"},
    "renovation_voice.answer": {"admin", "official", "dispatcher"},  # a dispatcher only on the project's team
    "renovation_voice.note_photo": {"admin", "official", "dispatcher"},
    "oversight.overview": {"admin", "official", "dispatcher"},
    "oversight.report": {"admin", "official", "dispatcher"},
    "oversight.report_as_pdf": {"admin", "official", "dispatcher"},
    "oversight.report_as_xlsx": {"admin", "official", "dispatcher"},
    "oversight.subdistrict": {"admin", "official", "dispatcher"},
    "oversight.crews": {"admin", "official", "dispatcher"},
    "oversight.tasks": {"admin", "official", "dispatcher"},
    "oversight.complaints": {"admin", "official", "dispatcher"},
    "oversight.archived_report": {"admin", "official", "dispatcher"},
    "reminders.centre": EVERYONE,
    "reminders.read": EVERYONE,
    "reminders.read_all": EVERYONE,
    "reminders.settings": EVERYONE,
    "reminders.parked": {"admin"},
    "reminders.requeue": {"admin"},
    "api.openapi": PUBLIC,
    "api.list_compounds": {"admin", "official", "dispatcher"},
    "api.list_assignments": {"admin", "official", "dispatcher"},
    "api.create_assignment": {"admin", "official", "dispatcher"},
    "api.list_handovers": {"admin", "official", "dispatcher"},
    "api.advance_handover": {"admin", "official"},
    "api.create_complaint": {"admin", "dispatcher"},
    "residents.compound_page": PUBLIC,
    "residents.photo": PUBLIC,
    "residents.qr": PUBLIC,
    "residents.report": PUBLIC,
    "residents.find_case": PUBLIC,
    "residents.track": PUBLIC,
    "residents.case_photo": PUBLIC,  # only photos of that case's work (tests/residents/test_case_work.py)
    "residents.rate": PUBLIC,
    "residents.reopen": PUBLIC,
    # The renovation project's voice; posts share the reports' rate limits (tests/renovation/test_voice_views.py).
    "residents_renovation.consult": PUBLIC,
    "residents_renovation.item_image": PUBLIC,
    "residents_renovation.supervise": PUBLIC,
    "residents_renovation.find": PUBLIC,
    "residents_renovation.note": PUBLIC,
    "residents.poster": {"admin", "official", "dispatcher"},
    "residents.posters": {"admin", "official", "dispatcher"},
    "residents.subdistrict_posters": {"admin", "official", "dispatcher"},
    "complaints.queue": {"admin", "dispatcher"},
    "complaints.show": {"admin", "dispatcher"},
    "complaints.photo": {"admin", "dispatcher"},
    "complaints.acknowledge": {"admin", "dispatcher"},
    "complaints.dispatch": {"admin", "dispatcher"},
    "complaints.resolve": {"admin", "dispatcher"},
    "complaints.close": {"admin", "dispatcher"},
    "complaints.match": {"admin", "dispatcher"},
    "complaints.hotline_import": {"admin", "dispatcher"},
    "reminders.robots": {"admin"},
    "reminders.robot_delete": {"admin"},
    "complaints.hotline_sign": {"admin", "dispatcher"},
    "complaints.hotline_return": {"admin", "dispatcher"},
    "complaints.hotline_extension": {"admin", "dispatcher"},
    "complaints.hotline_extension_decide": {"admin", "dispatcher"},
    "complaints.hotline_reply": {"admin", "dispatcher"},
    "complaints.hotline_categories": {"admin", "official"},
    "complaints.hotline_category_delete": {"admin", "official"},
    "complaints.hotline_template": {"admin", "dispatcher"},
    "complaints.hotline_replies": {"admin", "dispatcher"},
    "users.admin_home": {"admin"},
    "users.list_users": {"admin"},
    "users.new_user": {"admin"},
    "users.edit_user": {"admin"},
    "users.deactivate": {"admin"},
    "users.reactivate": {"admin"},
    "users.reset": {"admin"},
    "users.sign_out_everywhere": {"admin"},
    "users.revoke": {"admin"},
    "users.profile": EVERYONE,
    "users.change_password": EVERYONE,
    "organisations.list_organisations": {"admin", "official"},
    "organisations.new_organisation": {"admin", "official"},
    "organisations.show": {"admin", "official"},
    "organisations.edit": {"admin", "official"},
    "organisations.suspend": {"admin", "official"},
    "organisations.reinstate": {"admin", "official"},
    "audit.log": {"admin", "official"},
    "audit.export": {"admin", "official"},
    "firm.handovers": {"firm"},
    "crews.index": {"admin", "official", "dispatcher"},
    "crews.show": {"admin", "official", "dispatcher"},
    "crews.new": {"admin", "dispatcher"},
    "crews.edit": {"admin", "dispatcher"},
    "crews.member_preview": {"admin", "dispatcher"},
    "crews.add_member": {"admin", "dispatcher"},
    "crews.member_removal_preview": {"admin", "dispatcher"},
    "crews.remove_member": {"admin", "dispatcher"},
    "crews.deactivate_member": {"admin", "dispatcher"},
    "crews.compound_preview": {"admin", "dispatcher"},
    "crews.add_compound": {"admin", "dispatcher"},
    "crews.compound_removal": {"admin", "dispatcher"},
    "crews.remove_compound_post": {"admin", "dispatcher"},
    "assessment.policy_page": {"admin", "official", "dispatcher", "inspector"},
    "assessment.save_policy_version": {"admin", "official"},
    "assessment.month_page": {"admin", "official", "dispatcher", "inspector"},
    "assessment.compound_history": {"admin", "official", "dispatcher", "inspector"},
    "assessment.checks": {"admin", "official", "inspector"},
    "assessment.new_check": {"admin", "official", "inspector"},
    "assessment.submit_check": {"admin", "official", "inspector"},
    "assessment.service_worker": PUBLIC,  # code, not data: the inspector's pages offline
    "assessment.photo": {"admin", "official", "dispatcher", "inspector", "operator"},
    "assessment.rectification_list": {"admin", "official", "dispatcher", "inspector", "operator"},
    "assessment.fixed": {"operator"},
    "assessment.verify": {"admin", "official", "dispatcher", "inspector"},
    "settlement.statement_list": {"admin", "official", "dispatcher"},
    "settlement.show": {"admin", "official", "dispatcher"},
    "settlement.export": {"admin", "official", "dispatcher"},
    "settlement.pdf": {"admin", "official", "dispatcher"},
    "settlement.contest": {"admin", "dispatcher"},
    "settlement.approve": {"admin", "official"},
    "surveys.rounds": {"admin", "official", "dispatcher"},
    "surveys.new_round": {"admin", "official"},
    "surveys.show_round": {"admin", "official", "dispatcher"},
    "surveys.close": {"admin", "official"},
    "surveys.compound_history": {"admin", "official", "dispatcher"},
    "surveys.questions": {"admin", "official", "dispatcher"},
    "surveys.add": {"admin", "official"},
    "surveys.edit": {"admin", "official"},
    "surveys.question_active": {"admin", "official"},
    "survey_public.answer": PUBLIC,
}


def test_every_route_is_in_the_table(app):
    assert {rule.endpoint for rule in app.url_map.iter_rules()} == set(ACCESS)


def _requests(app, compound_id, assignment_id, type_id=1, plan_id=1):
    values = {"compound_id": compound_id, "assignment_id": assignment_id, "code": "en", "filename": "css/app.css",
              "type_id": type_id, "plan_id": plan_id, "token": "not-a-token",
              "notification_id": 1, "task_id": 1, "photo_id": 1, "handover_id": 1, "item_id": 1,
              "complaint_id": 1, "tracking_code": "NOSUCHCODE", "subdistrict_id": 1, "month": "2026-10",
              "kind": "pdf", "crew_id": 1, "user_id": 1, "organisation_id": 1, "rectification_id": 1,
              "statement_id": 1, "line_id": 1, "project_id": 1, "problem_id": 1,
              "consultation_id": 1, "note_id": 1, "round_id": 1, "question_id": 1}
    for rule in app.url_map.iter_rules():
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


@pytest.mark.parametrize("role", [None, *ROLES])
def test_route_access_by_role(app, client, db, role, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # access is what is tested here
    compound = CompoundFactory()
    assignment = AssignmentFactory()
    standard = ServiceStandardFactory()
    plan = ServicePlan(compound_id=compound.id, service_type_id=standard.service_type_id, rrule="FREQ=DAILY",
                       windows=[{"start": "07:00", "end": "09:00"}], starts_on=date(2026, 12, 1))
    db.session.add(plan)
    db.session.commit()
    headers = {}
    if role:
        user = UserFactory(role=role)
        headers = {"Authorization": f"Bearer {create_token(user)}"}
    for endpoint, method, url in _requests(app, compound.id, assignment.id, standard.service_type_id, plan.id):
        is_api = endpoint.startswith("api.")
        if role and not is_api:  # sign in again: a previous request may have been a sign-out
            client.post("/login", data={"username": user.username, "password": "password123"})
        response = client.open(url, method=method, headers=headers if is_api else {}, json={} if is_api else None)
        rule = ACCESS[endpoint]
        where = f"{method} {url} as {role or 'anonymous'}"
        if rule == PUBLIC or (role and role in rule):
            assert response.status_code not in (401, 403), where
            assert "/login?next=" not in response.headers.get("Location", ""), where
            assert response.status_code < 500, where
        elif role is None and is_api:
            assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized", where
        elif role is None:
            assert response.status_code == 302, where
            assert "/login" in response.headers["Location"], where
        else:
            assert response.status_code == 403, where
            if is_api:
                assert response.json["error"]["code"] == "forbidden", where
