"""The dispatcher's verification workbench (/field/verify): order, paging, filters, sampling, actions."""
import math
import re
from datetime import timedelta

import pytest

from propmgmt.field.workbench import WorkbenchFilter, awaiting_rows, sample_key
from propmgmt.periods import Period
from propmgmt.plans.models import TaskPhoto
from propmgmt.plans.transitions import verify_task

from ..factories import CommunityFactory, CompoundFactory, CrewFactory, ServiceTypeFactory, TaskFactory, UserFactory

ITEM = re.compile(r'<article class="card verify-item" data-task-id="(\d+)"')


def _ids(html: str) -> list[int]:
    return [int(i) for i in ITEM.findall(html)]


def _done(end, minutes=-10, **fields):
    """A task done `minutes` after the end of its window, which ended at `end`."""
    return TaskFactory(status="done", end=end, finished=minutes, **fields)


@pytest.fixture
def dispatcher(client, login_as, frozen_clock):
    return login_as("dispatcher")


def test_newest_first_and_paged(client, dispatcher, now):
    tasks = [_done(now - timedelta(hours=3 * n)) for n in range(55)]  # tasks[0] finished this morning
    html = client.get("/field/verify").get_data(as_text=True)
    shown = _ids(html)
    assert shown == [t.id for t in tasks[:50]]
    assert "55 项任务待验收" in html and "第 1 / 2 页" in html
    second = client.get("/field/verify?page=2").get_data(as_text=True)
    assert _ids(second) == [t.id for t in tasks[50:]]


def test_the_pager_keeps_the_filters(client, dispatcher, now):
    crew = CrewFactory()
    for n in range(52):
        _done(now - timedelta(hours=n), crew_id=crew.id)
    html = client.get(f"/field/verify?crew={crew.id}&photos=without").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">[^<]*下一页', html).group(1).replace("&amp;", "&")
    assert f"crew={crew.id}" in link and "photos=without" in link and "page=2" in link


def test_empty_states(client, dispatcher, now):
    assert "没有待验收的工作" in client.get("/field/verify").get_data(as_text=True)
    _done(now)
    html = client.get("/field/verify?photos=with").get_data(as_text=True)
    assert _ids(html) == [] and "没有符合筛选条件的待验收工作" in html


def test_each_filter_narrows_the_list(client, dispatcher, now, db):
    crew, other_crew = CrewFactory(), CrewFactory()
    operator = UserFactory(role="operator", crew=crew, display_name="赵师傅")
    compound = CompoundFactory(management_mode="fallback")
    elsewhere = CompoundFactory(management_mode="fallback", community=CommunityFactory())
    sorting = ServiceTypeFactory(code="garbage_sorting", name_zh="垃圾分类督导", name_en="Garbage sorting")
    mine = _done(now, compound=compound, crew_id=crew.id, completed_by_id=operator.id)
    db.session.add(TaskPhoto(task_id=mine.id, path="a.jpg", thumb_path="a-thumb.jpg"))
    db.session.commit()
    theirs = _done(now - timedelta(days=2), compound=elsewhere, crew_id=other_crew.id, service_type=sorting)
    assigned = _done(now - timedelta(days=1), compound=compound, crew_id=crew.id, assignee_id=operator.id)
    today = (now + timedelta(hours=8)).date()
    cases = {
        f"compound={compound.id}": {mine.id, assigned.id},
        f"subdistrict={elsewhere.community.subdistrict_id}": {theirs.id},
        f"crew={other_crew.id}": {theirs.id},
        f"operator={operator.id}": {mine.id, assigned.id},  # who completed it, else its assignee
        f"service_type={sorting.id}": {theirs.id},
        f"from={today}&to={today}": {mine.id},
        f"from={today - timedelta(days=2)}&to={today - timedelta(days=1)}": {theirs.id, assigned.id},
        "photos=with": {mine.id},
        "photos=without": {theirs.id, assigned.id},
    }
    for query, expected in cases.items():
        response = client.get(f"/field/verify?{query}")
        assert response.status_code == 200, query
        assert set(_ids(response.get_data(as_text=True))) == expected, query


