"""The register as an official and a dispatcher see it, in a real headless chromium."""
import pytest

from .conftest import PHONE, TABLET, TABLET_LANDSCAPE, go_by_menu, screenshot, sign_in


def test_official_browses_the_demo_district(live_server, page_at):
    page = page_at(TABLET)
    page.goto(f"{live_server}/compounds")
    assert "/login" in page.url
    assert page.locator("h1").inner_text() == "登录"
    screenshot(page, "login-tablet")
    sign_in(page, live_server, "official")
    assert page.locator("h1").inner_text() == "概览"  # officials land on the overview
    screenshot(page, "overview-tablet")
    go_by_menu(page, "小区名册")
    assert page.locator("h1").inner_text() == "小区名册"
    assert "共 334 个小区，64000 户" in page.locator(".summary").inner_text()
    screenshot(page, "register-tablet")

    page.select_option("select[name=subdistrict]", label="南山路街道")
    page.click("text=筛选")
    assert "subdistrict=" in page.url
    page.fill("input[name=q]", "育英")
    page.click("text=筛选")
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 1
    page.click("text=育英小区")
    assert page.locator("h1").inner_text().startswith("育英小区")
    assert page.locator(".timeline li").count() >= 1
    screenshot(page, "compound-detail-tablet")
    assert page.errors == []  # no CSP violations or script errors


@pytest.mark.parametrize("viewport, name", [(PHONE, "phone"), (TABLET, "tablet"),
                                            (TABLET_LANDSCAPE, "landscape")])
def test_register_fits_the_screen(live_server, page_at, viewport, name):
    page = page_at(viewport)
    sign_in(page, live_server, "dispatcher")
    page.goto(f"{live_server}/compounds")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on {name}"
    button = page.locator("button.primary").first.bounding_box()
    assert button["height"] >= 44  # a finger, or a gloved one, can hit it
    screenshot(page, f"register-{name}")


def test_wrong_password_is_explained(live_server, page_at):
    page = page_at(PHONE)
    sign_in(page, live_server, "official", "not-the-password")
    assert "用户名或密码错误" in page.locator(".flash-error").inner_text()


def test_bad_form_input_is_marked_on_the_field(live_server, page_at):
    page = page_at(TABLET)
    sign_in(page, live_server, "official")
    page.goto(f"{live_server}/compounds/new")
    page.fill("#households", "-3")
    page.click("button.primary")
    assert "小区名称不能为空" in page.locator(".field.has-error").first.inner_text()
    assert page.locator("text=不能小于 0").count() == 1
    screenshot(page, "compound-form-errors-tablet")
