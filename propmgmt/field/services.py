"""The operator's work on a task — start, complete with evidence, report a problem — and the
dispatcher's verification. Each submission carries an idempotency key: applied once, and a
replay (a tablet that lost the answer, or synced twice) gets the first result back.
"""
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..complaints.models import Complaint, ComplaintPhoto
from ..compounds.models import Compound
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from ..plans.models import ServiceStandard, Task, TaskPhoto
from ..reminders.services import notify_users
from .models import FieldSubmission
from .photos import store_photo

OFFLINE_LIMIT = timedelta(hours=12)
CLOCK_SKEW = timedelta(minutes=10)
COMPLETABLE = ("scheduled", "in_progress", "rejected", "missed")
PROBLEM_CATEGORIES = ("sewage_overflow", "blocked_shaft", "garbage_not_collected", "cleaning", "lighting",
                      "facility_damage", "other")
VERIFIERS = ("admin", "dispatcher")


@dataclass
class Completion:
    checklist: dict[str, bool] = field(default_factory=dict)
    note: str = ""
    photos: list = field(default_factory=list)  # decoded PIL images, already checked
    device_time: datetime | None = None


def apply_once(user, key: str | None, kind: str, action: Callable[[], tuple[int, dict, int | None]],
               *, now: datetime) -> tuple[int, dict]:
    """Runs `action` once per key; a replay of the key returns the stored (status, body).

    The submission row is written in the same transaction as the work, so either both are
    there or neither: a crash between them cannot apply the work without remembering the key.
    """
    key = (key or "").strip()
    if not key or len(key) > 64:
        raise DomainError(_l("The request has no valid idempotency key."), field="key")
    stored = db.session.get(FieldSubmission, key)
    if stored is not None:
        return _replay(user, stored)
    try:
        with db.session.begin_nested():
            status, body, task_id = action()
    except DomainError:
        # The same key sent twice at once (a tablet syncing twice): on PostgreSQL this request waited
        # on the task's row lock, then found the task changed by the other one. It was applied, once:
        # answer with the other's result, not a refusal the operator would have to dismiss.
        stored = db.session.scalar(select(FieldSubmission).where(FieldSubmission.key == key)
                                   .execution_options(populate_existing=True))
        if stored is None:
            raise
        return _replay(user, stored)
    try:
        with db.session.begin_nested():
            db.session.add(FieldSubmission(key=key, user_id=user.id, kind=kind, task_id=task_id,
                                           status_code=status, response=body, received_at=now))
    except IntegrityError:  # the same key arrived twice at once; the other one won
        raise Conflict(_l("This submission is already being processed."))
    return status, body


def _replay(user, stored: FieldSubmission) -> tuple[int, dict]:
    if stored.user_id != user.id:
        raise Forbidden(_l("This submission belongs to someone else."))
    db.session.execute(update(FieldSubmission).where(FieldSubmission.key == stored.key)
                       .values(replays=FieldSubmission.replays + 1))  # counted in /metrics
    return stored.status_code, stored.response


def task_for(user, task_id: int) -> Task:
    """The task if this operator may work on it: theirs, or their crew's unassigned one."""
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound(_l("This task does not exist."))
    if task.assignee_id == user.id:
        return task
    if task.assignee_id is None and user.crew_id and task.crew_id == user.crew_id:
        return task
    if task.completed_by_id == user.id or task.started_by_id == user.id:
        raise Conflict(_l("This task was reassigned to someone else meanwhile; your record was not applied. "
                          "Please tell your dispatcher."))
    raise Forbidden(_l("This is not your task."))


def _check_open(task: Task) -> None:
    if task.status == "cancelled":
        raise Conflict(_l("This task was cancelled meanwhile; your record was not applied."))
    if task.status in ("done", "verified"):
        raise Conflict(_l("This task is already completed."))


def _device_time(value: datetime | None, now: datetime) -> datetime:
    if value is None:
        return now
    if value > now + CLOCK_SKEW:
        raise DomainError(_l("The tablet's clock is ahead of the server's; please check its time."),
                          field="device_time")
    if value < now - OFFLINE_LIMIT - CLOCK_SKEW:
        raise Conflict(_l("This record is more than 12 hours old and can no longer be synced; "
                          "please tell your dispatcher."))
    return value


def start_task(user, task: Task, *, now: datetime, device_time: datetime | None = None) -> Task:
    _check_open(task)
    if task.status == "in_progress":
        return task
    if task.status == "missed":
        raise Conflict(_l("The window of this task has passed; it was marked missed."))
    when = _device_time(device_time, now)
    won = db.session.execute(update(Task).where(Task.id == task.id, Task.status.in_(("scheduled", "rejected")))
                             .values(status="in_progress", started_at=when, started_by_id=user.id)).rowcount
    if not won:
        raise Conflict(_l("The task changed meanwhile; reload and try again."))
    db.session.refresh(task)
    record(user, "task", task.id, "task_started", now=now, compound_id=task.compound_id, to_state="in_progress")
    return task


