"""The rows behind an oversight figure: the due tasks of a period with one outcome, narrowed by place,
crew, operator or service type. Conditions come from plans.outcomes.outcome_sql, so a list holds
exactly the tasks its figure counted.
"""
from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..compounds.models import Community, Compound, Subdistrict
from ..errors import DomainError
from ..extensions import db
from ..orgs.models import Crew
from ..periods import Period
from ..plans.models import ServiceType, Task
from ..plans.outcomes import FIGURES, Health, due_between, outcome_sql, overdue_sql
from .rollups import DaySplit, area_health, crew_health

# The kinds of task a list can hold (not the rates: "On time" on the overview is a rate).
OUTCOME_LABELS = {
    "due": _l("Due"), "completed": _l("Completed"), "on_time": _l("Finished on time"),
    "not_on_time": _l("Not finished on time"), "missed": _l("Missed"), "verified": _l("Verified"),
    "first_pass": _l("Verified at the first pass"), "overdue": _l("Overdue now"),
}


@dataclass(frozen=True)
class TaskList:
    """What the list shows; `overdue` ignores the period (it is about windows open now)."""
    period: Period
    outcome: str = "due"
    subdistrict_id: int | None = None
    compound_id: int | None = None
    crew_id: int | None = None
    assignee_id: int | None = None
    service_type_id: int | None = None

    @classmethod
    def build(cls, period: Period, outcome: str | None, **ids) -> "TaskList":
        if outcome and outcome not in OUTCOME_LABELS:
            raise DomainError(_l("Unknown figure: choose one from the list."), field="outcome")
        return cls(period, outcome or "due", **ids)

    def args(self, **changes) -> dict:
        """This list's query string (for the pager and links), with some values changed."""
        chosen = replace(self, **changes)
        values = {"outcome": chosen.outcome, "subdistrict": chosen.subdistrict_id, "compound": chosen.compound_id,
                  "crew": chosen.crew_id, "assignee": chosen.assignee_id, "service_type": chosen.service_type_id}
        return {**chosen.period.args(), **{k: v for k, v in values.items() if v is not None}}

    def condition(self, now: datetime):
        if self.outcome == "overdue":
            where = [overdue_sql(now)]
        else:
            where = [due_between(*self.period.bounds(now))]
            extra = outcome_sql(self.outcome)
            if extra is not None:
                where.append(extra)
        for column, value in ((Task.compound_id, self.compound_id), (Task.crew_id, self.crew_id),
                              (Task.assignee_id, self.assignee_id), (Task.service_type_id, self.service_type_id)):
            if value:
                where.append(column == value)
        if self.subdistrict_id:
            where.append(Task.compound_id.in_(select(Compound.id).join(Community)
                                              .where(Community.subdistrict_id == self.subdistrict_id)))
        return where


def task_rows(tasks: TaskList, now: datetime) -> Select:
    """Latest window first, with the compound, service type and operator loaded in the same statement."""
    return (select(Task).options(joinedload(Task.compound), joinedload(Task.service_type),
                                 joinedload(Task.assignee).joinedload(User.crew))
            .where(*tasks.condition(now)).order_by(Task.window_end.desc(), Task.id.desc()))


def crew_names(tasks: list[Task]) -> dict[int, str]:
    ids = {task.crew_id for task in tasks if task.crew_id}
    return dict(db.session.execute(select(Crew.id, Crew.name).where(Crew.id.in_(ids))).all()) if ids else {}


def count_rows(tasks: TaskList, now: datetime) -> int:
    """How many rows the list has: from the rollups where they hold the figure (a district's 30 days
    is 170,000 tasks to count otherwise), else counted live."""
    health = _rolled_up(tasks, now)
    if health is None:
        return db.session.scalar(select(func.count(Task.id)).where(*tasks.condition(now)))
    if tasks.outcome == "not_on_time":
        return health.due - health.on_time
    return getattr(health, tasks.outcome)


def _rolled_up(tasks: TaskList, now: datetime):
    """The list's Health from the rollups, or None when they are not kept at its grain."""
    if tasks.outcome == "overdue" or tasks.compound_id:
        return None
    narrowing = (tasks.crew_id, tasks.assignee_id, tasks.service_type_id)
    split = DaySplit(tasks.period.first, tasks.period.last, now)
    empty = Health(tasks.period.days, 0, 0, 0, 0, 0, 0)
    if tasks.subdistrict_id:
        if any(narrowing):
            return None
        return area_health(split, tasks.period, by_subdistrict=True).get(tasks.subdistrict_id, empty)
    if not any(narrowing):
        return area_health(split, tasks.period)
    group = "assignee_id" if tasks.assignee_id else "crew_id"
    per = crew_health(split, tasks.period, group, service_type_id=tasks.service_type_id, crew_id=tasks.crew_id)
    if tasks.assignee_id:
        return per.get(tasks.assignee_id, empty)
    return Health(tasks.period.days, *(sum(getattr(h, name) for h in per.values()) for name in FIGURES))


def describe(tasks: TaskList) -> list[tuple[str, str]]:
    """(what, name) of each narrowing the list has, for its heading; unknown ids are a DomainError.
    An operator is named as everywhere: name, work number and crew."""
    def operator(user_id: int) -> str | None:
        user = db.session.get(User, user_id)
        return user.full_label if user else None

    def name_of(model, column):
        return lambda value: db.session.scalar(select(column).where(model.id == value))

    found = []
    for label, value, lookup in ((_l("Subdistrict"), tasks.subdistrict_id, name_of(Subdistrict, Subdistrict.name)),
                                 (_l("Compound"), tasks.compound_id, name_of(Compound, Compound.name)),
                                 (_l("Crew"), tasks.crew_id, name_of(Crew, Crew.name)),
                                 (_l("Operator"), tasks.assignee_id, operator),
                                 (_l("Service type"), tasks.service_type_id,
                                  name_of(ServiceType, ServiceType.name_zh))):
        if value:
            name = lookup(value)
            if name is None:
                raise DomainError(_l("Nothing with that number exists; start again from the overview."))
            found.append((label, name))
    return found
