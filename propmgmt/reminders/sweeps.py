"""The scheduler's reminder sweeps: due-soon, overdue and escalation reminders of tasks, and the
deadline warnings and escalations of open cases, written to the outbox; and who is told (the
dispatchers, the responsible leader of a compound's assignment). Each sweep reads only a bounded
time slice, so it stays fast however long the history grows, and writes through the outbox's
unique key, so running twice is harmless.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..assignments.models import Assignment
from ..auth.models import User
from ..clock import to_local
from ..complaints.models import Complaint
from ..complaints.policy import TRANSITIONS, limit
from ..extensions import db
from ..outbox.models import Notification
from ..outbox.services import enqueue_notifications, notification_rows, webhook_configured
from ..plans.models import Task


@dataclass(frozen=True)
class ReminderPolicy:
    due_soon_minutes: int = 30
    overdue_minutes: int = 30
    dispatcher_after_hours: float = 0
    leader_after_hours: float = 24
    lookback_hours: float = 6

    @classmethod
    def from_config(cls, config) -> "ReminderPolicy":
        return cls(**{name: config[key] for name, key in (
            ("due_soon_minutes", "REMIND_DUE_SOON_MINUTES"), ("overdue_minutes", "REMIND_OVERDUE_MINUTES"),
            ("dispatcher_after_hours", "ESCALATE_DISPATCHER_AFTER_HOURS"),
            ("leader_after_hours", "ESCALATE_LEADER_AFTER_HOURS"), ("lookback_hours", "REMIND_LOOKBACK_HOURS"),
        ) if key in config})


def _tasks(kind: str, *conditions) -> list[Task]:
    """Tasks matching `conditions` that have no `kind` reminder yet (each is handled once)."""
    already = select(Notification.id).where(Notification.subject_type == "task",
                                            Notification.subject_id == Task.id, Notification.kind == kind)
    return db.session.scalars(
        select(Task).options(joinedload(Task.compound), joinedload(Task.service_type))
        .where(*conditions, ~already.exists())
    ).unique().all()


def _payload(task: Task, **extra) -> dict:
    return {"compound": task.compound.name, "service": task.service_type.name_zh,
            "window_start": task.window_start.isoformat(), "window_end": task.window_end.isoformat(),
            "task_id": task.id, **extra}


def _field_people(tasks: list[Task]) -> dict[int, list[User]]:
    """task id -> the operator it is assigned to, or every active operator of its crew."""
    crew_ids = {t.crew_id for t in tasks if t.assignee_id is None and t.crew_id}
    crews: dict[int, list[User]] = {}
    if crew_ids:
        for user in db.session.scalars(select(User).where(User.crew_id.in_(crew_ids), User.active,
                                                          User.role == "operator")):
            crews.setdefault(user.crew_id, []).append(user)
    assignees = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({t.assignee_id for t in tasks if t.assignee_id}), User.active))}
    return {t.id: ([assignees[t.assignee_id]] if t.assignee_id in assignees else crews.get(t.crew_id, []))
            for t in tasks}


def enqueue_task_reminders(*, now: datetime, policy: ReminderPolicy = ReminderPolicy()) -> dict:
    """Writes the outbox rows due now; returns how many tasks each kind concerned."""
    lookback = timedelta(hours=policy.lookback_hours)
    rows: list[dict] = []
    due_soon = _tasks("due_soon", Task.status == "scheduled", Task.window_start > now,
                      Task.window_start <= now + timedelta(minutes=policy.due_soon_minutes))
    overdue_at = now - timedelta(minutes=policy.overdue_minutes)
    overdue = _tasks("overdue", Task.status == "scheduled", Task.window_start <= overdue_at,
                     Task.window_start > overdue_at - lookback, Task.window_end > now)
    people = _field_people(due_soon + overdue)
    to_dispatcher_at = now - timedelta(hours=policy.dispatcher_after_hours)
    for_dispatchers = _tasks("escalation", Task.status == "missed", Task.window_end <= to_dispatcher_at,
                             Task.window_end > to_dispatcher_at - lookback)
    dispatchers = active_dispatchers() if (due_soon or overdue or for_dispatchers) else []
    webhook = webhook_configured()  # once for the sweep, not once per task
    # The ladder: the field hears first; the dispatchers hear of work nobody can take (due soon with no
    # crew), of work not started in time (overdue), and of missed work; the leader of what stays missed.
    for task in due_soon:
        rows += notification_rows(people[task.id] or dispatchers, kind="due_soon", subject_type="task",
                                  subject_id=task.id, payload=_payload(task), due_at=now, now=now,
                                  webhook=webhook)
    for task in overdue:
        rows += notification_rows(people[task.id] + dispatchers, kind="overdue", subject_type="task",
                                  subject_id=task.id, payload=_payload(task), due_at=now, now=now,
                                  webhook=webhook)
    if for_dispatchers:
        for task in for_dispatchers:
            rows += notification_rows(dispatchers, kind="escalation", subject_type="task", subject_id=task.id,
                                      payload=_payload(task, level="dispatcher"), due_at=now, now=now,
                                      webhook=webhook)

    to_leader_at = now - timedelta(hours=policy.leader_after_hours)
    for_leaders = _tasks("escalation_leader", Task.status == "missed", Task.window_end <= to_leader_at,
                         Task.window_end > to_leader_at - lookback)
    leaders = leaders_of({t.compound_id for t in for_leaders})
    for task in for_leaders:
        if task.compound_id in leaders:
            rows += notification_rows([leaders[task.compound_id]], kind="escalation_leader", subject_type="task",
                                      subject_id=task.id, payload=_payload(task, level="leader"), due_at=now,
                                      now=now, webhook=webhook)
    enqueue_notifications(rows)
    return {"due_soon": len(due_soon), "overdue": len(overdue), "escalated_to_dispatchers": len(for_dispatchers),
            "escalated_to_leaders": len(for_leaders), "rows": len(rows)}


def active_dispatchers() -> list[User]:
    """Every active dispatcher: they hear of all late work and cases."""
    return list(db.session.scalars(select(User).where(User.role == "dispatcher", User.active)))


def leaders_of(compound_ids: set[int]) -> dict[int, User]:
    """compound id -> the responsible leader of its active assignment: escalations go to them."""
    if not compound_ids:
        return {}
    return {a.compound_id: a.responsible_leader for a in db.session.scalars(
        select(Assignment).options(joinedload(Assignment.responsible_leader))
        .where(Assignment.compound_id.in_(compound_ids), Assignment.status == "active"))}


def enqueue_complaint_reminders(*, now: datetime) -> dict:
    """Outbox rows for open cases nearing or past a deadline: dispatchers hear of them before the
    deadline; once it has passed, the compound's responsible leader too (escalation).

    Kinds: complaint_sla (acknowledge deadline near), complaint_sla_resolve (resolve deadline near),
    complaint_ack_overdue / complaint_overdue (a deadline passed). The outbox's unique key sends each once per case.
    """
    soon = now + timedelta(minutes=limit("COMPLAINT_WARN_MINUTES"))
    cases = db.session.scalars(select(Complaint).options(joinedload(Complaint.compound)).where(
        ((Complaint.status == "received") & (Complaint.acknowledge_due_at <= soon))
        | (Complaint.status.in_(TRANSITIONS["resolve"].from_states) & (Complaint.resolve_due_at <= soon)))
        .order_by(Complaint.id).limit(2000)).all()
    if not cases:
        return {"near": 0, "overdue": 0, "rows": 0}
    dispatchers = active_dispatchers()
    leaders = leaders_of({c.compound_id for c in cases if c.compound_id})
    webhook = webhook_configured()
    rows, near, overdue = [], 0, 0
    for c in cases:
        deadline = c.acknowledge_due_at if c.status == "received" else c.resolve_due_at
        payload = {"compound": c.compound.name if c.compound else c.hotline_compound_name, "code": c.tracking_code,
                   "category": c.category, "deadline": deadline.isoformat(),
                   "deadline_local": to_local(deadline).strftime("%Y-%m-%d %H:%M"), "complaint_id": c.id}
        if deadline > now:
            near += 1
            kind = "complaint_sla" if c.status == "received" else "complaint_sla_resolve"
            rows += notification_rows(dispatchers, kind=kind, subject_type="complaint", subject_id=c.id,
                                      payload=payload, due_at=now, now=now, webhook=webhook)
        else:
            overdue += 1
            people = dispatchers + ([leaders[c.compound_id]] if c.compound_id in leaders else [])
            kind = "complaint_ack_overdue" if c.status == "received" else "complaint_overdue"
            rows += notification_rows(people, kind=kind, subject_type="complaint", subject_id=c.id,
                                      payload=payload, due_at=now, now=now, webhook=webhook)
    enqueue_notifications(rows)
    return {"near": near, "overdue": overdue, "rows": len(rows)}