def complete_task(user, task: Task, completion: Completion, *, now: datetime, upload_dir: str,
                  offline: bool = False) -> Task:
    _check_open(task)
    when = _device_time(completion.device_time, now)
    if task.status == "missed" and when > task.window_end + OFFLINE_LIMIT:
        raise Conflict(_l("The window of this task has passed; it was marked missed."))
    standard = db.session.get(ServiceStandard, task.standard_id) if task.standard_id else None
    items = standard.checklist if standard else []
    unticked = [item for item in items if not completion.checklist.get(item)]
    note = (completion.note or "").strip()
    if unticked and not note:
        raise DomainError(_l("Tick every checklist item, or write in the note why not: %(items)s",
                             items="、".join(unticked)), field="checklist")
    has_photo = completion.photos or db.session.scalar(select(TaskPhoto.id).where(TaskPhoto.task_id == task.id))
    if standard and standard.photo_required and not has_photo:
        raise DomainError(_l("This service needs at least one photo before it can be completed."), field="photos")
    previous = task.status
    won = db.session.execute(update(Task).where(Task.id == task.id, Task.status == previous).values(
        status="done", completed_at=now, device_completed_at=when, completed_by_id=user.id,
        recorded_offline=offline, checklist_result={item: bool(completion.checklist.get(item)) for item in items},
        note=note[:2000], started_at=task.started_at or when)).rowcount
    if not won:
        raise Conflict(_l("The task changed meanwhile; reload and try again."))
    for image in completion.photos:
        stored = store_photo(image, upload_dir, task.id)
        db.session.add(TaskPhoto(task_id=task.id, path=stored.path, thumb_path=stored.thumb_path, created_at=now))
    db.session.refresh(task)
    record(user, "task", task.id, "task_completed", now=now, compound_id=task.compound_id, from_state=previous,
           to_state="done", changes={"offline": [None, offline]})
    if task.complaint_id:  # work dispatched for a case: finishing it resolves the case
        from ..complaints.services import resolve_from_task
        resolve_from_task(user, task, now=now)
    return task


def verify_task(actor, task: Task, *, now: datetime) -> Task:
    if actor.role not in VERIFIERS:
        raise Forbidden(_l("Only dispatchers verify completed work."))
    won = db.session.execute(update(Task).where(Task.id == task.id, Task.status == "done")
                             .values(status="verified", verified_by_id=actor.id, verified_at=now)).rowcount
    if not won:
        raise Conflict(_l("Only completed work awaiting verification can be verified."))
    db.session.refresh(task)
    record(actor, "task", task.id, "task_verified", now=now, compound_id=task.compound_id, from_state="done",
           to_state="verified")
    return task


def reject_task(actor, task: Task, reason: str, *, now: datetime) -> Task:
    """Reopens the task for redo and tells the operator who did it."""
    if actor.role not in VERIFIERS:
        raise Forbidden(_l("Only dispatchers verify completed work."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say what must be redone."), field="reason")
    won = db.session.execute(update(Task).where(Task.id == task.id, Task.status == "done").values(
        status="rejected", rejection_reason=reason[:2000], rejections=Task.rejections + 1,
        verified_by_id=actor.id, verified_at=now)).rowcount
    if not won:
        raise Conflict(_l("Only completed work awaiting verification can be rejected."))
    db.session.refresh(task)
    record(actor, "task", task.id, "task_rejected", now=now, compound_id=task.compound_id, from_state="done",
           to_state="rejected", reason=reason)
    if task.completed_by:
        notify_users([task.completed_by], kind="task_rejected", subject_type="task", subject_id=task.id,
                     payload={"compound": task.compound.name, "service": task.service_type.name_zh,
                              "window_start": task.window_start.isoformat(),
                              "window_end": task.window_end.isoformat(), "reason": reason,
                              "rejections": task.rejections}, due_at=now, now=now)
    return task


def report_problem(user, compound_id: int, category: str, note: str, photos: list, *, now: datetime,
                   upload_dir: str) -> Complaint:
    """A problem found on site becomes a case in the dispatcher's queue (source: field)."""
    compound = db.session.get(Compound, compound_id or 0)
    if compound is None:
        raise DomainError(_l("Choose the compound."), field="compound_id")
    if category not in PROBLEM_CATEGORIES:
        raise DomainError(_l("Choose what kind of problem it is."), field="category")
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("Describe the problem."), field="note")
    from ..complaints.policy import deadlines, sla_for  # the same response deadlines as residents' reports
    acknowledge_due, resolve_due = deadlines(category, now)
    complaint = Complaint(tracking_code=secrets.token_hex(4).upper(), compound_id=compound.id, source="field",
                          category=category, description=note[:4000], severity=sla_for(category).severity,
                          status="received", received_at=now, reported_by_id=user.id,
                          acknowledge_due_at=acknowledge_due, resolve_due_at=resolve_due)
    db.session.add(complaint)
    db.session.flush()
    for image in photos:
        stored = store_photo(image, upload_dir, f"complaints/{complaint.id}")
        db.session.add(ComplaintPhoto(complaint_id=complaint.id, path=stored.path, thumb_path=stored.thumb_path,
                                      created_at=now))
    record(user, "complaint", complaint.id, "problem_reported", now=now, compound_id=compound.id,
           to_state="received", reason=note[:200])
    return complaint
