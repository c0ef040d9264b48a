"""The field rules, called directly."""
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from propmgmt.clock import utcnow
from propmgmt.errors import Conflict, DomainError, Forbidden
from propmgmt.field.services import apply_once, task_for
from propmgmt.outbox.models import Notification
from propmgmt.photos import PhotoRejected, check_photo
from propmgmt.plans.models import TaskPhoto
from propmgmt.plans.transitions import Completion, DeviceClaim, complete_task, reject_task, start_task, verify_task

from ..conftest import jpeg
from ..factories import UserFactory


def _done(task, operator, upload_dir, *, now=None, **claim):
    """Completes `task`; `claim`: what the tablet says (DeviceClaim's fields)."""
    completion = Completion(checklist={item: True for item in ["道路清扫", "楼道清扫"]},
                            photos=[check_photo(jpeg())])
    return complete_task(operator, task, completion, now=now or utcnow(), upload_dir=upload_dir,
                         device=DeviceClaim(**claim))


def test_complete_with_photo_reencodes_and_strips_location(db, field_day, app, tmp_path):
    task, operator = field_day["tasks"][0], field_day["operator"]
    image = check_photo(jpeg(4000, 3000, exif_gps=True))
    complete_task(operator, task, Completion(checklist={"道路清扫": True, "楼道清扫": True}, photos=[image]),
                  now=utcnow(), upload_dir=str(tmp_path))
    assert task.status == "done" and task.completed_by_id == operator.id
    photo = db.session.scalars(select(TaskPhoto).where(TaskPhoto.task_id == task.id)).one()
    with Image.open(tmp_path / photo.path) as stored:
        assert max(stored.size) == 1600 and not stored.getexif()
    with Image.open(tmp_path / photo.thumb_path) as thumb:
        assert max(thumb.size) == 320


def test_photo_required(db, field_day, tmp_path):
    task = field_day["tasks"][0]
    with pytest.raises(DomainError, match="至少需要一张照片"):
        complete_task(field_day["operator"], task, Completion(checklist={"道路清扫": True, "楼道清扫": True}),
                      now=utcnow(), upload_dir=str(tmp_path))
    assert task.status == "scheduled"


def test_unticked_items_need_a_note(db, field_day, tmp_path):
    task, operator = field_day["tasks"][0], field_day["operator"]
    with pytest.raises(DomainError, match="楼道清扫"):
        complete_task(operator, task, Completion(checklist={"道路清扫": True}, photos=[check_photo(jpeg())]),
                      now=utcnow(), upload_dir=str(tmp_path))
    complete_task(operator, task, Completion(checklist={"道路清扫": True}, note="楼道施工，无法进入",
                                             photos=[check_photo(jpeg())]),
                  now=utcnow(), upload_dir=str(tmp_path))
    assert task.checklist_result == {"道路清扫": True, "楼道清扫": False}


@pytest.mark.parametrize("data, message", [
    (b"%PDF-1.4 not an image", "不是可读取的照片"),
    (b"", "照片是空的"),
    (b"\xff\xd8\xff" + b"0" * (8 * 1024 * 1024), "大于 8 MB"),
])
def test_bad_photos_are_refused(db, data, message):
    with pytest.raises(PhotoRejected, match=message):
        check_photo(data)


def test_an_image_bomb_is_refused_before_decoding(db):
    import io
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")  # tiny file, 400 million pixels
    assert len(bomb.getvalue()) < 1024 * 1024
    with pytest.raises(PhotoRejected, match="像素过多"):
        check_photo(bomb.getvalue())


def test_someone_elses_task_is_refused(db, field_day, setting):
    stranger = UserFactory(role="operator")
    with pytest.raises(Forbidden):
        task_for(stranger, field_day["tasks"][0].id)


def test_reassigned_meanwhile_is_a_conflict(db, field_day):
    task, operator = field_day["tasks"][0], field_day["operator"]
    start_task(operator, task, now=utcnow())
    task.assignee_id = UserFactory(role="operator").id
    db.session.flush()
    with pytest.raises(Conflict, match="改派"):
        task_for(operator, task.id)


def test_second_completion_and_cancelled_task(db, field_day, tmp_path):
    first, second = field_day["tasks"][:2]
    operator = field_day["operator"]
    _done(first, operator, str(tmp_path))
    with pytest.raises(Conflict, match="已经完成"):
        _done(first, operator, str(tmp_path))
    second.status = "cancelled"
    db.session.flush()
    with pytest.raises(Conflict, match="已取消"):
        _done(second, operator, str(tmp_path))
    assert db.session.scalar(select(func.count(TaskPhoto.id))) == 1


def test_offline_completion_keeps_both_times(db, field_day, tmp_path):
    task, operator = field_day["tasks"][0], field_day["operator"]
    done_on_device = utcnow() - timedelta(minutes=20)
    _done(task, operator, str(tmp_path), at=done_on_device, offline=True, page_loaded_at=utcnow() - timedelta(hours=1))
    assert task.device_completed_at == done_on_device.replace(microsecond=task.device_completed_at.microsecond)
    assert task.completed_at > task.device_completed_at and task.recorded_offline
    with pytest.raises(Conflict, match="超过 12 小时"):
        _done(field_day["tasks"][1], operator, str(tmp_path), at=utcnow() - timedelta(hours=13), offline=True,
              page_loaded_at=utcnow() - timedelta(hours=14))
    with pytest.raises(DomainError, match="时钟"):
        _done(field_day["tasks"][1], operator, str(tmp_path), at=utcnow() + timedelta(hours=1), offline=True,
              page_loaded_at=utcnow())


def test_a_key_is_applied_once_and_a_replay_gets_the_first_answer(db, field_day):
    operator, calls = field_day["operator"], []

    def action():
        calls.append(1)
        return 200, {"message": "ok", "n": len(calls)}, None

    now = utcnow()
    assert apply_once(operator, "k-1", "start", action, now=now) == (200, {"message": "ok", "n": 1})
    assert apply_once(operator, "k-1", "start", action, now=now) == (200, {"message": "ok", "n": 1})
    assert len(calls) == 1
    with pytest.raises(Forbidden):
        apply_once(UserFactory(role="operator"), "k-1", "start", action, now=now)
    with pytest.raises(DomainError):
        apply_once(operator, "", "start", action, now=now)


def test_reject_reopens_for_redo_and_tells_the_operator(db, field_day, setting, tmp_path):
    task, operator = field_day["tasks"][0], field_day["operator"]
    _done(task, operator, str(tmp_path))
    with pytest.raises(DomainError, match="返工"):
        reject_task(setting.dispatcher, task, "", now=utcnow())
    reject_task(setting.dispatcher, task, "垃圾桶周边未清理", now=utcnow())
    assert task.status == "rejected" and task.rejections == 1
    told = db.session.scalars(select(Notification).where(Notification.kind == "task_rejected")).all()
    assert [n.recipient_id for n in told if n.channel == "in_app"] == [operator.id]
    start_task(operator, task, now=utcnow())
    _done(task, operator, str(tmp_path))
    verify_task(setting.dispatcher, task, now=utcnow())
    assert task.status == "verified" and task.rejections == 1
    with pytest.raises(Conflict):
        verify_task(setting.dispatcher, task, now=utcnow())
    with pytest.raises(Forbidden):
        verify_task(operator, task, now=utcnow())
