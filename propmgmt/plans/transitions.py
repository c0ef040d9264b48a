"""Every change of a task's state, in one place: created (from a plan: generation.py; for a case),
started, completed, verified, sent back, missed, cancelled, reassigned.

Each is a conditional UPDATE on the state it starts from (two tablets, two dispatchers or two
schedulers at once: one wins, the other gets a Conflict) with its audit entry. They flush, never
commit. Other domains react to a completed task through the `task_completed` signal (complaints:
the case it was made for is resolved); this module imports none of them.

When the work was done (`work_time`): the server's clock (`now`) decides, unless the tablet says it
recorded the work offline and its clock's time is plausible:
- a submission not marked offline is timed `now`, whatever the tablet's clock says;
- an offline one keeps the tablet's time only within the offline grace: more than CLOCK_SKEW ahead
  of the server is refused (the tablet's clock is wrong), older than OFFLINE_LIMIT + CLOCK_SKEW is
  refused (too late to sync);
- the tablet's time may not lie before the task existed (created_at), before it was started
  (started_at, for a completion) or before the server rendered the page the record was made on
  (`page_loaded_at`, a stamp the server signs into the page): more than CLOCK_SKEW before any of
  these is implausible and the work is timed `now`; within CLOCK_SKEW it is moved up to it. An
  offline record without the page's stamp is timed `now` too. So a completion sent online two
  hours late from a page loaded then, with a back-dated tablet time and offline=1, is late.
- a completion timed before the task's window opens is refused, with the time it opens.
`recorded_offline` says the tablet's time was kept; the audit entry keeps a time that was overruled.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from blinker import signal
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, or_, select, text, update

from ..audit.services import record
from ..auth.roles import TASK_VERIFIERS
from ..clock import to_local
from ..errors import Conflict, DomainError, Forbidden
from ..extensions import db
from ..outbox.services import notify_users
from ..photos import store_photo
from .models import OPEN_TASK_CONDITION, ServiceStandard, Task, TaskPhoto
from .outcomes import DONE_WORK, NOT_STARTED

# A completion may reach the server up to 12 hours after the work (a tablet offline for a shift), so
# an in-progress task is marked missed only that long after its window.
OFFLINE_LIMIT = timedelta(hours=12)
CLOCK_SKEW = timedelta(minutes=10)  # how far a tablet's clock may be off the server's

# Sent after a task is completed, in the same transaction: task_completed.send(task, user=..., now=...).
task_completed = signal("task-completed")


@dataclass(frozen=True)
class DeviceClaim:
    """What the tablet says about a record: its clock's time when the operator pressed the button,
    whether it was recorded offline (queued on the tablet), and when the server rendered the page it
    was made on (from the page's signed stamp; None without one). Without a claim: online, now."""
    at: datetime | None = None
    offline: bool = False
    page_loaded_at: datetime | None = None


ONLINE = DeviceClaim()


@dataclass
class Completion:
    checklist: dict[str, bool] = field(default_factory=dict)
    note: str = ""
    photos: list = field(default_factory=list)  # decoded PIL images, already checked


def create_task_for_case(actor, *, compound_id: int, service_type_id: int, crew_id: int | None,
                         assignee_id: int | None, complaint_id: int, window_end: datetime, now: datetime) -> Task:
    """The work a dispatched case needs: a task open from now until the case's deadline."""
    task = Task(compound_id=compound_id, service_type_id=service_type_id, crew_id=crew_id, assignee_id=assignee_id,
                complaint_id=complaint_id, window_start=now, window_end=window_end, status="scheduled", note="",
                created_at=now)
    db.session.add(task)
    db.session.flush()
    record(actor, "task", task.id, "task_created_for_complaint", now=now, compound_id=compound_id,
           to_state="scheduled")
    return task


def _check_open(task: Task) -> None:
    if task.status == "cancelled":
        raise Conflict(_l("This task was cancelled meanwhile; your record was not applied."))
    if task.status in DONE_WORK:
        raise Conflict(_l("This task is already completed."))


def work_time(task: Task, claim: DeviceClaim, *, now: datetime,
              started: datetime | None = None) -> tuple[datetime, bool]:
    """(when the work was done, whether that is the tablet's time): `now`, or the tablet's time when it
    plausibly recorded the work offline (the rules are in the module's docstring). `started`: for a
    completion, when the task was started."""
    if not claim.offline or claim.at is None:
        return now, False
    if claim.at > now + CLOCK_SKEW:
        raise DomainError(_l("The tablet's clock is ahead of the server's; please check its time."),
                          field="device_time")
    if claim.at < now - OFFLINE_LIMIT - CLOCK_SKEW:
        raise Conflict(_l("This record is more than 12 hours old and can no longer be synced; "
                          "please tell your dispatcher."))
    if claim.page_loaded_at is None:
        return now, False
    not_before = max(t for t in (task.created_at, started, claim.page_loaded_at) if t is not None)
    if claim.at < not_before - CLOCK_SKEW:
        return now, False
    return min(max(claim.at, not_before), now), True


def _overruled(claim: DeviceClaim, when: datetime) -> dict:
    """The audit's record of a tablet time that was not kept."""
    if claim.offline and claim.at is not None and claim.at != when:
        return {"device_time": [claim.at.isoformat(), when.isoformat()]}
    return {}


def start_task(user, task: Task, *, now: datetime, device: DeviceClaim = ONLINE) -> Task:
    _check_open(task)
    if task.status == "in_progress":
        return task
    if task.status == "missed":
        raise Conflict(_l("The window of this task has passed; it was marked missed."))
    when, _ = work_time(task, device, now=now)
    won = db.session.execute(update(Task).where(Task.id == task.id, Task.status.in_(NOT_STARTED))
                             .values(status="in_progress", started_at=when, started_by_id=user.id)).rowcount
    if not won:
        raise Conflict(_l("The task changed meanwhile; reload and try again."))
    db.session.refresh(task)
    record(user, "task", task.id, "task_started", now=now, compound_id=task.compound_id, to_state="in_progress",
           changes=_overruled(device, when) or None)
    return task


def complete_task(user, task: Task, completion: Completion, *, now: datetime, upload_dir: str,
                  device: DeviceClaim = ONLINE) -> Task:
    _check_open(task)
    when, offline = work_time(task, device, now=now, started=task.started_at)
    if when < task.window_start:
        raise DomainError(_l("This task's window opens at %(at)s; it can be completed from then on.",
                             at=to_local(task.window_start).strftime("%m-%d %H:%M")), field="window")
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
    if task.complaint_id and not has_photo:  # the resident sees these photos: the proof the case was handled
        raise DomainError(_l("Take at least one photo of the result: the resident will see it."), field="photos")
    if task.complaint_id and not note:
        raise DomainError(_l("Write in the note what was done: the resident will read it."), field="note")
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
           to_state="done", changes={"offline": [None, offline], **_overruled(device, when)})
    task_completed.send(task, user=user, now=now)
    return task


