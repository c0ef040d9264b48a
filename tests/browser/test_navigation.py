"""The menu bar on a tablet: an official's sixteen pages in one row, each group one tap away."""
from .conftest import PHONE, screenshot, sign_in

LANDSCAPE_1024 = {"width": 1024, "height": 768}


def test_an_officials_menu_fits_one_row_and_opens_by_tap(live_server, page_at):
    page = page_at(LANDSCAPE_1024)
    sign_in(page, live_server, "official")
    nav = page.locator("nav.mainnav")
    entry_height = page.locator("nav.mainnav > a").first.bounding_box()["height"]
    assert nav.bounding_box()["height"] < 2 * entry_height  # one row, where there were three
    settlement = page.locator("nav.mainnav a:has-text('结算')")
    assert not settlement.is_visible()
    page.click("nav.mainnav summary:has-text('考核结算')")
    assert settlement.is_visible()
    screenshot(page, "menu-official-open-1024")
    page.click("nav.mainnav summary:has-text('台账')")  # another group: the first closes
    assert not settlement.is_visible() and page.locator("nav.mainnav a:has-text('移交')").is_visible()
    page.click("main h1")  # a tap elsewhere closes it
    assert not page.locator("nav.mainnav a:has-text('移交')").is_visible()
    page.click("nav.mainnav summary:has-text('考核结算')")
    with page.expect_navigation():
        settlement.click()
    assert "/settlement" in page.url
    assert "active" in page.locator("details.navgroup:has(summary:has-text('考核结算'))").get_attribute("class")
    assert page.errors == []


def test_the_menu_on_a_phone(live_server, page_at):
    page = page_at(PHONE)
    sign_in(page, live_server, "dispatcher")
    page.click("nav.mainnav summary:has-text('服务')")
    menu = page.locator("details[open] .navmenu")
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # not cut off at the screen's edge
    screenshot(page, "menu-dispatcher-phone")
