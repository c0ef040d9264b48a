"""The menu bar: each role sees what it may open (and every link there opens), grouped when it is long."""
import re

import pytest

from propmgmt.auth.models import ROLES
from propmgmt.navigation import FLAT_UP_TO, MENU


def _bar(html: str) -> str:
    return html[html.index('<nav class="mainnav">'):html.index("</nav>")]


@pytest.mark.parametrize("role", ROLES)
def test_every_link_in_a_roles_bar_opens_for_that_role(client, login_as, role):
    login_as(role)
    bar = _bar(client.get("/", follow_redirects=True).get_data(as_text=True))
    links = re.findall(r'href="([^"]+)"', bar)
    assert links, "a signed-in user always has a menu"
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, (role, link, response.status_code)


def test_an_officials_long_menu_is_grouped_and_an_operators_short_one_is_not(client, login_as):
    login_as("official")
    bar = _bar(client.get("/oversight").get_data(as_text=True))
    assert [g for g in re.findall(r"<summary>([^<]+)</summary>", bar)] == ["台账", "服务", "考核结算", "管理"]
    assert bar.count("<a ") > FLAT_UP_TO  # the reason for the groups
    assert "操作日志" in bar and "结算" in bar  # still all there, one tap away

    client.post_form("/logout", {})
    login_as("operator")
    bar = _bar(client.get("/field").get_data(as_text=True))
    assert "<details" not in bar and "我的今天" in bar


def test_the_group_of_the_page_being_shown_is_marked(client, login_as):
    login_as("official")
    bar = _bar(client.get("/assignments").get_data(as_text=True))
    registers = bar[bar.index('<details class="navgroup active">'):]
    registers = registers[:registers.index("</details>")]
    assert "<summary>台账</summary>" in registers
    assert re.search(r'class="active">托底台账<', registers) and not re.search(r'class="active">无物业小区<', bar)


def test_every_entry_names_a_role_set_and_a_page_that_exist(app):
    from propmgmt.auth import roles
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for group in MENU:
        for entry in group.entries:
            assert isinstance(getattr(roles, entry.role_set), tuple), entry.role_set
            assert entry.endpoint in endpoints, entry.endpoint
