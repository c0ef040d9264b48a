"""The tablet's submissions: each carries an idempotency key and is applied once; a replay (a
tablet that lost the answer, or synced twice) gets the first result back. The work itself is
plans.transitions' (start, complete) and complaints.services' (a problem found on site).
The dispatcher's verification of a selection is here too: each task through plans.transitions.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from ..offline import refuse_another_users_record
from ..plans.models import Task
from ..plans.transitions import verify_task
from .models import FieldSubmission


def apply_once(user, key: str | None, kind: str, action: Callable[[], tuple[int, dict, int | None]],
               *, now: datetime, queued_by: str | None = None) -> tuple[int, dict]:
    """Runs `action` once per key; a replay of the key returns the stored (status, body).

    The submission row is written in the same transaction as the work, so either both are
    there or neither: a crash between them cannot apply the work without remembering the key.
    `queued_by`: the user id the tablet's queue stored with the record; another user's record is
    refused (a shared tablet must not send one operator's work under the next one's session).
    """
    refuse_another_users_record(user, queued_by)
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




MAX_SELECTION = 200  # tasks verified in one go (a page of the workbench is 50)


@dataclass
class Selection:
    verified: list[Task] = field(default_factory=list)
    # Verified or sent back by someone else after the page was shown (or no longer there).
    not_waiting: list[Task] = field(default_factory=list)


def verify_selection(actor, task_ids: list[int], *, now: datetime) -> Selection:
    """Each selected task through plans.transitions.verify_task, in the caller's one transaction. A task
    that no longer awaits verification is reported, not a refusal of the others."""
    ids = list(dict.fromkeys(task_ids))
    if not ids:
        raise DomainError(_l("Select at least one task first."), field="task")
    if len(ids) > MAX_SELECTION:
        raise DomainError(_l("Select at most %(n)d tasks at a time.", n=MAX_SELECTION), field="task")
    tasks = db.session.scalars(select(Task).options(joinedload(Task.compound), joinedload(Task.service_type))
                               .where(Task.id.in_(ids)).order_by(Task.completed_at.desc(), Task.id.desc())).all()
    result = Selection()
    for task in tasks:
        try:
            result.verified.append(verify_task(actor, task, now=now))
        except Conflict:  # its conditional UPDATE changed nothing: the others go on
            result.not_waiting.append(task)
    return result
