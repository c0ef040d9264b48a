"""Read models for the field app and for verification, each in a fixed number of queries."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import bindparam, func, or_, select, union_all

from ..auth.models import User, person_label
from ..clock import district_tz
from ..complaints.models import Complaint, ComplaintPhoto
from ..compounds.models import Compound
from ..extensions import db
from ..orgs.models import Crew
from ..periods import Period
from ..plans.models import ServiceStandard, ServiceType, Task, TaskPhoto
from ..plans.outcomes import FIGURES, OPEN_WORK, Health, due_between, health_columns


def mine(user):
    """Tasks an operator works on: assigned to them, or to their crew and to nobody in it."""
    condition = Task.assignee_id == user.id
    if user.crew_id is not None:
        condition = or_(condition, (Task.assignee_id.is_(None)) & (Task.crew_id == user.crew_id))
    return condition


def page_version(task) -> str:
    """What a task's page shows that changes during a day, as a short word: the tablet fetches the
    page again for its cache only when this differs from the copy it holds (field.js warmCache)."""
    stamps = (task.started_at, task.completed_at, task.verified_at)
    return ".".join([task.status, str(task.assignee_id or 0), str(task.rejections or 0),
                     *(str(int(at.timestamp())) if at else "" for at in stamps)])


def is_mine(task, user) -> bool:
    """mine() for one loaded task."""
    return task.assignee_id == user.id or (task.assignee_id is None and user.crew_id is not None
                                           and task.crew_id == user.crew_id)


@dataclass(frozen=True)
class Place:
    """The compound a day's tasks are at, as the day and the report page show it."""
    id: int
    name: str
    address: str


@dataclass(frozen=True, slots=True)
class DayTask:
    """One row of the operator's day: what the row shows and sorts by, read as plain columns (no ORM
    object per row: 66 of them were most of the page's time), and what the page's version is made of."""
    id: int
    compound_id: int
    crew_id: int | None
    assignee_id: int | None
    complaint_id: int | None
    window_start: datetime
    window_end: datetime
    status: str
    rejections: int | None
    started_at: datetime | None
    completed_at: datetime | None
    verified_at: datetime | None
    service_name: str
    compound: Place


@dataclass
class Group:
    compound: Place
    tasks: list = field(default_factory=list)


@dataclass
class Day:
    label: str
    groups: list[Group]
    left: int
    total: int


DAY_COLUMNS = (Task.id, Task.compound_id, Task.crew_id, Task.assignee_id, Task.complaint_id, Task.window_start,
               Task.window_end, Task.status, Task.rejections, Task.started_at, Task.completed_at, Task.verified_at,
               ServiceType.name_zh, Compound.name, Compound.address)


@lru_cache(maxsize=2)
def _day_statement(with_crew: bool):
    """day_tasks' one statement, built once for an operator with a crew and once without: mine() with
    its values as parameters (building it was a third of an unchanged day's time, which is a 304)."""
    asker = SimpleNamespace(id=bindparam("user_id"), crew_id=bindparam("crew_id") if with_crew else None)
    start, end, now = bindparam("start"), bindparam("end"), bindparam("now")

    def rows(condition):
        return (select(*DAY_COLUMNS).join(Compound, Compound.id == Task.compound_id)
                .join(ServiceType, ServiceType.id == Task.service_type_id).where(condition))

    # A case's task is open from its dispatch to the case's deadline, which can be days: until it is
    # done or its deadline passes it stays in today's list, whatever day it was dispatched. Found by
    # the case tasks' own index, then narrowed by day_tasks: asked together with mine(), both databases
    # walked the operator's or the crew's whole history for them. Their ids first: joined to the
    # compounds, SQLite walked every compound's recent tasks instead (21 ms at city scale, not 0.2).
    open_cases = select(Task.id).where(Task.complaint_id.is_not(None), Task.window_end > now, Task.window_start < start)
    return union_all(rows(mine(asker) & (Task.window_start >= start) & (Task.window_start < end)
                          & (Task.status != "cancelled")),
                     rows(Task.id.in_(open_cases)))


def day_tasks(user, *, now: datetime) -> list[DayTask]:
    """The operator's tasks of today and tomorrow in the district, with a case's task still open from an
    earlier day, in window order (one statement)."""
    tz = district_tz()
    start = datetime.combine(now.astimezone(tz).date(), datetime.min.time(), tzinfo=tz)
    places: dict[int, Place] = {}
    params = {"user_id": user.id, "crew_id": user.crew_id, "start": start, "end": start + timedelta(days=2), "now": now}
    tasks = [DayTask(*row[:13], places.get(row[1]) or places.setdefault(row[1], Place(row[1], *row[13:])))
             for row in db.session.execute(_day_statement(user.crew_id is not None), params)]
    # What came before today is a case's task: still open, and this operator's (mine()).
    tasks = [t for t in tasks if t.window_start >= start or (t.status in OPEN_WORK and is_mine(t, user))]
    tasks.sort(key=lambda t: (t.window_start, t.compound_id))
    return tasks


