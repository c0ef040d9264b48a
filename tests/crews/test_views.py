"""The crews pages as a dispatcher uses them: form a crew, add operators and compounds, preview and confirm."""
from datetime import date

from sqlalchemy import select

from propmgmt.orgs.models import Crew, crew_compound
from propmgmt.plans.generation import generate_tasks
from propmgmt.plans.models import Task

from ..factories import CompoundFactory, CrewFactory, FallbackOperatorFactory, ServicePlanFactory, UserFactory


def test_a_dispatcher_forms_a_crew_and_gives_it_operators_and_a_compound(client, login_as, db, frozen_clock):
    org = FallbackOperatorFactory()
    old = CrewFactory(organisation=org, name="旧组")
    compound = CompoundFactory(name="印刷厂小区", management_mode="fallback")
    db.session.execute(crew_compound.insert().values(crew_id=old.id, compound_id=compound.id))
    ServicePlanFactory(compound=compound, crew=old)
    generate_tasks(date(2026, 11, 28), now=frozen_clock)
    zhao = UserFactory(role="operator", display_name="赵师傅", work_no="JC0101", phone="13900000001")
    db.session.commit()
    login_as("dispatcher")

    response = client.post_form("/crews/new", {"name": "", "work_phone": ""})
    assert response.status_code == 400 and "必填" in response.get_data(as_text=True)
    response = client.post_form("/crews/new", {"name": "新华一组", "work_phone": "0353-1111111"})
    crew = db.session.scalar(select(Crew).where(Crew.name == "新华一组"))
    assert response.status_code == 302 and crew is not None
    assert client.post_form("/crews/new", {"name": "新华一组"}).status_code == 400  # duplicate name

    page = client.get(f"/crews/{crew.id}").get_data(as_text=True)
    assert "赵师傅（JC0101）" in page
    preview = client.get(f"/crews/{crew.id}/members/add?operator_id={zhao.id}").get_data(as_text=True)
    assert "data-moving-tasks>0<" in preview
    client.post_form(f"/crews/{crew.id}/members", {"operator_id": zhao.id})
    assert db.session.get(type(zhao), zhao.id).crew_id == crew.id

    preview = client.get(f"/crews/{crew.id}/compounds/add?compound_id={compound.id}&starts_on=2026-11-25")
    html = preview.get_data(as_text=True)
    future = db.session.scalar(select(db.func.count(Task.id)).where(Task.compound_id == compound.id,
                                                                   Task.status == "scheduled"))
    assert f"data-moving-tasks>{future}<" in html and "旧组" in html and future > 0
    response = client.post_form(f"/crews/{crew.id}/compounds", {"compound_id": compound.id, "starts_on": "2026-11-25"})
    assert response.status_code == 302
    assert {t.crew_id for t in db.session.scalars(select(Task).where(Task.compound_id == compound.id))} == {crew.id}
    page = client.get(f"/crews/{crew.id}").get_data(as_text=True)
    assert "印刷厂小区" in page and "2026-11-25" in page

    response = client.post_form(f"/crews/{crew.id}/edit", {"name": "新华一组", "work_phone": "", "leader_id": zhao.id})
    assert response.status_code == 302
    assert "赵师傅（JC0101 · 新华一组）" in client.get("/crews").get_data(as_text=True)


def test_an_operator_with_future_tasks_cannot_be_deactivated_until_they_are_handed_on(client, login_as, db, now,
                                                                                      frozen_clock):
    crew = CrewFactory(name="东片一组")
    zhao = UserFactory(role="operator", crew=crew, display_name="赵师傅")
    qian = UserFactory(role="operator", crew=crew, display_name="钱师傅")
    plan = ServicePlanFactory(crew=crew, operator_id=zhao.id)
    db.session.execute(crew_compound.insert().values(crew_id=crew.id, compound_id=plan.compound_id))
    generate_tasks(date(2026, 11, 28), now=now)
    db.session.commit()
    login_as("dispatcher")
    response = client.post_form(f"/crews/{crew.id}/members/{zhao.id}/deactivate", {})
    assert response.status_code == 302
    assert "项后续任务" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.get(type(zhao), zhao.id).active
    preview = client.get(f"/crews/{crew.id}/members/{zhao.id}/remove?hand_to_id={qian.id}").get_data(as_text=True)
    assert "钱师傅" in preview
    client.post_form(f"/crews/{crew.id}/members/{zhao.id}/remove", {"hand_to_id": qian.id})
    assert db.session.scalar(select(db.func.count(Task.id)).where(Task.assignee_id == zhao.id)) == 0


def test_removing_the_only_crew_of_a_compound_with_scheduled_tasks_says_why(client, login_as, db, now, frozen_clock):
    crew = CrewFactory()
    plan = ServicePlanFactory(crew=crew)
    db.session.execute(crew_compound.insert().values(crew_id=crew.id, compound_id=plan.compound_id))
    generate_tasks(date(2026, 11, 28), now=now)
    db.session.commit()
    login_as("official")
    assert client.get(f"/crews/{crew.id}").status_code == 200
    assert client.get(f"/crews/{crew.id}/compounds/{plan.compound_id}/remove").status_code == 403
    client.post_form("/logout", page=f"/crews/{crew.id}")
    login_as("dispatcher")
    response = client.get(f"/crews/{crew.id}/compounds/{plan.compound_id}/remove", follow_redirects=True)
    assert "没有其他班组服务" in response.get_data(as_text=True)


def test_the_joining_preview_refuses_what_the_move_would_refuse(client, db, login_as):
    """A deactivated operator, or one already in the crew: the preview says so, as the confirm would."""
    crew = CrewFactory()
    member = UserFactory(role="operator", crew=crew, display_name="已在组")
    gone = UserFactory(role="operator", active=False, display_name="已离职")
    db.session.commit()
    login_as("dispatcher")
    for operator, words in ((member, "已是本班组成员"), (gone, "已停用")):
        page = client.get(f"/crews/{crew.id}/members/add?operator_id={operator.id}", follow_redirects=True)
        assert words in page.get_data(as_text=True), operator.display_name
