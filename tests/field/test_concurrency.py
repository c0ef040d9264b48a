"""The tablet's queue sends one record twice at once (the soak found this on PostgreSQL): the work is
applied once and both requests get its answer, not one answer and one refusal.

These tests commit (each thread has its own connection), so they clean the database after.
"""
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from propmgmt.audit.models import AuditEntry
from propmgmt.clock import utcnow
from propmgmt.extensions import db
from propmgmt.field.models import FieldSubmission
from propmgmt.field.services import apply_once, task_for
from propmgmt.plans.models import Task
from propmgmt.plans.transitions import Completion, complete_task

from ..concurrency import race, wipe
from ..factories import CompoundFactory, CrewFactory, ServiceStandardFactory, UserFactory


@pytest.fixture
def committed(app):
    with app.app_context():
        standard = ServiceStandardFactory(photo_required=False)
        crew = CrewFactory()
        compound = CompoundFactory()
        operator = UserFactory(role="operator", crew=crew)
        now = utcnow()
        task = Task(compound_id=compound.id, service_type_id=standard.service_type_id, standard_id=standard.id,
                    crew_id=crew.id, window_start=now - timedelta(minutes=10), window_end=now + timedelta(hours=1),
                    status="scheduled", recorded_offline=False, note="", rejection_reason="", created_at=now)
        db.session.add(task)
        db.session.commit()
        ids = {"task": task.id, "operator": operator.id, "checklist": list(standard.checklist)}
        db.session.remove()
    yield ids
    wipe(app)


def test_one_record_sent_twice_at_once_is_applied_once_with_one_answer(app, committed):
    from propmgmt.auth.models import User
    answers = []

    def submit():
        user = db.session.get(User, committed["operator"])

        def action():
            task = complete_task(user, task_for(user, committed["task"]),
                                 Completion(checklist={item: True for item in committed["checklist"]}),
                                 now=utcnow(), upload_dir="/nonexistent")
            time.sleep(0.3)  # still uncommitted when the twin looks up the key
            return 200, {"task": {"id": task.id, "status": task.status}}, task.id

        answers.append(apply_once(user, "same-key-0001", "complete", action, now=utcnow()))

    assert race(app, [submit, submit]) == ["ok", "ok"]
    assert answers[0] == answers[1] == (200, {"task": {"id": committed["task"], "status": "done"}})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "task_completed", AuditEntry.entity_id == committed["task"])) == 1
        assert db.session.scalar(select(FieldSubmission.replays)) == 1
        db.session.remove()
