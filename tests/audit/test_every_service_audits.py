"""Nothing in the app writes without an audit entry: every service that changes state is walked here
(called for real, then its entry looked for), or named below with where its entry is written instead.

A new public function in a services module fails test_every_service_is_walked_or_explained until it is
added to WALKS or EXPLAINED.
"""
import ast
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from propmgmt.audit.models import AuditEntry

from ..factories import CompoundFactory, OrganisationFactory, UserFactory

PACKAGE = Path(__file__).resolve().parents[2] / "propmgmt"
SERVICE_MODULES = [*sorted(PACKAGE.glob("*/services.py")), PACKAGE / "plans" / "transitions.py",
                   PACKAGE / "renovation" / "consultation.py", PACKAGE / "renovation" / "supervision.py",
                   PACKAGE / "compounds" / "rooms.py"]

# Helpers, read-only functions and steps whose caller writes the entry (the caller is walked).
EXPLAINED = {
    "assignments.services.fallback_operator": "read-only",
    "assignments.services.propose_assignments": "bulk form of propose_assignment: one entry per compound",
    "assignments.services.generate_first_tasks": "part of approve_assignment (audited there)",
    "audit.services.record": "writes the entry itself",
    "auth.services.create_user": "CLI; in the app users.services.create_account writes user_created",
    "auth.services.change_password": "CLI; in the app reset_password / change_own_password write the entry",
    "auth.services.deactivate_user": "CLI; in the app deactivate_account writes user_deactivated",
    "auth.services.authenticate": "sign-in (failed attempts are kept in login_attempt)",
    "auth.services.start_session": "sign-in",
    "auth.services.end_session": "sign-out of this device",
    "auth.services.end_all_sessions": "part of end_sessions / deactivate_account (audited there)",
    "auth.services.user_for_session": "read-only",
    "auth.services.create_token": "CLI create-token",
    "auth.services.revoke_tokens": "CLI; in the app revoke_api_tokens writes tokens_revoked",
    "auth.services.user_for_token": "read-only (notes last use)",
    "complaints.services.new_tracking_code": "read-only",
    "complaints.services.client_key": "read-only",
    "complaints.services.mask_phone": "read-only",
    "complaints.services.mask_name": "read-only",
    "complaints.services.check_report_rate": "read-only (the limits of the residents' posts)",
    "complaints.services.count_report": "a step of a public post (counts it for the limits)",
    "complaints.services.receive_hotline": "receive_hotline_ticket is its caller-facing form (complaint_received)",
    "complaints.services.open_case": "a step of submit_report / receive_hotline_ticket (audited there)",
    "complaints.services.by_code": "read-only",
    "complaints.services.find_case": "read-only (it counts a miss for the throttle, not a state change)",
    "complaints.services.check_lookups": "read-only (the tracking codes' throttle)",
    "complaints.services.count_lookup_miss": "counts a miss for the throttle, not a state change",
    "complaints.services.match_compound": "read-only (finds the compound)",
    "complaints.services.import_hotline_rows": "one receive_hotline_ticket per row",
    "complaints.services.resolve_from_task": "part of complete_task for a case: complaint_resolved",
    "compounds.services.new_public_code": "read-only",
    "compounds.services.rule_errors": "read-only",
    "compounds.services.import_compounds": "bulk rows {'action': 'imported'} (tests/compounds)",
    "field.services.apply_once": "replays the tablet's queue into start_task / complete_task",
    "field.services.task_for": "read-only",
    "field.services.verify_selection": "one verify_task per task",
    "handovers.services.stage_conditions": "read-only",
    "handovers.services.vote_of": "read-only",
    "outbox.services.after_quiet_hours": "read-only",
    "outbox.services.webhook_configured": "read-only",
    "outbox.services.notification_rows": "read-only",
    "outbox.services.enqueue_notifications": "messages about audited changes, not a change of a record",
    "outbox.services.notify_users": "messages about audited changes, not a change of a record",
    "oversight.services.archive_monthly_report": "the scheduler's archive of a report (no record changes)",
    "oversight.services.announce_monthly_report": "a notification",
    "oversight.services.report_pdf_for_download": "a stored rendering of the report (a cache, no record changes)",
    "plans.services.current_standard": "read-only",
    "plans.services.create_default_plans": "part of approve_assignment (audited there)",
    "plans.services.end_plans_of_assignment": "part of end_assignment / complete_handover (audited there)",
    "plans.transitions.work_time": "read-only",
    "plans.transitions.mark_missed": "the scheduler's bulk transition of passed windows (figures count them)",
    "plans.transitions.cancel_future_tasks": "part of end_plans_of_assignment (audited by its caller)",
    "reminders.services.mark_read": "the user's own inbox, not a record",
    "reminders.services.mark_all_read": "the user's own inbox, not a record",
    "users.services.one_time_password": "read-only",
    "users.services.normalise_mobile": "read-only",
    "users.services.open_future_tasks": "read-only",
    "crews.services.compound_move_preview": "read-only (the preview before assign_compound)",
    "crews.services.compound_removal_preview": "read-only (the preview before remove_compound)",
    "crews.services.operator_move_preview": "read-only (the preview before move_operator)",
    "crews.services.future_tasks_of": "read-only",
    "crews.services.joining_preview": "read-only (the preview before move_operator)",
    "crews.services.serving_crews": "read-only",
    "handovers.services.firm_users": "read-only",
    "plans.transitions.future_work": "read-only",
    "assessment.services.crew_of": "read-only",
    "assessment.services.distance_m": "read-only",
    "settlement.services.compute_month": "read-only (the figures a draft is made of)",
    "settlement.services.corrections_for": "read-only (part of draft_statement)",
    "settlement.services.draft_due": "the scheduler's loop over draft_statement (audited there)",
    "settlement.services.statement_with_lines": "read-only",
    "renovation.services.sync_compounds": "part of every project change (audited by its caller)",
    "renovation.services.ensure_content_items": "the demo's starting list, written once",
    # Audited (the action named); the entry is not yet asserted by a test of its own:
    "renovation.services.update_project": "renovation_project_changed",
    "renovation.services.record_progress": "renovation_progress",
    "renovation.services.solve_problem": "renovation_problem_solved",
    "renovation.services.add_content_item": "renovation_item_added",
    "renovation.services.set_content_item_active": "renovation_item_withdrawn / renovation_item_restored",
    "renovation.services.create_project": "tests/renovation (renovation_project_created)",
    "renovation.services.advance_stage": "tests/renovation (renovation_stage)",
    "renovation.consultation.give_opinion": "a resident's opinion: counted in the tally, not a change of a "
                                            "record (its room and words are private, so not on the timeline)",
    "renovation.consultation.open_consultation": "tests/renovation (renovation_consultation_opened)",
    "renovation.consultation.close_consultation": "tests/renovation (renovation_consultation_closed)",
    "renovation.consultation.record_plan_change": "tests/renovation (renovation_plan_changed)",
    "renovation.supervision.may_answer": "read-only",
    "renovation.supervision.find_note": "read-only (it counts a miss for the throttle, not a state change)",
    "renovation.supervision.file_note": "tests/renovation (renovation_note_filed)",
    "renovation.supervision.answer_note": "tests/renovation (renovation_note_answered)",
    "compounds.rooms.normalise_room": "read-only",
    "compounds.rooms.room_known": "read-only",
    "compounds.rooms.room_count": "read-only",
    "compounds.rooms.room_list": "read-only",
    "compounds.rooms.set_rooms": "compound_rooms_set",
    "assessment.services.record_spot_check": "spot_check_recorded",
    "assessment.services.report_fixed": "rectification_fixed",
    "assessment.services.save_policy": "assessment_policy_saved",
    "assessment.services.verify_rectification": "rectification_verified / rectification_reopened",
    "settlement.services.draft_statement": "statement_drafted",
    "settlement.services.contest_line": "statement_line_contested",
    "settlement.services.approve_statement": "tests/settlement (statement_approved)",
    "crews.services.create_crew": "crew_created",
    "crews.services.update_crew": "crew_changed",
    "crews.services.move_operator": "operator_moved",
    "crews.services.deactivate_operator": "operator_deactivated",
    "crews.services.assign_compound": "compound_crew_changed",
    "crews.services.remove_compound": "compound_crew_removed",
    # Audited, and walked with their full set-up by their domain's own tests:
    "complaints.services.submit_report": "tests/residents (complaint_received)",
    "complaints.services.dispatch": "tests/complaints (complaint_dispatched)",
    "complaints.services.resolve": "tests/complaints (complaint_resolved)",
    "complaints.services.close": "tests/complaints (complaint_closed)",
    "complaints.services.rate": "tests/residents (complaint_rated)",
    "complaints.services.reopen": "tests/residents (complaint_reopened)",
    "complaints.services.match_to_compound": "tests/complaints (complaint_matched)",
    "complaints.services.receive_hotline_ticket": "tests/complaints (complaint_received)",
    "complaints.services.report_from_field": "tests/field (problem_reported)",
    "handovers.services.advance": "tests/handovers (handover_stage)",
    "handovers.services.record_owners_decision": "tests/handovers (owners_decision)",
    "handovers.services.select_firm": "tests/handovers (firm_selected)",
    "handovers.services.record_inspection": "tests/handovers (inspection_item_recorded)",
    "handovers.services.mark_fixed": "tests/handovers (defect_fixed)",
    "handovers.services.sign_inspection": "tests/handovers (inspection_signed)",
    "handovers.services.complete_handover": "tests/handovers (handover_completed)",
    "handovers.services.abort_handover": "tests/handovers (handover_aborted)",
    "plans.services.create_plan": "tests/plans (plan_created)",
    "plans.services.update_plan": "tests/plans (plan_changed)",
    "plans.services.add_standard_version": "tests/plans (standard_versioned)",
    "plans.transitions.create_task_for_case": "tests/complaints (task_created_for_complaint)",
    "plans.transitions.complete_task": "tests/field (task_completed)",
    "plans.transitions.reassign_task": "tests/field (task_reassigned)",
    "plans.transitions.reassign_tasks": "tests/crews (task_reassigned, one per task)",
    "reminders.services.requeue_notification": "tests/reminders (notification_requeued)",
    "surveys.services.ensure_questions": "the starting questions, written once",
    "surveys.services.quarter_of": "read-only",
    "surveys.services.open_round_for": "read-only",
    "surveys.services.device_answered": "read-only",
    "surveys.services.submit_answer": "a household's anonymous answer: the answer row is the record",
    "surveys.services.schedule_rounds": "the scheduler's rounds (survey_round_opened, tests/surveys)",
    "surveys.services.add_question": "survey_question_added",
    "surveys.services.edit_question": "survey_question_changed",
    "surveys.services.set_question_active": "survey_question_active",
}


