"""A case's life: deadlines, conditional transitions with audit, dispatch to the field, reminders."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from propmgmt.audit.models import AuditEntry
from propmgmt.complaints import services
from propmgmt.errors import Conflict, DomainError
from propmgmt.field.queries import my_days
from propmgmt.outbox.models import Notification
from propmgmt.plans.transitions import Completion, complete_task
from propmgmt.reminders.sweeps import enqueue_complaint_reminders

from ..factories import UserFactory


@pytest.fixture
def case(db, field_day, now):
    complaint = services.open_case(compound_id=field_day["compound"].id, source="resident",
                                   category="sewage_overflow", description="污水外溢", now=now)
    db.session.commit()
    return complaint


def test_policy_sets_severity_and_deadlines(case, now):
    assert case.severity == "urgent"
    assert case.acknowledge_due_at == now + timedelta(hours=1)
    assert case.resolve_due_at == now + timedelta(hours=4)


def test_transitions_are_conditional_and_audited(db, case, setting, now):
    services.acknowledge(setting.dispatcher, case, now=now + timedelta(minutes=20))
    assert case.status == "acknowledged" and case.acknowledged_at == now + timedelta(minutes=20)
    with pytest.raises(Conflict):
        services.acknowledge(setting.dispatcher, case, now=now)
    with pytest.raises(DomainError):
        services.close(setting.dispatcher, case, now=now)
    with pytest.raises(DomainError):
        services.acknowledge(UserFactory(role="official"), case, now=now)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "complaint",
                                                                 AuditEntry.entity_id == case.id)).all()
    assert actions == ["complaint_acknowledged"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "complaint",
                                                       AuditEntry.entity_id == case.id))
    assert entry.compound_id == case.compound_id and (entry.from_state, entry.to_state) == ("received",
                                                                                            "acknowledged")


def test_dispatch_makes_a_task_in_the_operators_day_and_completing_it_resolves(db, case, setting, field_day,
                                                                               app, now):
    import datetime as dt
    real_now = dt.datetime.now(dt.timezone.utc)
    task = services.dispatch(setting.dispatcher, case, now=real_now)
    db.session.commit()
    assert case.status == "dispatched" and case.dispatched_at == real_now and case.acknowledged_at == real_now
    assert (task.plan_id, task.complaint_id, task.crew_id, task.compound_id) == (
        None, case.id, setting.crew.id, case.compound_id)
    assert task.window_start == real_now and task.window_end == max(case.resolve_due_at,
                                                                     real_now + timedelta(hours=1))
    operator = field_day["operator"]
    day_tasks = [t.id for d in my_days(operator, now=real_now) for g in d.groups for t in g.tasks]
    assert task.id in day_tasks
    complete_task(operator, task, Completion(checklist={"道路清扫": True, "楼道清扫": True}, note="已疏通",
                                             photos=[__import__("PIL.Image", fromlist=["Image"]).new(
                                                 "RGB", (10, 10))]),
                  now=real_now + timedelta(minutes=50), upload_dir=app.config["UPLOAD_DIR"])
    db.session.refresh(case)
    assert case.status == "resolved" and case.resolution_note == "已疏通"
    assert case.resolved_at == real_now + timedelta(minutes=50)


def test_dispatch_needs_a_compound_and_a_crew_or_operator(db, setting, now):
    unmatched = services.open_case(compound_id=None, source="hotline", category="other", description="x", now=now)
    with pytest.raises(DomainError) as refused:
        services.dispatch(setting.dispatcher, unmatched, now=now)
    assert refused.value.field == "compound_id"
    from ..factories import CompoundFactory
    lonely = services.open_case(compound_id=CompoundFactory().id, source="resident", category="other",
                                description="x", now=now)
    with pytest.raises(DomainError):
        services.dispatch(setting.dispatcher, lonely, now=now)
    assert lonely.status == "received"


def test_sla_sweep_warns_then_escalates_once(db, case, setting, now):
    setting.dispatcher.active = True
    db.session.commit()
    assert enqueue_complaint_reminders(now=now)["rows"] == 0  # deadline 1 h away
    result = enqueue_complaint_reminders(now=now + timedelta(minutes=40))
    assert result["near"] == 1
    assert enqueue_complaint_reminders(now=now + timedelta(minutes=45))["near"] == 1
    kinds = db.session.execute(select(Notification.kind, func.count()).where(Notification.subject_id == case.id,
                                                                             Notification.subject_type == "complaint")
                               .group_by(Notification.kind)).all()
    assert dict(kinds) == {"complaint_sla": 1}  # written once, whatever the number of sweeps
    enqueue_complaint_reminders(now=now + timedelta(hours=2))
    rows = db.session.execute(select(Notification.kind, Notification.recipient_id).where(
        Notification.subject_id == case.id, Notification.subject_type == "complaint",
        Notification.channel == "in_app")).all()
    assert {kind for kind, _ in rows} == {"complaint_sla", "complaint_ack_overdue"}
    # past the deadline, the compound's responsible leader hears of it too
    assert {who for kind, who in rows if kind == "complaint_ack_overdue"} >= {setting.dispatcher.id,
                                                                            setting.official.id}


def test_sweep_is_a_scheduler_job(app):
    from propmgmt.scheduler.cli import INTERVALS
    from propmgmt.scheduler.jobs import JOBS
    assert "complaint_reminders" in JOBS and "complaint_reminders" in INTERVALS


def test_reminder_text_reads(db, case, setting, now):
    from propmgmt.reminders.messages import render
    enqueue_complaint_reminders(now=now + timedelta(hours=2))
    row = db.session.scalar(select(Notification).where(Notification.kind == "complaint_ack_overdue"))
    title, body = render(row)
    assert case.tracking_code in title and "育英小区" in body and "11:00" in body  # 03:00 UTC in Asia/Shanghai


def test_field_reports_get_the_same_deadlines(db, field_day, now, app):
    from propmgmt.complaints.services import report_from_field
    case = report_from_field(field_day["operator"], field_day["compound"].id, "blocked_shaft", "井道堵塞", [], now=now,
                          upload_dir=app.config["UPLOAD_DIR"])
    assert case.severity == "urgent"
    assert (case.acknowledge_due_at, case.resolve_due_at) == (now + timedelta(hours=1), now + timedelta(hours=8))
