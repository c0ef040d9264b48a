"""Crews: forming them, moving operators and compounds between them, and operators who leave."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from propmgmt.audit.models import AuditEntry
from propmgmt.crews.services import (
    assign_compound,
    compound_move_preview,
    create_crew,
    deactivate_operator,
    move_operator,
    operator_move_preview,
    remove_compound,
    update_crew,
)
from propmgmt.errors import DomainError
from propmgmt.orgs.models import crew_compound
from propmgmt.plans.generation import generate_tasks
from propmgmt.plans.models import ServicePlan, Task

from ..factories import CompoundFactory, CrewFactory, FallbackOperatorFactory, ServicePlanFactory, UserFactory

NOW = date(2026, 11, 25)


@pytest.fixture
def world(db, now):
    """Crew A serving one compound with a daily plan of 赵师傅's and a week of his tasks; an empty crew B."""
    org = FallbackOperatorFactory()
    a, b = CrewFactory(organisation=org, name="东片一组"), CrewFactory(organisation=org, name="西片二组")
    dispatcher = UserFactory(role="dispatcher", organisation=org)
    zhao = UserFactory(role="operator", crew=a, display_name="赵师傅", work_no="JC0001")
    qian = UserFactory(role="operator", crew=a, display_name="钱师傅", work_no="JC0002")
    compound = CompoundFactory(name="育英小区", management_mode="fallback")
    db.session.execute(crew_compound.insert().values(crew_id=a.id, compound_id=compound.id))
    plan = ServicePlanFactory(compound=compound, crew=a, operator_id=zhao.id)
    generate_tasks(date(2026, 12, 1), now=now)
    db.session.flush()
    return dict(a=a, b=b, dispatcher=dispatcher, zhao=zhao, qian=qian, compound=compound, plan=plan)


def _tasks(db, **where):
    return db.session.scalars(select(Task).filter_by(**where)).all()


def test_a_crew_is_created_named_and_led_by_one_of_its_operators(world, now):
    crew = create_crew(world["dispatcher"], name="南山三组", work_phone="0353-7654321", now=now)
    with pytest.raises(DomainError, match="已有名为"):
        create_crew(world["dispatcher"], name="南山三组", work_phone="", now=now)
    with pytest.raises(DomainError, match="在岗的作业人员"):
        update_crew(world["dispatcher"], crew, name="南山三组", work_phone="", leader_id=world["zhao"].id, now=now)
    update_crew(world["dispatcher"], world["a"], name="东片一组", work_phone="1", leader_id=world["zhao"].id, now=now)
    assert world["a"].leader.display_name == "赵师傅"


def test_only_dispatchers_form_crews(world, now):
    with pytest.raises(DomainError):
        create_crew(UserFactory(role="official"), name="X", work_phone="", now=now)


def test_a_compound_moves_with_its_future_tasks_and_plans_in_one_step(db, world, now):
    future = len(_tasks(db, compound_id=world["compound"].id, status="scheduled"))
    assert future > 3
    preview = compound_move_preview(world["b"], world["compound"], starts_on=NOW, now=now)
    assert (preview.tasks, preview.compounds) == (future, ["育英小区"])
    assert (preview.giver, preview.taker) == ("东片一组", "西片二组")
    assign_compound(world["dispatcher"], world["b"], world["compound"], starts_on=NOW, now=now)
    moved = _tasks(db, compound_id=world["compound"].id)
    assert {(t.crew_id, t.assignee_id) for t in moved} == {(world["b"].id, None)}
    assert db.session.get(ServicePlan, world["plan"].id).crew_id == world["b"].id  # later generation follows
    assert [c.id for c in world["b"].compounds] == [world["compound"].id] and world["a"].compounds == []
    assert db.session.execute(select(crew_compound.c.starts_on)).scalar() == NOW
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "task_reassigned")).all()
    assert len(entries) == future and entries[0].changes["crew"] == ["东片一组", "西片二组"]


def test_a_compound_starting_later_keeps_the_days_before_with_its_crew(db, world, now):
    assign_compound(world["dispatcher"], world["b"], world["compound"], starts_on=NOW + timedelta(days=3), now=now)
    crews = {t.crew_id for t in _tasks(db, compound_id=world["compound"].id)}
    assert crews == {world["a"].id, world["b"].id}
    with pytest.raises(DomainError, match="不能早于今天"):
        compound_move_preview(world["a"], world["compound"], starts_on=NOW - timedelta(days=1), now=now)


def test_removing_a_compound_from_its_only_crew_while_tasks_are_scheduled_is_refused(db, world, now):
    with pytest.raises(DomainError, match="没有其他班组服务"):
        remove_compound(world["dispatcher"], world["a"], world["compound"], now=now)
    assert [c.id for c in world["a"].compounds] == [world["compound"].id]  # nothing changed


def test_an_operator_leaving_hands_future_work_to_a_member_then_is_deactivated(db, world, now):
    zhao, qian = world["zhao"], world["qian"]
    with pytest.raises(DomainError, match="项后续任务"):
        deactivate_operator(world["dispatcher"], zhao, now=now)
    assert zhao.active
    preview = operator_move_preview(zhao, hand_to_id=qian.id, now=now)
    assert preview.tasks == len(_tasks(db, assignee_id=zhao.id, status="scheduled"))
    assert preview.taker.startswith("钱师傅") and "JC0002" in preview.taker
    move_operator(world["dispatcher"], zhao, world["b"], hand_to_id=qian.id, now=now)
    assert _tasks(db, assignee_id=zhao.id, status="scheduled") == []
    assert db.session.get(ServicePlan, world["plan"].id).operator_id == qian.id
    assert zhao.crew_id == world["b"].id
    deactivate_operator(world["dispatcher"], zhao, now=now)
    assert not zhao.active


def test_an_operator_moved_without_a_taker_leaves_the_work_to_the_crew(db, world, now):
    move_operator(world["dispatcher"], world["zhao"], None, hand_to_id=None, now=now)
    assert {(t.crew_id, t.assignee_id) for t in _tasks(db, compound_id=world["compound"].id)} == {(world["a"].id, None)}
    with pytest.raises(DomainError, match="另一名在岗成员"):
        operator_move_preview(world["qian"], hand_to_id=world["zhao"].id, now=now)
