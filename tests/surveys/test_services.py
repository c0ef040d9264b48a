"""Survey rounds: opening them by hand and on the schedule, one answer per household, and the figures."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from propmgmt.compounds.rooms import Room
from propmgmt.errors import Conflict, DomainError, Forbidden
from propmgmt.surveys import figures
from propmgmt.surveys.models import Answer, Question, Round
from propmgmt.surveys.services import (
    RoundData,
    add_question,
    close_round,
    edit_question,
    open_round,
    quarter_of,
    schedule_rounds,
    set_question_active,
    submit_answer,
)

from ..factories import CompoundFactory, RenovationProjectFactory, UserFactory
from .conftest import NOW

DEVICE = "d" * 32


@pytest.fixture
def official(db):
    return UserFactory(role="official")


def _round(official, compound, **overrides) -> Round:
    data = RoundData(title="第四季度满意度调查", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 31),
                     scope="compound", compound_id=compound.id)
    for key, value in overrides.items():
        setattr(data, key, value)
    return open_round(official, data, now=NOW)


def _answer(compound, survey, *, room="3-2-501", device=DEVICE, overall=5, address="10.0.0.1", **scores):
    by_code = {q.code: q.id for q in survey.questions}
    values = {by_code[code]: scores.get(code, 4) for code in by_code}
    values[by_code["overall"]] = overall
    return submit_answer(compound, survey, room=room, scores=values, text="楼道很干净", device=device,
                         address=address, now=NOW)


def test_a_round_over_all_fallback_compounds_asks_each_of_them(official, db):
    served = [CompoundFactory(management_mode="fallback") for _ in range(3)]
    CompoundFactory(management_mode="professional")
    survey = open_round(official, RoundData("第四季度", date(2026, 12, 1), date(2026, 12, 31), "fallback"), now=NOW)
    assert {c.id for c in survey.compounds} == {c.id for c in served}
    assert [q.code for q in survey.questions] == ["cleanliness", "garbage_sorting", "response", "overall"]
    assert survey.state(date(2026, 12, 3)) == "open"


def test_round_dates_in_the_wrong_order_are_refused(official, db):
    compound = CompoundFactory()
    with pytest.raises(DomainError) as error:
        _round(official, compound, starts_on=date(2026, 12, 20), ends_on=date(2026, 12, 10))
    assert error.value.field == "ends_on" and "对调" in str(error.value.message)
    with pytest.raises(DomainError):
        _round(official, compound, starts_on=date(2026, 11, 1), ends_on=date(2026, 11, 30))  # already over
    assert db.session.scalar(select(func.count(Round.id))) == 0


def test_only_officials_open_rounds(db):
    with pytest.raises(Forbidden):
        _round(UserFactory(role="dispatcher"), CompoundFactory())


def test_one_answer_per_room_and_per_device_the_first_kept(official, db):
    compound = CompoundFactory()
    survey = _round(official, compound)
    first = _answer(compound, survey, overall=5)
    with pytest.raises(Conflict) as error:
        _answer(compound, survey, room="3号楼2单元501", device="e" * 32, overall=1)  # the same room, written otherwise
    assert "3-2-501" in str(error.value.message)
    with pytest.raises(Conflict) as error:
        _answer(compound, survey, room="4-1-101", overall=1)  # the same phone
    assert "手机" in str(error.value.message)
    assert db.session.scalars(select(Answer)).all() == [first]
    assert figures.round_results(survey.id)[compound.id].satisfaction == 100


def test_a_score_outside_1_to_5_is_refused(official, db):
    compound = CompoundFactory()
    survey = _round(official, compound)
    for bad in (0, 6, "x", ""):
        with pytest.raises(DomainError) as error:
            _answer(compound, survey, cleanliness=bad)
        assert error.value.field.startswith("q")
    assert db.session.scalar(select(func.count(Answer.id))) == 0


def test_an_unknown_room_is_refused_where_the_rooms_are_known_and_flagged_elsewhere(official, db):
    known, unknown = CompoundFactory(), CompoundFactory()
    db.session.add_all([Room(compound_id=known.id, room="1-1-101"), Room(compound_id=known.id, room="1-1-102")])
    survey = open_round(official, RoundData("四季度", date(2026, 12, 1), date(2026, 12, 31), "subdistrict",
                                            subdistrict_id=known.community.subdistrict_id), now=NOW)
    survey.compounds.append(unknown)
    with pytest.raises(DomainError) as error:
        _answer(known, survey, room="9-9-909")
    assert error.value.field == "room" and "9-9-909" in str(error.value.message)
    assert _answer(known, survey, room="1-1-101").room_verified is True
    flagged = _answer(unknown, survey, room="9-9-909", device="f" * 32)
    assert flagged.room_verified is False
    assert figures.round_results(survey.id)[unknown.id].unverified == 1


def test_answers_share_the_residents_report_limits(official, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORTS_PER_ADDRESS_PER_HOUR", 2)
    compound = CompoundFactory()
    survey = _round(official, compound)
    _answer(compound, survey, room="1-1-101", device="a" * 32)
    _answer(compound, survey, room="1-1-102", device="b" * 32)
    with pytest.raises(DomainError) as error:
        _answer(compound, survey, room="1-1-103", device="c" * 32)
    assert error.value.status_code == 429


def test_a_closed_round_takes_no_answer(official, db):
    compound = CompoundFactory()
    survey = _round(official, compound)
    close_round(official, survey, now=NOW)
    with pytest.raises(Conflict):
        _answer(compound, survey)
    with pytest.raises(Conflict):
        close_round(official, survey, now=NOW)


def test_satisfaction_is_the_share_of_overall_scores_of_4_or_5(official, db):
    compound = CompoundFactory(households=10)
    survey = _round(official, compound)
    for i, overall in enumerate((5, 4, 3, 2)):
        _answer(compound, survey, room=f"1-1-10{i}", device=f"{i}" * 32, overall=overall, cleanliness=i + 1)
    result = figures.round_results(survey.id)[compound.id]
    assert result.responses == 4 and result.share == 40 and result.satisfaction == 50
    cleanliness = next(q.id for q in survey.questions if q.code == "cleanliness")
    assert result.averages[cleanliness] == 2.5
    assert figures.satisfaction_of_scores([5, 4, 3, 2]) == 50 and figures.survey_satisfaction(0, 0) is None
    assert figures.latest_satisfaction([compound.id])[compound.id].satisfaction == 50
    assert figures.district_latest().satisfaction == 50


def test_the_latest_round_a_compound_answered_gives_its_satisfaction(official, db):
    compound = CompoundFactory()
    earlier = _round(official, compound, starts_on=date(2026, 11, 20), ends_on=date(2026, 12, 5))
    _answer(compound, earlier, overall=1)
    later = _round(official, compound)
    _answer(compound, later, overall=5, device="z" * 32)
    assert figures.latest_satisfaction([compound.id])[compound.id].round.id == later.id
    looking_back = figures.latest_satisfaction([compound.id], started_by=date(2026, 11, 30))
    assert looking_back[compound.id].satisfaction == 0


def test_the_schedule_opens_the_quarters_round_once(db):
    served = CompoundFactory(management_mode="fallback")
    assert quarter_of(date(2026, 12, 3))[1:] == (date(2026, 12, 1), date(2026, 12, 31))
    assert schedule_rounds(NOW) == {"quarterly": 1, "renovation": 0}
    assert schedule_rounds(NOW) == {"quarterly": 0, "renovation": 0}
    survey = db.session.scalars(select(Round)).one()
    assert survey.schedule_key == "quarter:2026Q4" and [c.id for c in survey.compounds] == [served.id]
    assert schedule_rounds(NOW - timedelta(days=30)) == {"quarterly": 0, "renovation": 0}  # November: not yet


def test_the_schedule_asks_a_projects_compounds_3_months_after_it_completes(db):
    compound = CompoundFactory()
    project = RenovationProjectFactory(stage="completed", actual_completed_on=date(2026, 9, 1), compounds=[compound])
    RenovationProjectFactory(stage="completed", actual_completed_on=date(2026, 9, 20), compounds=[CompoundFactory()])
    assert schedule_rounds(NOW)["renovation"] == 1
    assert schedule_rounds(NOW)["renovation"] == 0
    survey = db.session.scalar(select(Round).where(Round.origin == "renovation"))
    assert survey.schedule_key == f"renovation:{project.id}" and survey.starts_on == date(2026, 12, 1)
    assert [c.id for c in survey.compounds] == [compound.id]


def test_an_answered_question_is_frozen_and_overall_stays(official, db):
    compound = CompoundFactory()
    survey = _round(official, compound)
    _answer(compound, survey)
    cleanliness = db.session.scalar(select(Question).where(Question.code == "cleanliness"))
    with pytest.raises(Conflict):
        edit_question(official, cleanliness, "楼道干净吗？", now=NOW)
    overall = db.session.scalar(select(Question).where(Question.code == "overall"))
    with pytest.raises(DomainError):
        set_question_active(official, overall, False, now=NOW)
    added = add_question(official, "绿化养护得好吗？", now=NOW)
    assert edit_question(official, added, "绿化养护满意吗？", now=NOW).text == "绿化养护满意吗？"
    set_question_active(official, cleanliness, False, now=NOW)
    assert "cleanliness" not in [q.code for q in _round(official, compound).questions]


def test_the_scheduler_job_runs_twice_and_opens_one_round(app, db):
    from propmgmt.scheduler.cli import INTERVALS
    from propmgmt.scheduler.jobs import JOBS

    CompoundFactory(management_mode="fallback")
    assert "survey_rounds" in INTERVALS
    assert JOBS["survey_rounds"](app, NOW)["quarterly"] == 1
    assert JOBS["survey_rounds"](app, NOW)["quarterly"] == 0
    assert db.session.scalar(select(func.count(Round.id))) == 1
