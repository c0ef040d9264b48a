"""The official's journey of the assignment issue, in headless chromium at tablet size."""
from .conftest import TABLET, go_by_menu, screenshot, sign_in


def test_official_assigns_the_unmanaged_compounds_of_nanshanlu(live_server, page_at):
    page = page_at(TABLET)
    sign_in(page, live_server, "official")
    go_by_menu(page, "无人管理小区")
    page.select_option("select[name=subdistrict]", label="南山路街道")
    page.click("text=筛选")
    summary = page.locator(".summary").inner_text()
    count = int(summary.split("共 ")[1].split(" 个")[0])
    assert count > 0
    screenshot(page, "unmanaged-queue-tablet")

    page.check("input[data-select-all]")  # select all on the page (a static script, allowed by the CSP)
    assert page.locator("input[name=compound_ids]:checked").count() == min(count, 50)
    page.click("text=为所选小区提出托底")
    assert page.locator("h1").inner_text() == "提出托底"
    page.fill("#decision_no", "城住建物管〔2026〕88号")
    page.fill("#review_date", "2027-06-30")
    page.check("#approve_now")
    screenshot(page, "propose-tablet")
    page.click("button:has-text('提交')")
    assert "个小区交由国有物业托底" in page.locator(".flash-success").inner_text()
    assert f"共 {min(count, 50)} 项托底" in page.locator(".summary").inner_text()
    screenshot(page, "ledger-tablet")

    page.goto(f"{live_server}/assignments/unmanaged?subdistrict=1")
    assert page.locator(".summary").inner_text().startswith(f"共 {max(count - 50, 0)} 个")
    page.goto(f"{live_server}/assignments?q=88号")
    page.locator("table.data tbody tr a").first.click()
    page.locator("h1 a").click()
    assert "国有托底" in page.locator("h1").inner_text()
    assert "托底批准生效" in page.locator(".timeline").inner_text()
    assert "王科长" in page.locator(".timeline").inner_text()
    screenshot(page, "compound-after-assignment-tablet")
    with page.expect_download() as download:
        page.goto(f"{live_server}/assignments")
        page.click("text=导出 .xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    assert page.errors == []
