"""Read models for the field app and for verification, each in a fixed number of queries."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..clock import district_tz
from ..extensions import db
from ..orgs.models import Crew
from ..plans.models import ServiceStandard, Task, TaskPhoto

OPEN = ("scheduled", "in_progress", "rejected")


def mine(user):
    """Tasks an operator works on: assigned to them, or to their crew and to nobody in it."""
    condition = Task.assignee_id == user.id
    if user.crew_id:
        condition = or_(condition, (Task.assignee_id.is_(None)) & (Task.crew_id == user.crew_id))
    return condition


@dataclass
class Group:
    compound: object
    tasks: list = field(default_factory=list)


@dataclass
class Day:
    label: str
    groups: list[Group]
    left: int
    total: int


def my_days(user, *, now: datetime) -> list[Day]:
    """Today and tomorrow in the district, grouped by compound, the nearest next task first."""
    tz = district_tz()
    today = now.astimezone(tz).date()
    start = datetime.combine(today, datetime.min.time(), tzinfo=tz)
    tasks = db.session.scalars(
        select(Task).options(joinedload(Task.compound), joinedload(Task.service_type))
        .where(mine(user), Task.window_start >= start, Task.window_start < start + timedelta(days=2),
               Task.status != "cancelled")
        .order_by(Task.window_start, Task.compound_id)
    ).all()
    days = []
    for offset in (0, 1):
        day = today + timedelta(days=offset)
        of_day = [t for t in tasks if t.window_start.astimezone(tz).date() == day]
        # Open work first (the nearest window leads), then what is finished.
        of_day.sort(key=lambda t: (t.status not in OPEN, t.window_start))
        groups: dict[int, Group] = {}
        for task in of_day:
            groups.setdefault(task.compound_id, Group(task.compound)).tasks.append(task)
        days.append(Day(day.isoformat(), list(groups.values()),
                        sum(1 for t in of_day if t.status in OPEN), len(of_day)))
    return days


def checklist_of(task: Task) -> list[str]:
    standard = db.session.get(ServiceStandard, task.standard_id) if task.standard_id else None
    return standard.checklist if standard else []


def photos_of(task_ids: list[int]) -> dict[int, list[TaskPhoto]]:
    result: dict[int, list[TaskPhoto]] = {}
    if task_ids:
        for photo in db.session.scalars(select(TaskPhoto).where(TaskPhoto.task_id.in_(task_ids))
                                        .order_by(TaskPhoto.id)):
            result.setdefault(photo.task_id, []).append(photo)
    return result


def verification_queue(limit: int = 100) -> list[Task]:
    return db.session.scalars(
        select(Task).options(joinedload(Task.compound), joinedload(Task.service_type), joinedload(Task.completed_by))
        .where(Task.status == "done").order_by(Task.completed_at).limit(limit)
    ).all()


def on_time_condition():
    """The one definition of "on time": finished (on the device) by the end of its window."""
    finished = func.coalesce(Task.device_completed_at, Task.completed_at)
    return finished <= Task.window_end


def finished_at(task: Task):
    """When the work was finished, as on_time_condition reads it (None if it was not)."""
    return task.device_completed_at or task.completed_at


def finished_late(task: Task) -> bool:
    """on_time_condition's opposite for one loaded task that was finished."""
    finished = finished_at(task)
    return finished is not None and finished > task.window_end


def operator_rates(*, since: datetime) -> list[dict]:
    """Per operator: completed, on time, and first-pass verified (verified with no rejection)."""
    done = Task.status.in_(("done", "verified", "rejected"))
    rows = db.session.execute(
        select(User.id, User.display_name, Crew.name,
               func.count(Task.id),
               func.sum(case((on_time_condition(), 1), else_=0)),
               func.sum(case((Task.status == "verified", 1), else_=0)),
               func.sum(case(((Task.status == "verified") & (Task.rejections == 0), 1), else_=0)))
        .join(Task, Task.completed_by_id == User.id).outerjoin(Crew, Crew.id == User.crew_id)
        .where(done, Task.window_start >= since)
        .group_by(User.id, User.display_name, Crew.name).order_by(Crew.name, User.display_name)
    ).all()
    return [{"user_id": r[0], "name": r[1], "crew": r[2] or "—", "completed": r[3], "on_time": int(r[4] or 0),
             "verified": int(r[5] or 0), "first_pass": int(r[6] or 0)} for r in rows]


def crew_rates(operator_rows: list[dict]) -> list[dict]:
    """The same figures summed per crew (from operator_rates' rows: no second query)."""
    crews: dict[str, dict] = {}
    for row in operator_rows:
        total = crews.setdefault(row["crew"], {"crew": row["crew"], "completed": 0, "on_time": 0, "verified": 0,
                                               "first_pass": 0})
        for key in ("completed", "on_time", "verified", "first_pass"):
            total[key] += row[key]
    return sorted(crews.values(), key=lambda r: r["crew"])
