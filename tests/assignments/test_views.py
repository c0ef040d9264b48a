"""The assignment pages as officials and dispatchers use them."""
import io

from openpyxl import load_workbook
from sqlalchemy import select

from propmgmt.assignments.models import Assignment
from propmgmt.compounds.models import Compound

from ..factories import CommunityFactory, CompoundFactory, SubdistrictFactory


def _form(setting, ids, **overrides):
    data = {"compound_ids": ids, "decision_no": "城住建物管〔2026〕9号", "reason": "无物业",
            "service_type_ids": [t.id for t in setting.types], "leader_id": setting.official.id,
            "crew_id": setting.crew.id, "start_date": "2026-12-01", "review_date": "2027-06-01"}
    return data | overrides


def test_official_assigns_a_whole_subdistrict_in_one_step(client, setting, db):
    subdistrict = SubdistrictFactory(name="南山路街道")
    community = CommunityFactory(subdistrict=subdistrict)
    compounds = [CompoundFactory(community=community, name=f"南山{i}号院") for i in range(3)]
    elsewhere = CompoundFactory(name="别处小区")
    client.post_form("/login", {"username": setting.official.username, "password": "password123"})

    queue = client.get(f"/assignments/unmanaged?subdistrict={subdistrict.id}").get_data(as_text=True)
    assert all(c.name in queue for c in compounds) and "别处小区" not in queue
    ids = [str(c.id) for c in compounds]
    page = client.get("/assignments/propose?" + "&".join(f"compound_ids={i}" for i in ids))
    assert "共 3 个小区" in page.get_data(as_text=True)
    response = client.post_form("/assignments/propose", _form(setting, ids, approve_now="y"),
                                page="/assignments/propose?compound_ids=" + ids[0])
    assert response.status_code == 302
    assert {c.management_mode for c in db.session.scalars(select(Compound).where(Compound.id.in_(map(int, ids))))} == \
        {"fallback"}
    assert elsewhere.management_mode == "unmanaged"
    ledger = client.get("/assignments?q=9号").get_data(as_text=True)
    assert all(c.name in ledger for c in compounds) and "共 3 项托底" in ledger
    timeline = client.get(f"/compounds/{ids[0]}").get_data(as_text=True)
    assert "托底批准生效" in timeline and "提出托底申请" in timeline and "王科长" in timeline


def test_dispatcher_proposes_and_official_approves(client, setting, db):
    compound = CompoundFactory(name="印刷厂小区")
    client.post_form("/login", {"username": setting.dispatcher.username, "password": "password123"})
    page = client.get(f"/assignments/propose?compound_ids={compound.id}").get_data(as_text=True)
    assert "同时批准" not in page  # only officials may approve at once
    response = client.post_form("/assignments/propose", _form(setting, [compound.id]),
                                page=f"/assignments/propose?compound_ids={compound.id}")
    assignment = db.session.scalars(select(Assignment)).one()
    assert response.headers["Location"].endswith(f"/assignments/{assignment.id}")
    assert assignment.status == "proposed"
    client.post_form("/logout", page="/compounds")

    client.post_form("/login", {"username": setting.official.username, "password": "password123"})
    detail = client.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert "批准：开始托底服务" in detail
    response = client.post_form(f"/assignments/{assignment.id}/approve", page=f"/assignments/{assignment.id}",
                                follow_redirects=True)
    assert "已批准：“印刷厂小区”现由国有物业托底服务" in response.get_data(as_text=True)
    assert compound.management_mode == "fallback"
    response = client.post_form(f"/assignments/{assignment.id}/approve", page=f"/assignments/{assignment.id}",
                                follow_redirects=True)
    assert "已不在待审批状态" in response.get_data(as_text=True)


def test_proposal_form_explains_each_mistake(client, setting, db):
    compound = CompoundFactory()
    client.post_form("/login", {"username": setting.official.username, "password": "password123"})
    url = f"/assignments/propose?compound_ids={compound.id}"
    response = client.post_form("/assignments/propose", _form(setting, [compound.id], decision_no="",
                                                              service_type_ids=[], leader_id="0"), page=url)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写文号" in html and "请至少选择一项服务" in html and "请选择责任领导" in html
    response = client.post_form("/assignments/propose", _form(setting, [compound.id], review_date="2026-01-01"),
                                page=url)
    assert "复核日期不能早于开始日期" in response.get_data(as_text=True)
    response = client.post_form("/assignments/propose", _form(setting, [compound.id], start_date="2026-13-40"),
                                page=url)
    assert response.status_code == 400
    assert db.session.scalar(select(Assignment.id)) is None