def service_functions() -> set[str]:
    names = set()
    for path in SERVICE_MODULES:
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                names.add(f"{module}.{node.name}")
    return names


# ---- the walks: each sets up, calls the service, and says which action its entry must have ----

def _admin():
    return UserFactory(role="admin")


def walk_create_account(ctx):
    from propmgmt.users.services import create_account
    create_account(_admin(), now=ctx.now, username="walk", display_name="走查", role="official")
    return "user_created"


def walk_update_account(ctx):
    from propmgmt.users.services import update_account
    update_account(_admin(), UserFactory(role="official"), now=ctx.now, display_name="新名字", role="official",
                   organisation_id=None)
    return "user_updated"


def walk_deactivate_account(ctx):
    from propmgmt.users.services import deactivate_account
    deactivate_account(_admin(), UserFactory(role="official"), now=ctx.now)
    return "user_deactivated"


def walk_reactivate_account(ctx):
    from propmgmt.users.services import reactivate_account
    reactivate_account(_admin(), UserFactory(role="official", active=False), now=ctx.now)
    return "user_reactivated"


def walk_reset_password(ctx):
    from propmgmt.users.services import reset_password
    reset_password(_admin(), UserFactory(), now=ctx.now)
    return "password_reset"


def walk_end_sessions(ctx):
    from propmgmt.users.services import end_sessions
    end_sessions(_admin(), UserFactory(), now=ctx.now)
    return "sessions_ended"


