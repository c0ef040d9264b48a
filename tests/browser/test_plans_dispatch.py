"""The plan form (fields of the chosen mode only) and the dispatch dropdown, at tablet and phone size."""
import pytest
from sqlalchemy import select

from propmgmt.clock import utcnow
from propmgmt.complaints.models import Complaint
from propmgmt.complaints.services import open_case
from propmgmt.compounds.models import Compound
from propmgmt.extensions import db

from .conftest import PHONE, TABLET, screenshot, sign_in


def _ids(app):
    with app.app_context():
        compound = db.session.scalar(select(Compound.id).where(Compound.name == "育英小区"))
        case = db.session.scalar(select(Complaint.id).where(Complaint.status.in_(("received", "acknowledged")),
                                                            Complaint.compound_id == compound).limit(1))
        if case is None:
            case = open_case(compound_id=compound, source="resident", category="cleaning",
                             description="楼道有垃圾", now=utcnow()).id
            db.session.commit()
        db.session.remove()
    return compound, case


@pytest.mark.parametrize(("viewport", "size"), [(TABLET, "tablet"), (PHONE, "phone")])
def test_plan_form_shows_the_fields_of_the_chosen_mode(live_server, live_app, page_at, viewport, size):
    compound, _case = _ids(live_app)
    page = page_at(viewport)
    sign_in(page, live_server, "dispatcher")
    page.goto(f"{live_server}/plans/new/{compound}")
    assert page.locator("#interval").is_hidden() and page.locator("#rrule").is_hidden()
    page.select_option("#repeat", "every_n_days")
    assert page.locator("#interval").is_visible() and page.locator("#rrule").is_hidden()
    page.select_option("#repeat", "custom")
    assert page.locator("#rrule").is_visible() and page.locator("#interval").is_hidden()
    page.fill("#rrule", "FREQ=MONTHLY;BYDAY=1FR")
    page.fill("#starts_on", "2027-01-01")
    with page.expect_navigation():
        page.click("button[value=preview]")
    preview = page.locator("section.card").last.inner_text()
    assert "每月第一个周五" in preview and "2027-01-01 周五" in preview and "2027-02-05 周五" in preview
    screenshot(page, f"plan-form-preview-{size}")
    page.fill("#ends_on", "2026-12-01")
    with page.expect_navigation():
        page.click("button[value=preview]")
    assert "结束日期不能早于开始日期" in page.locator("#ends_on >> xpath=..").inner_text()
    screenshot(page, f"plan-form-end-before-start-{size}")
    assert [e for e in page.errors if "status of 400" not in e] == []  # the refused form answers 400


@pytest.mark.parametrize(("viewport", "size"), [(TABLET, "tablet"), (PHONE, "phone")])
def test_dispatch_dropdown_puts_the_crew_first_and_filters(live_server, live_app, page_at, viewport, size):
    _compound, case = _ids(live_app)
    page = page_at(viewport)
    sign_in(page, live_server, "dispatcher")
    page.goto(f"{live_server}/complaints/{case}")
    groups = page.locator("#assignee_id optgroup")
    assert groups.first.get_attribute("label") == "本小区班组"
    first = groups.first.locator("option").first.inner_text()
    assert "（JC" in first and " · " in first
    page.fill("input.select-search", "JC0013")
    shown = page.locator("#assignee_id option:not([hidden])")
    assert shown.count() == 2 and "JC0013" in shown.nth(1).inner_text()  # "anyone" and the one
    assert "JC0013" in page.locator("#assignee_id option:checked").inner_text()
    screenshot(page, f"dispatch-dropdown-{size}")
    assert page.errors == []