def my_days(user, *, now: datetime, tasks: list[DayTask] | None = None) -> list[Day]:
    """Today and tomorrow in the district, grouped by compound, the nearest next task first
    (`tasks`: day_tasks(), when the caller has read them already)."""
    tz = district_tz()
    today = now.astimezone(tz).date()
    tasks = day_tasks(user, now=now) if tasks is None else tasks
    days = []
    for offset in (0, 1):
        day = today + timedelta(days=offset)
        of_day = [t for t in tasks if max(t.window_start.astimezone(tz).date(), today) == day]
        # Open work first (the nearest window leads), then what is finished.
        of_day.sort(key=lambda t: (t.status not in OPEN_WORK, t.window_start))
        groups: dict[int, Group] = {}
        for task in of_day:
            groups.setdefault(task.compound_id, Group(task.compound)).tasks.append(task)
        days.append(Day(day.isoformat(), list(groups.values()),
                        sum(1 for t in of_day if t.status in OPEN_WORK), len(of_day)))
    return days


@dataclass
class CaseBrief:
    """What the operator needs of the case a task was made for; not the resident's phone."""
    tracking_code: str
    category: str
    description: str
    location: str
    resolve_due_at: datetime | None
    photos: list = field(default_factory=list)  # the resident's (ComplaintPhoto)


def cases_of(tasks) -> dict[int, CaseBrief]:
    """complaint id -> its brief, for the tasks made for cases (two queries, none without cases)."""
    ids = {t.complaint_id for t in tasks if t.complaint_id}
    if not ids:
        return {}
    briefs = {row.id: CaseBrief(row.tracking_code, row.category, row.description, row.location, row.resolve_due_at)
              for row in db.session.execute(
                  select(Complaint.id, Complaint.tracking_code, Complaint.category, Complaint.description,
                         Complaint.location, Complaint.resolve_due_at).where(Complaint.id.in_(ids)))}
    for photo in db.session.scalars(select(ComplaintPhoto).where(ComplaintPhoto.complaint_id.in_(ids))
                                    .order_by(ComplaintPhoto.id)):
        briefs[photo.complaint_id].photos.append(photo)
    return briefs


def case_photo_of(task: Task, photo_id: int) -> ComplaintPhoto | None:
    """A photo of the case `task` was made for (the operator opens only their own task's case)."""
    if not task.complaint_id:
        return None
    return db.session.scalar(select(ComplaintPhoto).where(ComplaintPhoto.id == photo_id,
                                                          ComplaintPhoto.complaint_id == task.complaint_id))


def checklist_of(task: Task) -> list[str]:
    standard = db.session.get(ServiceStandard, task.standard_id) if task.standard_id else None
    return standard.checklist if standard else []


def photo_required(task: Task) -> bool:
    """Whether the task's standard asks for a photo (plans.transitions.complete_task enforces it)."""
    standard = db.session.get(ServiceStandard, task.standard_id) if task.standard_id else None
    return bool(standard and standard.photo_required)


def photos_of(task_ids: list[int]) -> dict[int, list[TaskPhoto]]:
    result: dict[int, list[TaskPhoto]] = {}
    if task_ids:
        for photo in db.session.scalars(select(TaskPhoto).where(TaskPhoto.task_id.in_(task_ids))
                                        .order_by(TaskPhoto.id)):
            result.setdefault(photo.task_id, []).append(photo)
    return result


@dataclass
class RateRow:
    """One row of the verify page's figures: a crew, or an operator of a crew."""
    crew: str
    name: str
    health: Health


def operator_rates(period: Period, *, now: datetime) -> tuple[list[RateRow], list[RateRow]]:
    """(per operator, per crew) figures of the tasks due in `period`: plans.outcomes' definitions,
    grouped by the task's crew and assignee as the crews page groups them, so the two agree."""
    rows = db.session.execute(
        select(Crew.name, func.coalesce(func.nullif(User.display_name, ""), User.username), User.work_no, User.id,
               *health_columns())
        .select_from(Task).outerjoin(Crew, Crew.id == Task.crew_id).outerjoin(User, User.id == Task.assignee_id)
        .where(due_between(*period.bounds(now)))
        .group_by(Crew.name, User.display_name, User.username, User.work_no, User.id)).all()
    operators, crews = [], {}
    for crew, name, work_no, user_id, *figures in rows:
        health = Health.of(period.days, figures)
        if user_id is not None:
            operators.append(RateRow(crew or "—", person_label(name, work_no, crew), health))
        total = crews.setdefault(crew or "—", [0] * len(FIGURES))
        for i, name in enumerate(FIGURES):
            total[i] += getattr(health, name)
    return (sorted(operators, key=lambda r: (r.crew, r.name)),
            [RateRow(crew, "", Health(period.days, *totals)) for crew, totals in sorted(crews.items())])
