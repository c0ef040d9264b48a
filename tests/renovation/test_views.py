"""Renovation pages: the pipeline's figures and order, the project form's refusals, the stage and progress
forms, the ledger and the content list, as an official and a dispatcher see them."""
import io
from datetime import timedelta

from openpyxl import load_workbook

from propmgmt.clock import local_today
from propmgmt.renovation.models import ContentItem, Funding, Project

from ..factories import CompoundFactory, RenovationProjectFactory, UserFactory


def _sign_in(client, role="official", **fields):
    user = UserFactory(role=role, **fields)
    client.post_form("/login", {"username": user.username, "password": "password123"})
    return user


def _form(compounds, leader, **overrides):
    roads = ContentItem.query.filter_by(name="整修道路").one()
    data = {"name": "南庄村众康北区改造", "compound_ids": [str(c.id) for c in compounds], "tier": "basic",
            "item_ids": [str(roads.id)], "fund_central": "1200000", "fund_district": "350000.50",
            "leader_id": str(leader.id), "team-0-user_id": "0", "team-0-duty": "", "contractor": "",
            "planned_new_start": "2026-12-10", "planned_under_construction": "2027-01-05",
            "planned_completed": "2027-06-30", "planned_accepted": "", "note": ""}
    return data | overrides


def test_an_official_creates_a_project_for_two_compounds(client, db):
    north, south = CompoundFactory(name="南庄村众康北区"), CompoundFactory(name="南庄村众康南区")
    official = _sign_in(client)
    page = client.get(f"/compounds/{north.id}").get_data(as_text=True)
    assert f"/renovation/new?compound={north.id}" in page
    response = client.post_form("/renovation/new", _form([north, south], official), page="/renovation/new")
    project = db.session.query(Project).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/renovation/{project.id}")
    assert project.budget_fen == 155_000_050 and {c.name for c in project.compounds} == {north.name, south.name}
    detail = client.get(f"/renovation/{project.id}").get_data(as_text=True)
    assert "1,550,000.50" in detail and "整修道路" in detail and "南庄村众康南区" in detail
    assert north.renovation_status == "reserve"
    compound_page = client.get(f"/compounds/{north.id}").get_data(as_text=True)
    assert f"/renovation/{project.id}" in compound_page


def test_a_refused_form_keeps_what_was_typed_and_says_why_at_the_field(client, db):
    compound = CompoundFactory()
    official = _sign_in(client)
    for overrides, field in (({"fund_bank": "-5"}, "fund_bank"), ({"compound_ids": []}, "compound_ids"),
                             ({"planned_completed": "2026-12-01"}, "planned_completed"),
                             ({"fund_central": "abc"}, "fund_central")):
        response = client.post_form("/renovation/new", _form([compound], official, **overrides),
                                    page="/renovation/new")
        html = response.get_data(as_text=True)
        assert response.status_code == 400, overrides
        assert "南庄村众康北区改造" in html  # the entries are kept
        error_at = html.split(f'id="{field}"')[1].split("</div>")[0]
        assert 'class="error"' in error_at, overrides
    assert db.session.query(Project).count() == 0


def test_the_pipeline_puts_late_projects_first_and_sums_by_stage(client, db):
    today = local_today()
    RenovationProjectFactory(name="按期项目", planned_new_start_on=today + timedelta(days=30),
                             planned_under_construction_on=None, planned_completed_on=None, planned_accepted_on=None)
    RenovationProjectFactory(name="滞后项目", planned_new_start_on=today - timedelta(days=3),
                             planned_under_construction_on=None, planned_completed_on=None, planned_accepted_on=None,
                             funding=[Funding(source="bank", amount_fen=12_345)])
    RenovationProjectFactory(name="在建项目", stage="under_construction", tier="upgrade",
                             planned_completed_on=today + timedelta(days=90))
    _sign_in(client, "dispatcher")
    html = client.get("/renovation").get_data(as_text=True)
    assert html.index("滞后项目") < html.index("按期项目")
    assert "/renovation/new" not in html  # dispatchers read
    assert "500,123.45" in html  # the reserve's budget
    late_only = client.get("/renovation?late=1").get_data(as_text=True)
    assert "滞后项目" in late_only and "按期项目" not in late_only
    upgrade = client.get("/renovation?tier=upgrade&stage=under_construction").get_data(as_text=True)
    assert "在建项目" in upgrade and "滞后项目" not in upgrade
    assert "按期项目" in client.get("/renovation?q=按期").get_data(as_text=True)
    assert client.get("/renovation?page=99999&stage=nonsense").status_code == 200