def test_an_item_shows_who_when_late_checklist_note_and_photos(client, dispatcher, now, db):
    crew = CrewFactory(name="南山一组")
    operator = UserFactory(role="operator", crew=crew, display_name="赵师傅", work_no="NS0007")
    UserFactory(role="operator", crew=crew, display_name="赵师傅", work_no="NS0012")  # same name, same crew
    task = _done(now - timedelta(hours=1), minutes=25, crew_id=crew.id, completed_by_id=operator.id,
                 recorded_offline=True, checklist_result={"道路清扫": True, "楼道清扫": False}, note="门口堆放杂物")
    task.completed_at = task.device_completed_at + timedelta(hours=1)  # received an hour later, on sync
    db.session.add(TaskPhoto(task_id=task.id, path="a.jpg", thumb_path="a-thumb.jpg"))
    db.session.commit()
    photo = db.session.scalar(db.select(TaskPhoto.id).where(TaskPhoto.task_id == task.id))
    html = client.get("/field/verify").get_data(as_text=True)
    item = html.split(f'data-task-id="{task.id}"')[1].split("</article>")[0]
    assert "赵师傅（NS0007 · 南山一组）" in item and "超时完成" in item
    assert ">赵师傅（NS0007 · 南山一组）<" in html and ">赵师傅（NS0012 · 南山一组）<" in html  # the filter too
    assert "完成于 11-25 09:25" in item and "离线记录，11-25 10:25 同步到服务器" in item
    assert "检查项：完成 1 / 2" in item and "未完成：楼道清扫" in item and "门口堆放杂物" in item
    assert f'href="/field/photos/{photo}"' in item and f'src="/field/photos/{photo}?size=thumb"' in item


def test_bad_filter_values_are_said_next_to_the_field(client, dispatcher, now):
    _done(now)
    for query, message in [("crew=abc", "不在可选范围内"), ("compound=99999", "不在可选范围内"),
                           ("photos=maybe", "不在可选范围内"), ("sample=0", "1 到 100"), ("sample=abc", "1 到 100"),
                           ("from=2026-13-01", "YYYY-MM-DD"), ("from=2026-11-20&to=2026-11-01", "早于"),
                           ("from=2030-01-01&to=2030-01-31", "尚未到来")]:
        response = client.get(f"/field/verify?{query}")
        html = response.get_data(as_text=True)
        assert response.status_code == 400, query
        assert message in html and 'class="error"' in html, query
        assert len(_ids(html)) == 1, query  # the bad narrowing is left out, the rest of the page is there
    assert client.get("/field/verify?page=abc").status_code == 200


# --- sampling ------------------------------------------------------------------------------------

def test_the_sample_is_a_share_of_every_crews_day_and_always_the_same(db, now, frozen_clock):
    ext = db
    crews = [CrewFactory(), CrewFactory()]
    groups = {}
    for c, crew in enumerate(crews):
        for day in range(3):
            size = (1, 4, 13)[(c + day) % 3]
            ends = now - timedelta(days=day)
            groups[(crew.id, day)] = [_done(ends - timedelta(minutes=m), crew_id=crew.id).id for m in range(size)]
    sample = lambda percent: ext.session.scalars(awaiting_rows(WorkbenchFilter(sample=percent))).all()  # noqa: E731
    chosen = {t.id for t in sample(20)}
    for key, ids in groups.items():
        expected = sorted(ids, key=lambda i: (sample_key(i), i))[:math.ceil(len(ids) * 20 / 100)]
        assert chosen & set(ids) == set(expected), key  # at least one of every crew's every day
    assert {t.id for t in sample(20)} == chosen  # deterministic
    assert {t.id for t in sample(100)} == {i for ids in groups.values() for i in ids}
    # Verified work stays in the sample: verifying it does not draw new tasks in.
    dispatcher = UserFactory(role="dispatcher")
    first = next(t for t in sample(20))
    verify_task(dispatcher, first, now=now)
    assert {t.id for t in sample(20)} == chosen - {first.id}
    # Narrowed to a crew and a day, the same tasks.
    today = Period.parse("", "", now=now).last
    narrowed = {t.id for t in ext.session.scalars(awaiting_rows(WorkbenchFilter(
        sample=20, crew_id=crews[0].id, period=Period(today, today)))).all()}
    assert narrowed == (chosen - {first.id}) & set(groups[(crews[0].id, 0)])


