"""When work was done (plans.transitions.work_time): the server's clock, unless the tablet plausibly
recorded it offline; a completion before the window opens is refused."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from propmgmt.audit.models import AuditEntry
from propmgmt.clock import to_local, utcnow
from propmgmt.errors import Conflict, DomainError
from propmgmt.photos import check_photo
from propmgmt.plans.outcomes import finished_late, is_on_time
from propmgmt.plans.transitions import CLOCK_SKEW, Completion, DeviceClaim, complete_task, start_task

from ..conftest import jpeg

H, M = timedelta(hours=1), timedelta(minutes=1)


def _complete(task, operator, tmp_path, **claim):
    completion = Completion(checklist={"道路清扫": True, "楼道清扫": True}, photos=[check_photo(jpeg())])
    return complete_task(operator, task, completion, now=utcnow(), upload_dir=str(tmp_path),
                         device=DeviceClaim(**claim))


def _offline(at, page_loaded_at):
    return {"at": at, "offline": True, "page_loaded_at": page_loaded_at}


@pytest.fixture
def task(field_day):
    return field_day["tasks"][0]


@pytest.fixture
def operator(field_day):
    return field_day["operator"]


def test_completion_before_the_window_opens_is_refused_with_its_opening_time(db, task, operator, tmp_path):
    task.window_start, task.window_end = utcnow() + 2 * H, utcnow() + 4 * H
    opens = to_local(task.window_start).strftime("%H:%M")
    with pytest.raises(DomainError, match=f"{opens}.*开始后才能完成") as refused:
        _complete(task, operator, tmp_path)
    assert refused.value.status_code == 422
    assert task.status == "scheduled"


def test_an_offline_completion_timed_before_the_window_opens_is_refused(db, task, operator, tmp_path):
    task.window_start = utcnow() - 10 * M
    with pytest.raises(DomainError, match="开始后才能完成"):
        _complete(task, operator, tmp_path, **_offline(utcnow() - 30 * M, utcnow() - H))
    _complete(task, operator, tmp_path, **_offline(utcnow() - 5 * M, utcnow() - H))
    assert task.device_completed_at == utcnow() - 5 * M


def test_an_online_submission_is_timed_by_the_server_whatever_the_tablet_says(db, field_day, operator,
                                                                            tmp_path):
    task, second = field_day["tasks"][:2]
    _complete(task, operator, tmp_path, at=utcnow() - 20 * M, offline=False, page_loaded_at=utcnow() - H)
    assert task.device_completed_at == task.completed_at == utcnow() and not task.recorded_offline
    # an online record is not refused for the tablet's clock: its clock is not used
    _complete(second, operator, tmp_path, at=utcnow() + 3 * H)
    assert second.device_completed_at == utcnow()


def test_an_offline_time_within_the_grace_is_kept(db, task, operator, tmp_path):
    _complete(task, operator, tmp_path, **_offline(utcnow() - 25 * M, utcnow() - 3 * H))
    assert task.device_completed_at == utcnow() - 25 * M and task.recorded_offline
    assert task.completed_at == utcnow()


def test_an_offline_time_outside_the_grace_is_refused(db, field_day, operator, tmp_path):
    first, second = field_day["tasks"][:2]
    first.window_start = second.window_start = utcnow() - 20 * H
    with pytest.raises(Conflict, match="超过 12 小时"):
        _complete(first, operator, tmp_path, **_offline(utcnow() - 12 * H - CLOCK_SKEW - M, utcnow() - 13 * H))
    with pytest.raises(DomainError, match="时钟"):
        _complete(second, operator, tmp_path, **_offline(utcnow() + CLOCK_SKEW + M, utcnow() - H))


def test_an_offline_time_before_the_task_existed_is_not_kept(db, task, operator, tmp_path):
    task.created_at = utcnow() - H
    task.window_start = utcnow() - 3 * H  # a window open before the task was made (a case's task)
    _complete(task, operator, tmp_path, **_offline(utcnow() - 2 * H, utcnow() - 3 * H))
    assert task.device_completed_at == utcnow() and not task.recorded_offline


def test_an_offline_time_just_before_the_task_existed_is_moved_up_to_it(db, task, operator, tmp_path):
    """A tablet's clock a few minutes behind the server's (within CLOCK_SKEW) is not a lie."""
    task.created_at = utcnow() - 20 * M
    _complete(task, operator, tmp_path, **_offline(utcnow() - 25 * M, utcnow() - 20 * M))
    assert task.device_completed_at == utcnow() - 20 * M and task.recorded_offline


def test_an_offline_completion_before_the_task_was_started_is_not_kept(db, task, operator, tmp_path):
    start_task(operator, task, now=utcnow() - 5 * M)
    assert task.started_at == utcnow() - 5 * M
    _complete(task, operator, tmp_path, **_offline(utcnow() - 25 * M, utcnow() - H))
    assert task.device_completed_at == utcnow() and not task.recorded_offline


def test_sent_online_two_hours_late_with_a_back_dated_offline_time_is_late(db, task, operator, tmp_path):
    """The window closed two hours ago; the page was loaded (server-stamped) just now, so a tablet time
    inside the window, sent with offline=1, cannot have been recorded on it: the server's time decides."""
    task.window_start, task.window_end = utcnow() - 4 * H, utcnow() - 2 * H
    _complete(task, operator, tmp_path, **_offline(task.window_end - 10 * M, utcnow() - 5 * M))
    assert task.device_completed_at == utcnow() and finished_late(task) and not is_on_time(task)
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "task_completed",
                                                        AuditEntry.entity_id == task.id)).one()
    assert audit.changes["offline"] == [None, False]
    assert audit.changes["device_time"][0] == (task.window_end - 10 * M).isoformat()


def test_the_same_record_made_on_a_page_loaded_in_the_window_keeps_its_time(db, task, operator, tmp_path):
    task.window_start, task.window_end = utcnow() - 4 * H, utcnow() - 2 * H
    _complete(task, operator, tmp_path, **_offline(task.window_end - 10 * M, task.window_start + 30 * M))
    assert task.device_completed_at == task.window_end - 10 * M and is_on_time(task) and task.recorded_offline


def test_an_offline_record_without_the_pages_stamp_is_timed_by_the_server(db, task, operator, tmp_path):
    _complete(task, operator, tmp_path, **_offline(utcnow() - 20 * M, None))
    assert task.device_completed_at == utcnow() and not task.recorded_offline


def test_a_start_follows_the_same_rules(db, field_day, operator):
    online, offline, before = field_day["tasks"][:3]
    start_task(operator, online, now=utcnow(), device=DeviceClaim(at=utcnow() - H, offline=False))
    assert online.started_at == utcnow()
    start_task(operator, offline, now=utcnow(), device=DeviceClaim(**_offline(utcnow() - 15 * M, utcnow() - H)))
    assert offline.started_at == utcnow() - 15 * M
    before.created_at = utcnow() - 30 * M
    start_task(operator, before, now=utcnow(), device=DeviceClaim(**_offline(utcnow() - 2 * H, utcnow() - 3 * H)))
    assert before.started_at == utcnow()