def verify_task(actor, task: Task, *, now: datetime) -> Task:
    if actor.role not in TASK_VERIFIERS:
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
    if actor.role not in TASK_VERIFIERS:
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


def mark_missed(*, now: datetime) -> int:
    """Tasks whose window closed without completion become missed; returns how many."""
    result = db.session.execute(
        update(Task)
        # The condition of ix_task_open_window_end, written out so both databases use that index: a seek
        # to the open tasks whose window has closed, however long the history and the horizon.
        .where(text(OPEN_TASK_CONDITION), Task.window_end <= now,
               or_(Task.status == "scheduled", Task.window_end <= now - OFFLINE_LIMIT))
        .values(status="missed"),
        execution_options={"synchronize_session": "fetch"},  # SQL text cannot be evaluated in Python
    )
    return result.rowcount


def cancel_future_tasks(plan_ids, *, now: datetime) -> int:
    """The plans' tasks that have not started and lie ahead are cancelled (a plan or assignment ended)."""
    return db.session.execute(
        update(Task).where(Task.plan_id.in_(plan_ids), Task.status == "scheduled", Task.window_start >= now)
        .values(status="cancelled")).rowcount


def reassign_task(actor, task: Task, *, assignee_id: int | None, crew_id: int | None, now: datetime) -> Task:
    """Hands work nobody has started to another operator (or to their crew, with no one named)."""
    previous = task.assignee_id
    won = db.session.execute(update(Task).where(Task.id == task.id, Task.status.in_(NOT_STARTED))
                             .values(assignee_id=assignee_id, crew_id=crew_id)).rowcount
    if not won:
        raise Conflict(_l("Only work nobody has started can be handed to someone else."))
    db.session.refresh(task)
    record(actor, "task", task.id, "task_reassigned", now=now, compound_id=task.compound_id,
           changes={"assignee_id": [previous, assignee_id]})
    return task



def future_work(now: datetime):
    """The conditions of work that lies ahead and nobody has started: what a move between crews hands on."""
    return (Task.status == "scheduled", Task.window_end > now)


def reassign_tasks(actor, *conditions, assignee_id: int | None, crew_id: int | None, now: datetime) -> int:
    """reassign_task for every future task matching `conditions` (a bulk UPDATE, one audit entry each,
    written in one INSERT); returns how many moved."""
    from ..audit.models import AuditEntry

    rows = db.session.execute(select(Task.id, Task.compound_id, Task.assignee_id, Task.crew_id)
                              .where(*future_work(now), *conditions)).all()
    if not rows:
        return 0
    ids = [row.id for row in rows]
    operators, crews = _names(rows, assignee_id, crew_id)
    moved = 0
    for start in range(0, len(ids), 500):
        moved += db.session.execute(update(Task).where(Task.id.in_(ids[start:start + 500]), *future_work(now))
                                    .values(assignee_id=assignee_id, crew_id=crew_id)
                                    .execution_options(synchronize_session=False)).rowcount
    db.session.execute(insert(AuditEntry), [
        {"at": now, "actor_id": getattr(actor, "id", None), "entity_type": "task", "entity_id": row.id,
         "compound_id": row.compound_id, "action": "task_reassigned", "from_state": None, "to_state": None,
         "reason": "", "changes": {"operator": [operators.get(row.assignee_id), operators.get(assignee_id)],
                                   "crew": [crews.get(row.crew_id), crews.get(crew_id)]}}
        for row in rows])
    return moved


def _names(rows, assignee_id: int | None, crew_id: int | None) -> tuple[dict, dict]:
    """The operators' and crews' names for the audit (it keeps what a reader recognises, not ids)."""
    from ..auth.models import User
    from ..orgs.models import Crew

    user_ids = {row.assignee_id for row in rows} | {assignee_id}
    crew_ids = {row.crew_id for row in rows} | {crew_id}
    users = db.session.scalars(select(User).where(User.id.in_([i for i in user_ids if i]))).all()
    crews = dict(db.session.execute(select(Crew.id, Crew.name).where(Crew.id.in_([i for i in crew_ids if i]))).all())
    return {u.id: u.full_label for u in users}, crews
