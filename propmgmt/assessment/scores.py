"""The monthly score of each compound under fallback: spot-check items averaged over the month's
checks, automatic items from the figures, per the policy version in force for the month.

An item with nothing to measure (no check this month, no task due, no case received) is left out and
says so; the score is the points earned of the measured items scaled to the sheet's total, so a month
without a check is judged on what was measured, never on an invented mark.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..assignments.models import Assignment
from ..extensions import db
from .figures import MonthFigures, month_figures
from .months import next_month
from .policy import Item, Policy, score_of
from .queries import spot_findings, unfixed_counts

SERVED_STATUSES = ("active", "ended")  # assignments that actually served (proposed and rejected did not)


@dataclass
class ItemScore:
    item: Item
    points: Decimal | None  # None: nothing to measure this month
    value: object = None  # the figure's value, or the average defects of the checks
    checks: int = 0


@dataclass
class CompoundScore:
    compound_id: int
    items: list[ItemScore]
    score: Decimal | None
    checks: int
    unfixed_rectifications: int
    figures: MonthFigures | None = None
    percent: int = 100

    @property
    def no_check(self) -> bool:
        return self.checks == 0


@dataclass
class MonthScores:
    month: date
    policy: Policy
    scores: dict[int, CompoundScore] = field(default_factory=dict)


def assignments_in(month: date, compound_ids=None) -> list[Assignment]:
    """The assignments that served some day of the month, by compound."""
    last = next_month(month)
    query = (select(Assignment).options(joinedload(Assignment.compound))
             .where(Assignment.status.in_(SERVED_STATUSES), Assignment.start_date < last,
                    Assignment.end_date.is_(None) | (Assignment.end_date >= month)))
    if compound_ids is not None:
        query = query.where(Assignment.compound_id.in_(compound_ids))
    return list(db.session.scalars(query.order_by(Assignment.compound_id, Assignment.start_date)))


def score_compounds(month: date, policy: Policy, compound_ids: list[int], now: datetime) -> dict[int, CompoundScore]:
    """compound id -> its score for the month (a fixed number of queries for any number of compounds)."""
    figures = month_figures(month, compound_ids, now)
    findings: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    checks: dict[int, set[int]] = defaultdict(set)
    for compound_id, check_id, code, defects in spot_findings(month, compound_ids):
        findings[compound_id][code].append(defects)
        checks[compound_id].add(check_id)
    unfixed = unfixed_counts(month, now, compound_ids)
    result = {}
    for compound_id in compound_ids:
        items = []
        for item in policy.items:
            if item.kind == "spot_check":
                found = findings[compound_id].get(item.code, [])
                points = (sum(item.spot_points(d) for d in found) / len(found)) if found else None
                items.append(ItemScore(item, points, Decimal(sum(found)) / len(found) if found else None, len(found)))
            else:
                value = figures[compound_id].value(item.figure)
                items.append(ItemScore(item, item.figure_points(value), value))
        measured = [s for s in items if s.points is not None]
        score = score_of(sum((s.points for s in measured), Decimal(0)), sum((s.item.points for s in measured),
                                                                            Decimal(0)), policy.total)
        result[compound_id] = CompoundScore(compound_id, items, score, len(checks[compound_id]),
                                            unfixed.get(compound_id, 0), figures[compound_id], policy.band_for(score))
    return result


def month_scores(month: date, policy: Policy, now: datetime, compound_ids=None) -> MonthScores:
    """Every compound under fallback in the month (or those given), scored."""
    if compound_ids is None:
        compound_ids = sorted({a.compound_id for a in assignments_in(month)})
    return MonthScores(month, policy, score_compounds(month, policy, list(compound_ids), now))

