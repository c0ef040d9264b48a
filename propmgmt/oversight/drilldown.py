"""Drill-down read models: a subdistrict's compounds, and crews and operators, over a chosen period.

Every figure is plans.outcomes.health_columns grouped differently, so "due", "completion", "on time",
"missed" and "first pass" mean here what they mean on the overview and in the monthly report.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..auth.models import User, person_label
from ..complaints.models import Complaint
from ..complaints.policy import OPEN_CASE_STATUSES as OPEN_COMPLAINTS
from ..compounds.models import Community, Compound, Subdistrict
from ..extensions import db
from ..orgs.models import Crew
from ..periods import Period
from ..plans.models import ServiceType, Task
from ..plans.outcomes import Health, overdue_sql
from .rollups import DaySplit, compound_health, crew_health

# A compound is persistently late when at least this share of its due tasks were not on time, over
# at least PERSISTENT_MIN_DUE tasks (fewer is too little to call a pattern).
PERSISTENT_LATE_SHARE = 0.3
PERSISTENT_MIN_DUE = 10


@dataclass
class TaskFilter:
    service_type_id: int | None = None
    crew_id: int | None = None

    @property
    def narrowed(self) -> bool:
        return bool(self.service_type_id or self.crew_id)

    def apply(self, query):
        if self.service_type_id:
            query = query.where(Task.service_type_id == self.service_type_id)
        if self.crew_id:
            query = query.where(Task.crew_id == self.crew_id)
        return query


def _health(days: int, values) -> Health:
    return Health.of(days, values)


def subdistrict_compounds(subdistrict_id: int, period: Period, f: TaskFilter, *, now: datetime) -> list[dict]:
    """The subdistrict's compounds with their figures over the period (from the rollups).

    With a service type or crew chosen, only compounds with such tasks due in the period are listed.
    """
    compounds = db.session.execute(
        select(Compound, Community.name).join(Community, Community.id == Compound.community_id)
        .where(Community.subdistrict_id == subdistrict_id).order_by(Compound.name)).all()
    figures = compound_health(DaySplit(period.first, period.last, now), period, subdistrict_id=subdistrict_id,
                              service_type_id=f.service_type_id, crew_id=f.crew_id)
    complaints = dict(db.session.execute(
        select(Complaint.compound_id, func.count()).join(Compound, Compound.id == Complaint.compound_id)
        .join(Community, Community.id == Compound.community_id)
        .where(Community.subdistrict_id == subdistrict_id, Complaint.status.in_(OPEN_COMPLAINTS))
        .group_by(Complaint.compound_id)).all())
    rows = []
    for compound, community in compounds:
        if f.narrowed and compound.id not in figures:
            continue
        rows.append({"compound": compound, "community": community,
                     "health": figures.get(compound.id) or _health(period.days, (0,) * 6),
                     "open_complaints": complaints.get(compound.id, 0)})
    return rows


def total(rows: list[dict], days: int) -> Health:
    sums = [0] * 6
    for row in rows:
        h = row["health"]
        for i, value in enumerate((h.due, h.completed, h.on_time, h.missed, h.verified, h.first_pass)):
            sums[i] += value
    return Health(days, *sums)


def crew_figures(period: Period, f: TaskFilter, *, now: datetime, split: DaySplit | None = None) -> list[dict]:
    """Per crew (tasks without a crew under None): due-task figures (from the rollups) and overdue now.
    `split`: the page's, when it reads several of these for the same period."""
    service = crew_health(split or DaySplit(period.first, period.last, now), period, "crew_id",
                          service_type_id=f.service_type_id, crew_id=f.crew_id)
    # Counted here, not by a GROUP BY crew_id: that lets SQLite walk the (crew, window start) index over
    # every crew's whole history (5 s at city scale) instead of the few windows open now.
    overdue = Counter(db.session.scalars(f.apply(select(Task.crew_id).where(overdue_sql(now)))))
    ids = [k for k in {*service, *overdue} if k is not None]
    names = dict(db.session.execute(select(Crew.id, Crew.name).where(Crew.id.in_(ids))).all()) if ids else {}
    result = [{"crew_id": k, "crew": names.get(k), "health": service.get(k) or _health(period.days, (0,) * 6),
               "overdue": overdue.get(k, 0)} for k in {*service, *overdue}]
    return sorted(result, key=lambda r: (r["crew"] is None, r["crew"] or ""))


@dataclass
class OperatorRow:
    """An operator's figures. The name with work number and crew (person_label) is made when a page
    shows the row: a city has 900 operators and the page lists 50."""
    user_id: int
    label: str
    work_no: str | None
    crew: str | None
    health: Health

    @property
    def name(self) -> str:
        return person_label(self.label, self.work_no, self.crew)


def operator_figures(period: Period, f: TaskFilter, *, now: datetime,
                     split: DaySplit | None = None) -> list[OperatorRow]:
    """Per assignee: due-task figures (from the rollups). Tasks nobody was assigned to are left out."""
    service = crew_health(split or DaySplit(period.first, period.last, now), period, "assignee_id",
                          service_type_id=f.service_type_id, crew_id=f.crew_id)
    service.pop(None, None)
    if not service:
        return []
    people = db.session.execute(
        select(User.id, func.coalesce(func.nullif(User.display_name, ""), User.username), User.work_no, Crew.name)
        .outerjoin(Crew, Crew.id == User.crew_id).where(User.id.in_(service))).all()
    rows = [OperatorRow(user_id, label, work_no, crew, service[user_id]) for user_id, label, work_no, crew in people]
    return sorted(rows, key=lambda r: (r.crew or "", r.label, r.work_no or ""))


def persistently_late(period: Period, f: TaskFilter, *, now: datetime, split: DaySplit | None = None) -> list[dict]:
    """Compounds where a large share of due tasks were not finished on time (from the rollups)."""
    figures = compound_health(split or DaySplit(period.first, period.last, now), period,
                              service_type_id=f.service_type_id, crew_id=f.crew_id)
    late = {compound_id: health for compound_id, health in figures.items()
            if health.due >= PERSISTENT_MIN_DUE and (health.due - health.on_time) / health.due >= PERSISTENT_LATE_SHARE}
    if not late:
        return []
    names = db.session.execute(
        select(Compound.id, Compound.name, Subdistrict.name).join(Community, Community.id == Compound.community_id)
        .join(Subdistrict, Subdistrict.id == Community.subdistrict_id).where(Compound.id.in_(list(late)))).all()
    result = [{"compound_id": r[0], "compound": r[1], "subdistrict": r[2], "health": late[r[0]]} for r in names]
    return sorted(result, key=lambda r: r["health"].on_time / r["health"].due)


def filter_options() -> tuple[list, list]:
    """(service types, crews) for the filter selects."""
    types = db.session.execute(select(ServiceType.id, ServiceType.name_zh, ServiceType.name_en)
                               .order_by(ServiceType.id)).all()
    crews = db.session.execute(select(Crew.id, Crew.name).order_by(Crew.name)).all()
    return types, crews
