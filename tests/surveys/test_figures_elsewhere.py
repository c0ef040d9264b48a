"""Survey satisfaction as the handover readiness and the assessment read it: the one definition."""
from datetime import date, datetime, timezone
from decimal import Decimal

from propmgmt.assessment.figures import month_figures
from propmgmt.assessment.policy import parse
from propmgmt.demo.assessment import DISTRICT_POLICY
from propmgmt.handovers.queries import readiness
from propmgmt.handovers.services import update_policy
from propmgmt.surveys.services import RoundData, open_round, submit_answer

from ..factories import CompoundFactory, UserFactory
from .conftest import NOW


def _answers(compound, overall_scores, *, starts_on=date(2026, 12, 1), now=NOW):
    official = UserFactory(role="official")
    survey = open_round(official, RoundData("第四季度", starts_on, date(2026, 12, 31), "compound",
                                            compound_id=compound.id), now=now)
    for i, overall in enumerate(overall_scores):
        scores = {q.id: (overall if q.code == "overall" else 3) for q in survey.questions}
        submit_answer(compound, survey, room=f"1-1-{100 + i}", scores=scores, text="", device=f"{i:032d}",
                      address=f"10.0.0.{i}", now=now)
    return survey


def _readiness_of(compound):
    return next(r for r in readiness(now=NOW) if r.compound.id == compound.id).criteria["survey_satisfaction"]


def test_readiness_says_whether_the_latest_survey_meets_the_policy(db):
    admin = UserFactory(role="admin")
    ready, short, silent = (CompoundFactory(management_mode="fallback") for _ in range(3))
    _answers(ready, [5, 5, 4, 3])  # 75 %
    _answers(short, [5, 2, 2, 1])  # 25 %
    update_policy(admin, fee_willingness_min=Decimal("60"), months_in_fallback_min=6, stuck_after_days=30,
                  survey_satisfaction_min=70, now=NOW)
    met, evidence = _readiness_of(ready)
    assert met is True and "75.0%" in evidence and "70%" in evidence
    assert _readiness_of(short)[0] is False
    assert _readiness_of(silent) == (None, "尚无调查答卷")


def test_the_assessment_scores_survey_satisfaction_like_its_other_figures(db):
    compound = CompoundFactory(management_mode="fallback")
    _answers(compound, [5, 4, 2, 1])
    figures = month_figures(date(2026, 12, 1), [compound.id], datetime(2026, 12, 20, tzinfo=timezone.utc))
    assert figures[compound.id].value("survey_satisfaction") == 50
    november = month_figures(date(2026, 11, 1), [compound.id], NOW)  # the round began in December
    assert november[compound.id].value("survey_satisfaction") is None
    item = next(i for i in parse(DISTRICT_POLICY).figure_items if i.figure == "survey_satisfaction")
    assert item.figure_points(50) < item.points == item.figure_points(100)
