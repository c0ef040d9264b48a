"""The incoming firm: notified when selected, when a defect is found and when the inspection is ready to
sign; its home page (我的移交) lists its handovers with the step waiting for it; no link leads it to a 403."""
import re
from datetime import date

from sqlalchemy import select

from propmgmt.handovers.services import complete_handover, mark_fixed, record_inspection, sign_inspection
from propmgmt.outbox.models import Notification
from propmgmt.reminders.sender import send_due_notifications

from ..factories import ComplaintFactory, UserFactory
from .test_workflow import PASSING, _move, _to_inspection, served  # noqa: F401  (the fixture)

assert PASSING


def _kinds(db, user):
    return [n.kind for n in db.session.scalars(select(Notification).where(
        Notification.recipient_id == user.id, Notification.channel == "in_app").order_by(Notification.id))]


def _signed_in(client, user):
    response = client.post_form("/login", {"username": user.username, "password": "password123"})
    assert response.status_code == 302
    return response


def test_the_firm_is_told_each_step_that_waits_for_it(db, setting, served, now):  # noqa: F811
    firm_user = served["firm_user"]
    handover = _to_inspection(setting, served, now)
    assert _kinds(db, firm_user) == ["handover_firm_selected"]
    drain = record_inspection(setting.official, handover, facility="drains", result="defect", defect="3号井盖破损",
                              blocking=True, fixer="示例物业", fix_by=date(2026, 12, 1), now=now)
    assert _kinds(db, firm_user) == ["handover_firm_selected", "handover_defect"]
    mark_fixed(setting.official, drain, now=now)
    assert _kinds(db, firm_user)[-1] == "handover_ready_to_sign"


def test_a_firm_user_lands_on_its_handovers_signs_and_every_link_opens(client, db, setting, served, now):  # noqa: F811
    handover = _to_inspection(setting, served, now)
    record_inspection(setting.official, handover, facility="roads", result="ok", defect="", blocking=False, fixer="",
                      fix_by=None, now=now)
    record_inspection(setting.official, handover, facility="lighting", result="defect", defect="路灯不亮",
                      blocking=False, fixer="示例物业", fix_by=date(2026, 12, 10), now=now)
    send_due_notifications(now)  # the scheduler releases them
    db.session.commit()
    response = _signed_in(client, served["firm_user"])
    assert client.get(response.headers["Location"]).headers["Location"].endswith("/my/handovers")
    home = client.get("/my/handovers").get_data(as_text=True)
    assert "育英小区" in home and "2026-12-10" in home and f"/handovers/{handover.id}" in home
    centre = client.get("/notifications").get_data(as_text=True)
    assert f'href="/handovers/{handover.id}"' in centre and "路灯不亮" in centre
    page = client.get(f"/handovers/{handover.id}").get_data(as_text=True)
    for html in (home, centre, page):
        for link in set(re.findall(r'href="(/[^"#]*)"', html)):
            if "/static/" in link or "lang" in link:
                continue
            status = client.get(link.replace("&amp;", "&")).status_code
            assert status not in (403, 404, 500), (link, status)
    client.post_form(f"/handovers/{handover.id}/sign", page=f"/handovers/{handover.id}")
    db.session.refresh(handover)
    assert handover.firm_signed_at is not None


def test_after_completion_the_firm_sees_its_compound_and_the_cases_there(client, db, setting, served, now):  # noqa: F811
    handover = _to_inspection(setting, served, now)
    record_inspection(setting.official, handover, facility="roads", result="ok", defect="", blocking=False, fixer="",
                      fix_by=None, now=now)
    sign_inspection(served["firm_user"], handover, now=now)
    sign_inspection(setting.official, handover, now=now)
    _move(setting.official, handover, "transition", now, transition_end=date(2026, 11, 25))
    complete_handover(setting.official, handover, now=now)
    ComplaintFactory(compound=served["compound"], tracking_code="AFTERHO01", received_at=now)
    db.session.commit()
    _signed_in(client, served["firm_user"])
    home = client.get("/my/handovers").get_data(as_text=True)
    assert "AFTERHO01" in home and f"/r/{served['compound'].public_code}" in home


def test_a_firm_without_handovers_is_told_what_will_appear(client, db):
    _signed_in(client, UserFactory(role="firm", organisation=None))
    assert client.get("/my/handovers").status_code == 200
