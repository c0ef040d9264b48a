"""A renovation project through its stages, and the register's renovation status kept in step."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from propmgmt.audit.models import AuditEntry
from propmgmt.errors import Conflict, DomainError, Forbidden
from propmgmt.renovation.models import ContentItem
from propmgmt.renovation.services import (
    ProblemData,
    ProjectData,
    add_content_item,
    advance_stage,
    create_project,
    record_progress,
    set_content_item_active,
    solve_problem,
    update_project,
)

from ..factories import CompoundFactory, UserFactory


@pytest.fixture
def official(db):
    return UserFactory(role="official", display_name="王科长")


def _data(compounds, leader, **overrides):
    items = [i.id for i in ContentItem.query.filter(ContentItem.name.in_(("整修道路", "外墙"))).all()]
    values = dict(name="义东沟村南苑东西区改造", tier="improvement", compound_ids=[c.id for c in compounds],
                  item_ids=items, funding={"central": 300_000_000, "district": 120_000_050, "residents": 0},
                  leader_id=leader.id, team=[(UserFactory(role="dispatcher").id, "现场协调")],
                  contractor="", planned={"new_start": date(2026, 12, 1), "under_construction": date(2027, 1, 10),
                                          "completed": date(2027, 6, 30), "accepted": date(2027, 8, 31)})
    return ProjectData(**(values | overrides))


def test_a_project_for_two_compounds_is_taken_through_every_stage(db, official, now):
    south, east = CompoundFactory(renovation_status=None), CompoundFactory(renovation_status="completed")
    project = create_project(official, _data([south, east], official), now=now)
    assert project.stage == "reserve" and project.budget_fen == 420_000_050
    assert [f.source for f in project.funding] == ["central", "district"]  # a zero amount is no source
    assert {c.renovation_status for c in (south, east)} == {"reserve", "completed"}  # done work keeps its status
    assert south.renovation_tier == "improvement"

    today = date(2026, 11, 25)
    advance_stage(official, project, to_stage="new_start", on=today, now=now)
    assert project.actual_new_start_on == today
    assert south.renovation_status == east.renovation_status == "new_start"

    with pytest.raises(DomainError, match="contractor|施工单位"):
        advance_stage(official, project, to_stage="under_construction", on=today, now=now)
    data = _data([south, east], official, contractor="阳泉市示例建设工程有限公司")
    update_project(official, project, data, now=now)
    advance_stage(official, project, to_stage="under_construction", on=today, now=now)
    assert south.renovation_status == "under_construction"

    problem = ProblemData("3号楼管线改道居民有异议", "南山路街道办", today + timedelta(days=10))
    entry = record_progress(official, project, month=today, percent=40, done="外墙保温完成一半", problems=[problem],
                            now=now)
    assert entry.month == date(2026, 11, 1) and len(entry.problems) == 1
    with pytest.raises(DomainError, match="100"):
        advance_stage(official, project, to_stage="completed", on=today, now=now)
    project.progress[0].percent = 100
    advance_stage(official, project, to_stage="completed", on=today, now=now)
    assert south.renovation_status == "completed" and south.renovation_completed_on == today

    with pytest.raises(DomainError):
        advance_stage(official, project, to_stage="accepted", on=today, now=now)  # a problem is still open
    solve_problem(official, entry.problems[0], on=today, now=now)
    advance_stage(official, project, to_stage="accepted", on=today, now=now)
    assert project.stage == "accepted" and south.renovation_status == "completed"
    with pytest.raises(Conflict):
        advance_stage(official, project, to_stage="accepted", on=today, now=now)

    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "renovation_project",
                                                                 AuditEntry.compound_id == south.id)).all()
    assert actions.count("renovation_stage") == 4 and "renovation_project_created" in actions


def test_a_stage_cannot_be_skipped_nor_dated_wrongly(db, official, now):
    project = create_project(official, _data([CompoundFactory()], official), now=now)
    with pytest.raises(DomainError, match="skipped|跳过"):
        advance_stage(official, project, to_stage="under_construction", on=date(2026, 11, 20), now=now)
    with pytest.raises(DomainError):
        advance_stage(official, project, to_stage="new_start", on=date(2026, 11, 26), now=now)  # tomorrow
    with pytest.raises(DomainError):
        advance_stage(official, project, to_stage="new_start", on=None, now=now)
    advance_stage(official, project, to_stage="new_start", on=date(2026, 11, 20), now=now)
    update_project(official, project, _data(project.compounds, official, contractor="示例建设"), now=now)
    with pytest.raises(DomainError):
        advance_stage(official, project, to_stage="under_construction", on=date(2026, 11, 19), now=now)
    assert project.stage == "new_start"


def test_entering_new_start_needs_a_leader_and_a_budget(db, official, now):
    project = create_project(official, _data([CompoundFactory()], official, leader_id=None, funding={}), now=now)
    with pytest.raises(DomainError) as refused:
        advance_stage(official, project, to_stage="new_start", on=date(2026, 11, 20), now=now)
    assert "leader" in str(refused.value) or "领导" in str(refused.value)


@pytest.mark.parametrize("overrides, field", [
    ({"compound_ids": []}, "compound_ids"),
    ({"compound_ids": [999999]}, "compound_ids"),
    ({"funding": {"central": -1}}, "fund_central"),
    ({"planned": {"new_start": date(2027, 1, 1), "completed": date(2026, 12, 1)}}, "planned_completed"),
    ({"name": "  "}, "name"),
    ({"tier": "gold"}, "tier"),
])
def test_a_plan_that_cannot_be_is_refused(db, official, now, overrides, field):
    compound = CompoundFactory()
    with pytest.raises(DomainError) as refused:
        create_project(official, _data([compound], official, **overrides), now=now)
    assert refused.value.field == field


def test_the_leader_must_be_a_responsible_leader(db, official, now):
    dispatcher = UserFactory(role="dispatcher")
    with pytest.raises(DomainError) as refused:
        create_project(official, _data([CompoundFactory()], dispatcher), now=now)
    assert refused.value.field == "leader_id"


def test_only_officials_change_projects(db, official, now):
    with pytest.raises(Forbidden):
        create_project(UserFactory(role="dispatcher"), _data([CompoundFactory()], official), now=now)


def test_progress_is_monthly_and_never_goes_back(db, official, now):
    project = create_project(official, _data([CompoundFactory()], official), now=now)
    with pytest.raises(Conflict):  # not being built yet
        record_progress(official, project, month=date(2026, 11, 1), percent=10, done="", problems=[], now=now)
    advance_stage(official, project, to_stage="new_start", on=date(2026, 10, 1), now=now)
    record_progress(official, project, month=date(2026, 10, 1), percent=30, done="", problems=[], now=now)
    with pytest.raises(DomainError, match="2026-10"):
        record_progress(official, project, month=date(2026, 10, 15), percent=35, done="", problems=[], now=now)
    with pytest.raises(DomainError):
        record_progress(official, project, month=date(2026, 11, 1), percent=20, done="", problems=[], now=now)
    with pytest.raises(DomainError):
        record_progress(official, project, month=date(2026, 11, 1), percent=50, done="",
                        problems=[ProblemData("材料未到", "", None)], now=now)
    assert len(project.progress) == 1


def test_officials_keep_the_content_list(db, official, now):
    assert ContentItem.query.filter_by(name="口袋公园").one().active  # seeded by the migration
    item = add_content_item(official, "加装电梯", now=now)
    with pytest.raises(DomainError):
        add_content_item(official, "加装电梯", now=now)
    set_content_item_active(official, item, False, now=now)
    with pytest.raises(DomainError):
        create_project(official, _data([CompoundFactory()], official, item_ids=[item.id]), now=now)


def test_the_register_leaves_the_renovation_of_a_compound_with_projects_to_them(db, official, now, client):
    from propmgmt.compounds.services import update_compound

    compound = CompoundFactory(renovation_status=None)
    create_project(official, _data([compound], official), now=now)
    with pytest.raises(DomainError) as refused:
        update_compound(official, compound, {"renovation_status": "completed"}, now=now, kept=("renovation",))
    assert refused.value.field == "renovation_status"
    assert update_compound(official, compound, {"households": 300, "renovation_status": "reserve"}, now=now,
                           kept=("renovation",)) == {"households": [120, 300]}

    from ..factories import UserFactory as Users
    editor = Users(role="official")
    client.post_form("/login", {"username": editor.username, "password": "password123"})
    page = f"/compounds/{compound.id}/edit"
    form = client.get(page).get_data(as_text=True)
    assert "renovation_status" in form
