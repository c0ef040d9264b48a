"""The automatic figures of a month per compound, each read from its one definition:
tasks from plans.outcomes (on-time rate, first-pass rate, missed), complaints answered within the
deadline from oversight.complaints, satisfaction from complaints.queries, survey satisfaction from
surveys.figures. Nothing is recounted here.
"""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select

from ..complaints.models import Complaint
from ..complaints.queries import satisfaction_of
from ..extensions import db
from ..oversight.complaints import ComplaintFigures, case_condition
from ..plans.models import Task
from ..plans.outcomes import Health, due_between, health_columns
from ..surveys.figures import latest_satisfaction
from .months import month_bounds, month_period


@dataclass
class MonthFigures:
    health: Health
    complaints: ComplaintFigures
    ratings: int
    satisfaction: float | None
    survey_satisfaction: float | None = None  # the latest survey round by the month's end, in %

    def value(self, figure: str):
        """The figure a score item reads (policy.FIGURES); None when there is nothing to measure."""
        return {"on_time_rate": self.health.on_time_rate, "first_pass_rate": self.health.first_pass_rate,
                "missed": self.health.missed if self.health.due else None,
                "complaints_in_time_rate": self.complaints.in_time_rate,
                "satisfaction": round(self.satisfaction, 2) if self.satisfaction is not None else None,
                "survey_satisfaction": round(self.survey_satisfaction, 1) if self.survey_satisfaction is not None
                else None}[figure]


def month_figures(month: date, compound_ids: list[int], now: datetime) -> dict[int, MonthFigures]:
    """compound id -> the month's figures (6 queries whatever the number of compounds).

    Survey satisfaction is the compound's latest round that began by the month's last day, counting the
    answers given before the month ended: a month's score does not move when later answers come in."""
    if not compound_ids:
        return {}
    period = month_period(month)
    start, end = period.bounds(now)
    days = period.days
    health = {row[0]: Health.of(days, row[1:]) for row in db.session.execute(
        select(Task.compound_id, *health_columns()).where(due_between(start, end), Task.compound_id.in_(compound_ids))
        .group_by(Task.compound_id))}
    conditions = {name: case_condition(name, period, now) for name in ("received", "answered_in_time", "answered_late")}
    cases = {row[0]: [int(v or 0) for v in row[1:]] for row in db.session.execute(
        select(Complaint.compound_id, *(func.sum(case((condition, 1), else_=0)) for condition in conditions.values()))
        .where(conditions["received"], Complaint.compound_id.in_(compound_ids)).group_by(Complaint.compound_id))}
    ratings = satisfaction_of(compound_ids, rated_between=month_bounds(month))
    surveys = latest_satisfaction(compound_ids, started_by=period.last, answered_before=end)
    empty = Health(days, 0, 0, 0, 0, 0, 0)
    figures = {}
    for compound_id in compound_ids:
        received, in_time, late = cases.get(compound_id, (0, 0, 0))
        count, average = ratings.get(compound_id, (0, None))
        figures[compound_id] = MonthFigures(health.get(compound_id, empty),
                                            ComplaintFigures(received, in_time + late, in_time, None, 0),
                                            count, average,
                                            surveys[compound_id].satisfaction if compound_id in surveys else None)
    return figures