def test_the_ledger_lists_the_filtered_projects(client, db):
    RenovationProjectFactory(name="=HYPERLINK(\"x\")", contractor="示例建设")
    _sign_in(client, "dispatcher")
    rows = list(load_workbook(io.BytesIO(client.get("/renovation/ledger.xlsx").data)).active
                .iter_rows(values_only=True))
    assert rows[2][0] == "项目" and rows[3][0].startswith("'=")  # text, never a formula
    assert 500000 in rows[3]  # the district's funds in 元


def test_stages_and_progress_through_the_pages(client, db):
    official = _sign_in(client)
    project = RenovationProjectFactory(leader=official)
    page = f"/renovation/{project.id}"
    today = local_today().isoformat()
    client.post_form(f"{page}/advance", {"to_stage": "completed", "on": today}, page=page)
    assert project.stage == "reserve"  # no skipping
    client.post_form(f"{page}/advance", {"to_stage": "new_start", "on": today}, page=page)
    assert project.stage == "new_start" and project.compounds[0].renovation_status == "new_start"
    bad = client.post_form(f"{page}/progress", {"month": today[:7], "percent": "30", "done": "拆除违建",
                                                "problems-0-problem": "材料未到", "problems-0-solver": "",
                                                "problems-0-solve_by": ""}, page=page)
    assert bad.status_code == 400 and "材料未到" in bad.get_data(as_text=True)
    assert not project.progress
    client.post_form(f"{page}/progress", {"month": today[:7], "percent": "30", "done": "拆除违建",
                                          "problems-0-problem": "材料未到", "problems-0-solver": "施工单位",
                                          "problems-0-solve_by": today}, page=page)
    db.session.refresh(project)
    problem = project.progress[0].problems[0]
    assert project.progress[0].percent == 30
    client.post_form(f"{page}/problems/{problem.id}/solve", {}, page=page)
    assert problem.solved_on is not None
    html = client.get(page).get_data(as_text=True)
    assert "拆除违建" in html and "材料未到" in html


def test_officials_keep_the_content_list(client, db):
    _sign_in(client)
    client.post_form("/renovation/items", {"name": "加装电梯"}, page="/renovation/items")
    item = ContentItem.query.filter_by(name="加装电梯").one()
    again = client.post_form("/renovation/items", {"name": "加装电梯"}, page="/renovation/items")
    assert again.status_code == 400
    client.post_form(f"/renovation/items/{item.id}/active", {"active": "0"}, page="/renovation/items")
    assert not item.active
    form = client.get("/renovation/new").get_data(as_text=True)
    assert "加装电梯" not in form and "口袋公园" in form


def test_the_monthly_report_has_a_renovation_section(client, db):
    today = local_today()
    leader = UserFactory(role="official", display_name="张副局长")
    late = RenovationProjectFactory(name="滞后的储备项目", leader=leader,
                                    planned_new_start_on=today - timedelta(days=5),
                                    planned_under_construction_on=None, planned_completed_on=None,
                                    planned_accepted_on=None)
    RenovationProjectFactory(name="本月开工项目", stage="new_start", actual_new_start_on=today.replace(day=1),
                             planned_under_construction_on=today + timedelta(days=40), planned_completed_on=None,
                             planned_accepted_on=None)
    _sign_in(client)
    month = today.strftime("%Y-%m")
    html = client.get(f"/oversight/report?month={month}").get_data(as_text=True)
    assert "滞后的储备项目" in html and "张副局长" in html and f"/renovation/{late.id}" in html
    figures = html.split("改造项目新开工")[1].split("</tr>")[0]
    assert ">1<" in figures  # the project started this month
    book = load_workbook(io.BytesIO(client.get(f"/oversight/report.xlsx?month={month}").data))
    rows = list(book["滞后的改造项目"].iter_rows(values_only=True))
    assert ("滞后的储备项目", "储备", "张副局长") in rows  # under the sheet's title, as-of and header rows
    assert client.get(f"/oversight/report.pdf?month={month}").status_code == 200


def test_the_pipeline_and_a_project_page_take_the_same_statements_whatever_the_number(client, db, count_queries):
    _sign_in(client)
    project = RenovationProjectFactory(compounds=[CompoundFactory(), CompoundFactory()])
    counts = []
    for extra in (0, 8):
        for _ in range(extra):
            RenovationProjectFactory(compounds=[CompoundFactory(), CompoundFactory()])
        with count_queries() as pipeline:
            assert client.get("/renovation").status_code == 200
        with count_queries() as detail:
            assert client.get(f"/renovation/{project.id}").status_code == 200
        counts.append((pipeline.count, detail.count))
    assert counts[0] == counts[1]