def test_the_sample_on_the_page(client, dispatcher, now):
    crew = CrewFactory()
    ids = [_done(now - timedelta(minutes=m), crew_id=crew.id).id for m in range(10)]
    html = client.get("/field/verify?sample=10").get_data(as_text=True)
    assert _ids(html) == [min(ids, key=lambda i: (sample_key(i), i))]
    assert "抽查" in html and "1 项任务待验收（10% 抽查）" in html
    # Without chosen days, the last week's: older work is not drawn (and the dates say so).
    old = _done(now - timedelta(days=8), crew_id=crew.id)
    html = client.get("/field/verify?sample=100").get_data(as_text=True)
    assert old.id not in _ids(html) and len(_ids(html)) == 10
    assert 'name="from" value="2026-11-19"' in html and 'name="to" value="2026-11-25"' in html


# --- actions -------------------------------------------------------------------------------------

def test_verify_a_selection_when_someone_else_verified_one_meanwhile(client, dispatcher, now, db):
    tasks = [_done(now - timedelta(minutes=n)) for n in range(3)]
    verify_task(UserFactory(role="dispatcher"), tasks[1], now=now)  # a colleague, after the page was shown
    db.session.commit()
    response = client.post_form("/field/verify/selected?crew=&photos=with", {"task": [t.id for t in tasks]},
                                page="/field/verify")
    assert response.status_code == 302 and "photos=with" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已验收 2 项任务" in page
    assert "1 项已不再待验收" in page and tasks[1].compound.name in page
    for task in tasks:
        db.session.refresh(task)
    assert [t.status for t in tasks] == ["verified"] * 3
    assert tasks[0].verified_by_id == tasks[2].verified_by_id == dispatcher.id != tasks[1].verified_by_id


def test_verify_nothing_selected(client, dispatcher):
    response = client.post_form("/field/verify/selected", {}, page="/field/verify", follow_redirects=True)
    assert "请先选择至少一项任务" in response.get_data(as_text=True)


def test_verify_one_keeps_the_filters(client, dispatcher, now, db):
    task = _done(now)
    response = client.post_form(f"/field/verify/{task.id}/accept?photos=without&page=1", page="/field/verify")
    assert response.status_code == 302 and "photos=without" in response.headers["Location"]
    db.session.refresh(task)
    assert task.status == "verified"


def test_send_back_needs_a_reason_said_at_the_field(client, dispatcher, now, db):
    task, other = _done(now), _done(now - timedelta(hours=1))
    response = client.post_form(f"/field/verify/{task.id}/reject", {"reason": "  "}, page="/field/verify")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    form = html.split(f'action="/field/verify/{task.id}/reject')[1].split("</form>")[0]
    assert "请说明需要返工的内容" in form and 'aria-invalid="true"' in form
    assert "请说明需要返工的内容" not in html.split(f'action="/field/verify/{other.id}/reject')[1].split("</form>")[0]
    db.session.refresh(task)
    assert task.status == "done"
    client.post_form(f"/field/verify/{task.id}/reject", {"reason": "楼道未清扫干净"}, page="/field/verify")
    db.session.refresh(task)
    assert (task.status, task.rejection_reason) == ("rejected", "楼道未清扫干净")


def test_operators_may_not_use_the_workbench(client, login_as, now, frozen_clock, db):
    task = _done(now)
    login_as("operator")
    assert client.get("/field/verify").status_code == 403
    for url, data in [(f"/field/verify/{task.id}/accept", {}), (f"/field/verify/{task.id}/reject", {"reason": "x"}),
                      ("/field/verify/selected", {"task": [task.id]})]:
        assert client.post_form(url, data, page="/field").status_code == 403, url
    db.session.refresh(task)
    assert task.status == "done"


def test_the_page_runs_a_fixed_number_of_statements(client, dispatcher, now, db, count_queries):
    def statements(url):
        client.get(url)
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        return counted.count

    crew = CrewFactory()
    first = _done(now, crew_id=crew.id)
    db.session.add(TaskPhoto(task_id=first.id, path="a.jpg", thumb_path="a-thumb.jpg"))
    db.session.commit()
    url = f"/field/verify?photos=with&crew={crew.id}&sample=50&from=2026-11-01"
    few = [statements("/field/verify"), statements(url)]
    for n in range(1, 30):
        task = _done(now - timedelta(hours=n), crew_id=crew.id, completed_by_id=UserFactory(role="operator").id,
                     compound=CompoundFactory(management_mode="fallback"))
        db.session.add(TaskPhoto(task_id=task.id, path=f"{n}.jpg", thumb_path=f"{n}-thumb.jpg"))
    db.session.commit()
    assert [statements("/field/verify"), statements(url)] == few == [11, 11]
