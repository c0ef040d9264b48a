"""The survey's figures, each defined once: satisfaction, the share of households that answered, the
average per question; read by the residents' page, the overview, the handover readiness and the assessment.
"""
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func, select

from ..compounds.models import Compound
from ..extensions import db
from .models import Answer, Question, Round, Score

OVERALL = "overall"  # the question satisfaction is read from; it cannot be retired
SATISFIED_FROM = 4  # an overall score of 4 or 5 of 5 is a satisfied household


def survey_satisfaction(satisfied: int, answered: int) -> float | None:
    """Satisfaction (满意度), in %: the share of the answers whose overall score is 4 or 5 of 5
    (SATISFIED_FROM); None when no household has answered. The one definition of the figure."""
    return 100 * satisfied / answered if answered else None


def satisfaction_of_scores(overall_scores: Iterable[int]) -> float | None:
    """survey_satisfaction of a list of overall scores (the same rule, for a few answers in hand)."""
    scores = list(overall_scores)
    return survey_satisfaction(sum(1 for s in scores if s >= SATISFIED_FROM), len(scores))


def satisfied_sql(score_column):
    """SQL: how many of the scores are satisfied ones (the count survey_satisfaction divides)."""
    return func.sum(case((score_column >= SATISFIED_FROM, 1), else_=0))


@dataclass
class Result:
    """One round's answers at one compound (compound_id None: all the round's compounds together)."""

    round_id: int
    compound_id: int | None
    responses: int = 0
    unverified: int = 0  # answers whose room the register could not check (flagged)
    households: int = 0
    averages: dict = field(default_factory=dict)  # question id -> mean score (1-5)
    overall_answers: int = 0
    satisfied: int = 0
    round: Round | None = None

    @property
    def satisfaction(self) -> float | None:
        return survey_satisfaction(self.satisfied, self.overall_answers)

    @property
    def share(self) -> float | None:
        """The share of the compound's households that answered, in % (None: households unknown)."""
        return 100 * self.responses / self.households if self.households else None


def results(*conditions, by_compound: bool = True) -> dict[tuple, Result]:
    """(round id, compound id or None) -> Result of the answers that meet `conditions` (2 queries)."""
    keys = [Answer.round_id, Answer.compound_id] if by_compound else [Answer.round_id]
    found: dict[tuple, Result] = {}
    for row in db.session.execute(
            select(*keys, func.count(Answer.id), func.sum(case((Answer.room_verified, 0), else_=1)))
            .where(*conditions).group_by(*keys)):
        key = (row[0], row[1] if by_compound else None)
        found[key] = Result(key[0], key[1], responses=row[-2], unverified=int(row[-1] or 0))
    if not found:
        return {}
    for row in db.session.execute(
            select(*keys, Score.question_id, Question.code, func.avg(Score.score), func.count(),
                   satisfied_sql(Score.score))
            .join(Score, Score.answer_id == Answer.id).join(Question, Question.id == Score.question_id)
            .where(*conditions).group_by(*keys, Score.question_id, Question.code)):
        key = (row[0], row[1] if by_compound else None)
        question_id, code, average, count, satisfied = row[-5:]
        result = found[key]
        result.averages[question_id] = float(average)
        if code == OVERALL:
            result.overall_answers, result.satisfied = count, int(satisfied or 0)
    return found


def _with_households(found: dict[tuple, Result]) -> dict[tuple, Result]:
    ids = {key[1] for key in found if key[1] is not None}
    if ids:
        households = dict(db.session.execute(select(Compound.id, Compound.households)
                                             .where(Compound.id.in_(ids))).all())
        for (_round, compound_id), result in found.items():
            result.households = households.get(compound_id, 0) or 0
    return found


def round_results(round_id: int) -> dict[int, Result]:
    """compound id -> Result of one round, with each compound's household count."""
    return {key[1]: r for key, r in _with_households(results(Answer.round_id == round_id)).items()}


def compound_history(compound_id: int) -> dict[int, Result]:
    """round id -> the compound's Result in each round it answered."""
    return {key[0]: r for key, r in _with_households(results(Answer.compound_id == compound_id)).items()}


def latest_satisfaction(compound_ids: list[int], *, started_by: date | None = None,
                        answered_before: datetime | None = None) -> dict[int, Result]:
    """compound id -> its Result in the latest round (by start date) it answered; `started_by` and
    `answered_before` look back from a past month (the assessment). 3 queries whatever the compounds."""
    if not compound_ids:
        return {}
    conditions = [Answer.compound_id.in_(compound_ids)]
    if answered_before is not None:
        conditions.append(Answer.created_at < answered_before)
    rounds_query = (select(Answer.compound_id, Round).join(Round, Round.id == Answer.round_id).where(*conditions)
                    .distinct().order_by(Round.starts_on, Round.id))
    if started_by is not None:
        rounds_query = rounds_query.where(Round.starts_on <= started_by)
    latest: dict[int, Round] = {}
    for compound_id, survey in db.session.execute(rounds_query):
        latest[compound_id] = survey
    if not latest:
        return {}
    found = _with_households(results(*conditions, Answer.round_id.in_({r.id for r in latest.values()})))
    chosen = {}
    for compound_id, survey in latest.items():
        result = found.get((survey.id, compound_id))
        if result is not None:
            result.round = survey
            chosen[compound_id] = result
    return chosen


def district_latest() -> Result | None:
    """The latest round (by start date) any household answered, all its compounds together."""
    survey = db.session.scalar(select(Round).where(Round.id.in_(select(Answer.round_id)))
                               .order_by(Round.starts_on.desc(), Round.id.desc()).limit(1))
    if survey is None:
        return None
    result = results(Answer.round_id == survey.id, by_compound=False).get((survey.id, None))
    if result is not None:
        result.round = survey
    return result
