"""Register pages: list, filters, pagination, forms and export, as users see them."""
import io
from decimal import Decimal

from openpyxl import load_workbook

from propmgmt.compounds.models import Compound
from propmgmt.extensions import db

from ..factories import CommunityFactory, CompoundFactory


def test_list_shows_compounds_and_totals(client, login_as):
    login_as("dispatcher")
    CompoundFactory(name="育英小区", households=420)
    CompoundFactory(name="印刷厂小区", households=240)
    html = client.get("/compounds").get_data(as_text=True)
    assert "育英小区" in html and "印刷厂小区" in html
    assert "共 2 个小区，660 户" in html


def test_filters_search_and_sort(client, login_as):
    login_as("official")
    community = CommunityFactory()
    CompoundFactory(name="甲院", community=community, management_mode="fallback", households=10)
    CompoundFactory(name="乙院", community=community, management_mode="unmanaged", households=30)
    CompoundFactory(name="丙院", management_mode="unmanaged", households=20, aliases="老印刷厂")
    html = client.get("/compounds?mode=unmanaged").get_data(as_text=True)
    assert "乙院" in html and "丙院" in html and "甲院" not in html
    html = client.get(f"/compounds?subdistrict={community.subdistrict_id}").get_data(as_text=True)
    assert "甲院" in html and "乙院" in html and "丙院" not in html
    html = client.get("/compounds?q=印刷").get_data(as_text=True)  # matches an alias
    assert "丙院" in html and "乙院" not in html
    html = client.get("/compounds?sort=-households").get_data(as_text=True)
    assert html.index("乙院") < html.index("丙院") < html.index("甲院")


def test_nonsense_filters_are_ignored_not_errors(client, login_as):
    login_as("official")
    CompoundFactory(name="甲院")
    response = client.get("/compounds?subdistrict=abc&mode=<script>&sort=drop&page=-4&q=%27%22")
    assert response.status_code == 200


def test_nul_characters_are_refused_clearly(client, login_as):
    login_as("official")
    response = client.get("/compounds?q=%00")
    assert response.status_code == 400
    assert "输入包含无效字符" in response.get_data(as_text=True)


def test_empty_state(client, login_as):
    login_as("official")
    html = client.get("/compounds?q=不存在的小区").get_data(as_text=True)
    assert "没有符合筛选条件的小区" in html


def test_pagination(client, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    login_as("official")
    community = CommunityFactory()
    for name in ("一院", "二院", "三院", "四院", "五院"):
        CompoundFactory(name=name, community=community)
    first = client.get("/compounds?sort=name").get_data(as_text=True)
    assert "第 1 / 3 页" in first
    third = client.get("/compounds?sort=name&page=3").get_data(as_text=True)
    assert third.count("compounds/") >= 1 and "第 3 / 3 页" in third


def test_detail_shows_the_timeline(client, login_as):
    user = login_as("official")
    community = CommunityFactory()
    response = client.post_form("/compounds/new", {
        "name": "新登记小区", "community_id": community.id, "households": "88", "buildings": "3",
        "management_mode": "unmanaged"})
    assert response.status_code == 302
    compound = Compound.query.filter_by(name="新登记小区").one()
    client.post_form(f"/compounds/{compound.id}/edit", {
        "name": "新登记小区", "community_id": community.id, "households": "90", "buildings": "3",
        "renovation_tier": "", "renovation_status": ""})
    html = client.get(f"/compounds/{compound.id}").get_data(as_text=True)
    assert "登记入册" in html and "修改登记信息" in html and "户数: 88 → 90" in html
    assert user.display_name in html


def test_create_form_errors_are_clear_and_nothing_is_written(client, login_as):
    login_as("official")
    community = CommunityFactory()
    CompoundFactory(name="重名小区", community=community)
    response = client.post_form("/compounds/new", {
        "name": "", "community_id": community.id, "households": "-5", "management_mode": "unmanaged"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "小区名称不能为空" in html and "不能小于 0" in html
    response = client.post_form("/compounds/new", {
        "name": "重名小区", "community_id": community.id, "households": "5", "management_mode": "unmanaged"})
    assert "该社区已有名为“重名小区”的小区" in response.get_data(as_text=True)
    response = client.post_form("/compounds/new", {
        "name": "某小区", "community_id": "0", "households": "abc", "management_mode": "fallback"})
    assert response.status_code == 400
    assert Compound.query.count() == 1


def test_edit_unknown_compound_is_404(client, login_as):
    login_as("official")
    assert client.get("/compounds/999999/edit").status_code == 404
    assert client.get("/compounds/999999").status_code == 404


def test_export_is_an_xlsx_of_the_filtered_list(client, login_as):
    login_as("dispatcher")
    CompoundFactory(name="导出甲", management_mode="fallback", households=11)
    CompoundFactory(name="导出乙", management_mode="unmanaged", households=22)
    response = client.get("/compounds/export.xlsx?mode=unmanaged")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    rows = rows[2:]  # below the title and its line of filters and as-of time
    assert rows[0][:3] == ("小区名称", "街道", "社区")
    assert [row[0] for row in rows[1:]] == ["导出乙"]
    assert rows[1][6] == 22 and rows[1][11] == "无人管理"


def test_register_in_english(client, login_as):
    login_as("official")
    client.get("/lang/en")
    CompoundFactory(name="English test", management_mode="self_managed")
    html = client.get("/compounds").get_data(as_text=True)
    assert "Compound register" in html and "Self-managed by owners" in html


def test_the_compound_form_keeps_its_location_for_the_inspectors_check_in(client, login_as):
    login_as("official")
    compound = CompoundFactory(name="定位小区")
    fields = {"name": "定位小区", "community_id": compound.community_id, "households": "120",
              "renovation_tier": "", "renovation_status": ""}
    for latitude, longitude, message in (("91", "113.5", "纬度必须在 -90 到 90 度之间"),
                                         ("37.8", "-181", "经度必须在 -180 到 180 度之间"),
                                         ("nan", "113.5", "纬度必须在 -90 到 90 度之间"),
                                         ("北纬", "113.5", "不是有效的小数"),
                                         ("37.8", "", "纬度和经度要么都填，要么都不填")):
        response = client.post_form(f"/compounds/{compound.id}/edit", fields | {"latitude": latitude,
                                                                                 "longitude": longitude})
        assert response.status_code == 400, (latitude, longitude)
        assert message in response.get_data(as_text=True), (latitude, longitude)
    db.session.refresh(compound)
    assert compound.latitude is None and compound.longitude is None
    response = client.post_form(f"/compounds/{compound.id}/edit", fields | {"latitude": "37.8571234",
                                                                             "longitude": "113.5601"})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(compound)
    assert (compound.latitude, compound.longitude) == (Decimal("37.857123"), Decimal("113.560100"))
    assert "37.857123" in client.get(f"/compounds/{compound.id}").get_data(as_text=True)