def walk_revoke_api_tokens(ctx):
    from propmgmt.users.services import revoke_api_tokens
    revoke_api_tokens(_admin(), UserFactory(), now=ctx.now)
    return "tokens_revoked"


def walk_change_own_password(ctx):
    from propmgmt.users.services import change_own_password
    change_own_password(UserFactory(), "password123", "another-password", now=ctx.now)
    return "password_changed"


def walk_update_preferences(ctx):
    from propmgmt.reminders.services import update_preferences
    update_preferences(UserFactory(), email="a@example.cn", notify_email=True, notify_webhook=False,
                       quiet_start=None, quiet_end=None, now=ctx.now)
    return "preferences_changed"


FIRM = {"name": "走查物业", "credit_code": "91110000600037341L"}


def walk_register_firm(ctx):
    from propmgmt.orgs.services import register_firm
    register_firm(_admin(), now=ctx.now, **FIRM)
    return "organisation_registered"


def walk_update_organisation(ctx):
    from propmgmt.orgs.services import update_organisation
    update_organisation(_admin(), OrganisationFactory(), now=ctx.now, **FIRM)
    return "organisation_updated"


def walk_suspend_organisation(ctx):
    from propmgmt.orgs.services import suspend_organisation
    suspend_organisation(_admin(), OrganisationFactory(), now=ctx.now, reason="走查")
    return "organisation_suspended"