def test_bulk_failure_names_the_compound_and_assigns_none(client, setting, db):
    good = CompoundFactory(name="可托底小区")
    bad = CompoundFactory(name="专业物业小区", management_mode="professional")
    client.post_form("/login", {"username": setting.official.username, "password": "password123"})
    response = client.post_form("/assignments/propose", _form(setting, [good.id, bad.id], approve_now="y"),
                                page=f"/assignments/propose?compound_ids={good.id}")
    html = response.get_data(as_text=True)
    assert "所选小区中有 1 个不能托底" in html and "专业物业小区" in html
    assert good.management_mode == "unmanaged"
    assert db.session.scalar(select(Assignment.id)) is None


def test_propose_without_selection_goes_back_to_the_queue(client, login_as):
    login_as("official")
    response = client.get("/assignments/propose", follow_redirects=True)
    assert "请先在队列中选择至少一个小区" in response.get_data(as_text=True)


def test_reject_and_end_from_the_detail_page(client, setting, db, now):
    from propmgmt.assignments.services import approve_assignment, propose_assignment
    first = propose_assignment(setting.official, CompoundFactory(), setting.proposal(), now=now)
    second = propose_assignment(setting.official, CompoundFactory(), setting.proposal(), now=now)
    approve_assignment(setting.official, second, now=now)
    db.session.commit()
    client.post_form("/login", {"username": setting.official.username, "password": "password123"})
    response = client.post_form(f"/assignments/{first.id}/reject", {"reason": ""},
                                page=f"/assignments/{first.id}", follow_redirects=True)
    assert "请填写驳回理由" in response.get_data(as_text=True)
    client.post_form(f"/assignments/{first.id}/reject", {"reason": "材料不全"}, page=f"/assignments/{first.id}")
    assert first.status == "rejected"
    response = client.post_form(f"/assignments/{second.id}/end", {"end_reason": "revoked", "note": ""},
                                page=f"/assignments/{second.id}", follow_redirects=True)
    assert "请说明结束托底的理由" in response.get_data(as_text=True)
    client.post_form(f"/assignments/{second.id}/end", {"end_reason": "revoked", "note": "撤销"},
                     page=f"/assignments/{second.id}")
    assert second.status == "ended" and second.compound.management_mode == "unmanaged"


def test_ledger_export_has_the_reporting_columns(client, setting, db, now):
    from propmgmt.assignments.services import approve_assignment, propose_assignment
    compound = CompoundFactory(name="育英小区", households=420)
    approve_assignment(setting.official, propose_assignment(setting.official, compound, setting.proposal(),
                                                            now=now), now=now)
    db.session.commit()
    client.post_form("/login", {"username": setting.dispatcher.username, "password": "password123"})
    response = client.get("/assignments/export.xlsx?status=active")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    rows = rows[2:]  # below the title and its line of filters and as-of time
    assert rows[0] == ("小区", "街道", "社区", "户数", "文号", "服务范围", "责任领导", "开始日期", "计划复核日期",
                       "托底天数", "状态", "结束日期")
    assert rows[1][0] == "育英小区" and rows[1][3] == 420 and rows[1][5] == "保洁、垃圾分类督导"
    assert rows[1][6] == "王科长" and rows[1][10] == "托底中"
    assert len(rows) == 2


def test_ledger_filters_ignore_nonsense(client, login_as):
    login_as("official")
    response = client.get("/assignments?status=nope&start_from=2026-99-99&leader=x&subdistrict=-1")
    assert response.status_code == 200 and "没有符合筛选条件的托底记录" in response.get_data(as_text=True)


def test_release_page_puts_a_compound_back_in_the_queue(client, setting, db):
    compound = CompoundFactory(name="物业撤出小区", management_mode="professional")
    client.post_form("/login", {"username": setting.official.username, "password": "password123"})
    url = f"/assignments/release/{compound.id}"
    assert client.post_form(url, {"reason": ""}).status_code == 400
    client.post_form(url, {"reason": "物业合同到期撤出"})
    assert compound.management_mode == "unmanaged"
    assert "物业撤出小区" in client.get("/assignments/unmanaged").get_data(as_text=True)
