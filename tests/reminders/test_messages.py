"""What each kind of notification says, in Chinese, with times in the district's zone."""
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from propmgmt.reminders.messages import render, window_text

TASK = {"compound": "育英小区", "service": "保洁", "window_start": "2026-11-24T23:00:00+00:00",
        "window_end": "2026-11-25T01:00:00+00:00", "task_id": 9}


def _n(kind, payload, subject_type="task", subject_id=9):
    return SimpleNamespace(kind=kind, payload=payload, subject_type=subject_type, subject_id=subject_id)


@pytest.mark.parametrize("kind, payload, title, body", [
    ("assigned", {"compound": "育英小区", "decision_no": "城住建〔2026〕7号", "start_date": "2026-12-01"},
     "育英小区", ["2026-12-01", "城住建〔2026〕7号"]),
    ("review_due", {"compound": "育英小区", "decision_no": "7号", "start_date": "2026-12-01",
                    "review_date": "2027-06-01"}, "复核", ["2027-06-01", "7号"]),
    ("due_soon", TASK, "即将开始", ["保洁", "育英小区", "2026-11-25 07:00–09:00"]),
    ("overdue", TASK, "未开始", ["2026-11-25 07:00–09:00"]),
    ("escalation", TASK | {"level": "dispatcher"}, "漏做", ["改派"]),
    ("escalation", TASK | {"level": "leader"}, "升级", ["责任领导"]),
    ("escalation_leader", TASK | {"level": "leader"}, "升级", ["责任领导"]),
])
def test_each_kind_reads_in_chinese(app, kind, payload, title, body):
    with app.test_request_context():
        rendered_title, rendered_body = render(_n(kind, payload))
    assert title in rendered_title
    for part in body:
        assert part in rendered_body


def test_english_for_english_readers(app):
    with app.test_request_context(), force_locale("en"):
        assert render(_n("overdue", TASK))[0] == "Not started: 保洁 at 育英小区"


def test_unknown_kinds_and_broken_payloads_still_read(app):
    with app.test_request_context():
        assert render(_n("handover_deadline", {"compound": "育英小区"}, "handover", 4)) == (
            "通知", "关于移交第 4 号（育英小区）。")
        assert render(_n("handover_deadline", None, "handover", 4)) == ("通知", "关于移交第 4 号。")
        title, body = render(_n("due_soon", {"window_start": "not a time"}))
        assert "—" in title and "—" in body


def test_a_window_over_midnight_shows_both_dates(app):
    with app.app_context():
        assert window_text("2026-11-25T14:00:00+00:00", "2026-11-25T17:00:00+00:00") == \
            "2026-11-25 22:00–2026-11-26 01:00"