def walk_reinstate_organisation(ctx):
    from propmgmt.orgs.services import reinstate_organisation
    reinstate_organisation(_admin(), OrganisationFactory(active=False), now=ctx.now)
    return "organisation_reinstated"


def walk_create_compound(ctx):
    from propmgmt.compounds.services import create_compound
    create_compound(ctx.setting.official, {"name": "走查小区", "community_id": ctx.compound.community_id,
                                           "households": 10, "buildings": 1}, now=ctx.now)
    return "created"


def walk_update_compound(ctx):
    from propmgmt.compounds.services import update_compound
    update_compound(ctx.setting.official, ctx.compound, {"households": ctx.compound.households + 1}, now=ctx.now)
    return "updated"


def _proposed(ctx):
    from propmgmt.assignments.services import propose_assignment
    return propose_assignment(ctx.setting.official, CompoundFactory(), ctx.setting.proposal(), now=ctx.now)


def walk_propose_assignment(ctx):
    _proposed(ctx)
    return "assignment_proposed"


def walk_approve_assignment(ctx):
    from propmgmt.assignments.services import approve_assignment
    approve_assignment(ctx.setting.official, _proposed(ctx), now=ctx.now, generate=False)
    return "assignment_approved"


def walk_reject_assignment(ctx):
    from propmgmt.assignments.services import reject_assignment
    reject_assignment(ctx.setting.official, _proposed(ctx), "走查", now=ctx.now)
    return "assignment_rejected"


def _active_assignment(ctx):
    from propmgmt.assignments.models import Assignment
    return ctx.db.session.scalar(select(Assignment).where(Assignment.compound_id == ctx.compound.id))


def walk_end_assignment(ctx):
    from propmgmt.assignments.services import end_assignment
    end_assignment(ctx.setting.official, _active_assignment(ctx), "revoked", "走查", now=ctx.now)
    return "assignment_ended"


def walk_release_compound(ctx):
    from propmgmt.assignments.services import release_compound
    compound = CompoundFactory(management_mode="professional", firm_id=OrganisationFactory().id)
    release_compound(ctx.setting.official, compound, "物业撤场", now=ctx.now)
    return "mode_changed"


def walk_set_plan_paused(ctx):
    from propmgmt.plans.models import ServicePlan
    from propmgmt.plans.services import set_plan_paused
    plan = ctx.db.session.scalar(select(ServicePlan).where(ServicePlan.compound_id == ctx.compound.id).limit(1))
    set_plan_paused(ctx.setting.dispatcher, plan, True, now=ctx.now)
    return "plan_paused"


def walk_start_task(ctx):
    from propmgmt.plans.transitions import start_task
    start_task(ctx.operator, ctx.task, now=ctx.now)
    return "task_started"


def _done_task(ctx):
    ctx.task.status, ctx.task.completed_at, ctx.task.completed_by_id = "done", ctx.now, ctx.operator.id
    ctx.db.session.flush()
    return ctx.task


def walk_verify_task(ctx):
    from propmgmt.plans.transitions import verify_task
    verify_task(ctx.setting.dispatcher, _done_task(ctx), now=ctx.now)
    return "task_verified"


def walk_reject_task(ctx):
    from propmgmt.plans.transitions import reject_task
    reject_task(ctx.setting.dispatcher, _done_task(ctx), "重做", now=ctx.now)
    return "task_rejected"


def walk_start_handover(ctx):
    from propmgmt.handovers.services import start_handover
    start_handover(ctx.setting.official, ctx.compound, owner_id=None, due_on=None, now=ctx.now)
    return "handover_started"


def walk_update_readiness(ctx):
    from propmgmt.handovers.services import update_readiness
    update_readiness(ctx.setting.official, ctx.compound, owners_committee=True, fee_willingness=Decimal("80"),
                     evidence="业委会成立", now=ctx.now)
    return "readiness_recorded"


def walk_update_policy(ctx):
    from propmgmt.handovers.services import update_policy
    update_policy(_admin(), fee_willingness_min=Decimal("70"), months_in_fallback_min=6, stuck_after_days=30,
                  now=ctx.now)
    return "policy_changed"


def walk_open_round(ctx):
    from propmgmt.surveys.services import RoundData, ensure_questions, open_round
    ensure_questions()
    open_round(ctx.setting.official, RoundData("满意度调查", ctx.now.date(), ctx.now.date() + timedelta(days=20),
                                               "compound", compound_id=ctx.compound.id), now=ctx.now)
    return "survey_round_opened"


def walk_close_round(ctx):
    from propmgmt.surveys.services import RoundData, close_round, ensure_questions, open_round
    ensure_questions()
    survey = open_round(ctx.setting.official, RoundData("满意度调查", ctx.now.date(), ctx.now.date() + timedelta(
        days=20), "compound", compound_id=ctx.compound.id), now=ctx.now)
    close_round(ctx.setting.official, survey, now=ctx.now)
    return "survey_round_closed"


def walk_acknowledge(ctx):
    from propmgmt.complaints.services import acknowledge, open_case
    case = open_case(compound_id=ctx.compound.id, source="resident", category="garbage_not_collected",
                     description="楼下垃圾没清", now=ctx.now - timedelta(minutes=5))
    acknowledge(ctx.setting.dispatcher, case, now=ctx.now)
    return "complaint_acknowledged"


WALKS = {f"{module}.{fn.__name__[len('walk_'):]}": fn for module, fn in [
    ("users.services", walk_create_account), ("users.services", walk_update_account),
    ("users.services", walk_deactivate_account), ("users.services", walk_reactivate_account),
    ("users.services", walk_reset_password), ("users.services", walk_end_sessions),
    ("users.services", walk_revoke_api_tokens), ("users.services", walk_change_own_password),
    ("reminders.services", walk_update_preferences),
    ("orgs.services", walk_register_firm), ("orgs.services", walk_update_organisation),
    ("orgs.services", walk_suspend_organisation), ("orgs.services", walk_reinstate_organisation),
    ("compounds.services", walk_create_compound), ("compounds.services", walk_update_compound),
    ("assignments.services", walk_propose_assignment), ("assignments.services", walk_approve_assignment),
    ("assignments.services", walk_reject_assignment), ("assignments.services", walk_end_assignment),
    ("assignments.services", walk_release_compound),
    ("plans.services", walk_set_plan_paused),
    ("plans.transitions", walk_start_task), ("plans.transitions", walk_verify_task),
    ("plans.transitions", walk_reject_task),
    ("handovers.services", walk_start_handover), ("handovers.services", walk_update_readiness),
    ("handovers.services", walk_update_policy),
    ("complaints.services", walk_acknowledge),
    ("surveys.services", walk_open_round), ("surveys.services", walk_close_round),
]}


def test_every_service_is_walked_or_explained():
    missing = service_functions() - set(WALKS) - set(EXPLAINED)
    assert sorted(missing) == [], "walk these services here, or explain in EXPLAINED why they need no entry"
    assert not set(WALKS) & set(EXPLAINED)
    assert set(WALKS) | set(EXPLAINED) <= service_functions()  # no stale names


@pytest.mark.parametrize("service", sorted(WALKS))
def test_the_service_writes_its_audit_entry(db, field_day, setting, frozen_clock, service):
    class Context:
        pass

    ctx = Context()
    ctx.db, ctx.now, ctx.setting = db, frozen_clock, setting
    ctx.compound, ctx.operator, ctx.task = field_day["compound"], field_day["operator"], field_day["tasks"][0]
    ctx.task.assignee_id = ctx.operator.id
    db.session.flush()
    before = db.session.scalar(select(func.max(AuditEntry.id))) or 0
    action = WALKS[service](ctx)
    db.session.flush()
    written = db.session.scalars(select(AuditEntry.action).where(AuditEntry.id > before)).all()
    assert action in written, f"{service} wrote {written}"
