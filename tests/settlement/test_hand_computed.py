"""The statement of October 2026 for a dataset computed by hand, line by line, to the fen.

Policy: spot-check item "clean" 60 points (10 per defect, at most 30), on-time rate 40 points (linear,
none at 50 %, all at 100 %); bands [0, 60) 60 %, [60, 80) 80 %, [80, 100] 100 %; cleaning 600 fen per
household, garbage sorting 3 fen per m²; 5,000 fen per rectification not fixed by its deadline;
floor 50 %, cap 100 %. October has 31 days.

A  120 households, cleaning, all month. Tasks: 9 of 10 on time -> 90.0 % -> 40 × 40/50 = 32 points.
   One check, 1 defect -> 50 points; its rectification (deadline 13 Oct) is never fixed.
   Score (50 + 32) / 100 × 100 = 82.0 -> 100 %. Base 600 × 120 = 72,000; less 5,000 -> 67,000.
B  200 households and 12,345.67 m², cleaning and garbage sorting, from 17 October: 15 days.
   Base (600 × 200 + 3 × 12,345.67) × 15 / 31 = 75,985.65 -> 75,986.
   Tasks: 2 of 4 on time (1 late, 1 missed) -> 50.0 % -> 0 points. One check, 2 defects -> 40 points;
   its rectification is fixed in time. Score 40.0 -> 60 %: 75,986 × 0.6 = 45,591.6 -> 45,592 (floor 37,993).
C  80 households, cleaning, all month, no check ("no check this month": the item is left out).
   Tasks: 4 of 5 on time -> 80.0 % -> 24 of 40 points -> score 24 / 40 × 100 = 60.0 -> 80 %.
   Base 48,000 -> 38,400.
Total 67,000 + 45,592 + 38,400 = 150,992 fen.
"""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from propmgmt.assessment import policy as rules
from propmgmt.assessment.scores import month_scores
from propmgmt.errors import Conflict
from propmgmt.settlement.models import Statement
from propmgmt.settlement.services import approve_statement, draft_due, draft_statement

from ..factories import UserFactory
from .conftest import NOW, OCTOBER, POLICY


def test_every_line_equals_the_hand_computation(october):
    statement, drafted = draft_statement(OCTOBER, now=NOW)
    assert drafted and statement.status == "draft"
    got = {line.compound.name: (line.days, line.base_fen, line.score, line.percent, line.scored_fen,
                                line.unfixed_rectifications, line.deductions_fen, line.due_fen)
           for line in statement.lines}
    assert got == {
        "甲小区": (31, 72000, Decimal("82.0"), 100, 72000, 1, 5000, 67000),
        "乙小区": (15, 75986, Decimal("40.0"), 60, 45592, 0, 0, 45592),
        "丙小区": (31, 48000, Decimal("60.0"), 80, 38400, 0, 0, 38400),
    }
    assert statement.total_fen == 150992


def test_the_month_page_figures_say_when_there_was_no_check(october):
    scores = month_scores(OCTOBER, rules.parse(POLICY), NOW).scores
    c = scores[october["c"].id]
    assert c.no_check and c.items[0].points is None and c.items[1].points == Decimal(24)
    assert scores[october["a"].id].figures.health.on_time_rate == 90.0


def test_drafting_twice_gives_one_statement_and_the_job_waits_for_the_2nd(october, db):
    assert draft_due(datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc)) == {"drafted": 0}  # 1 Nov, local
    first = draft_due(NOW)
    second = draft_due(NOW + timedelta(hours=1))
    assert first["drafted"] == 1 and second["drafted"] == 0
    assert db.session.query(Statement).filter_by(month=OCTOBER).count() == 1


def test_approving_twice_is_refused_with_a_clear_message(october):
    statement, _ = draft_statement(OCTOBER, now=NOW)
    approve_statement(october["official"], statement.id, now=NOW)
    with pytest.raises(Conflict) as error:
        approve_statement(UserFactory(role="official"), statement.id, now=NOW)
    assert "已被审批" in str(error.value.message)  # 这张结算单已被审批（…），未做任何更改。


def test_a_change_after_approval_is_a_correction_line_next_month(october, db):
    statement, _ = draft_statement(OCTOBER, now=NOW)
    approve_statement(october["official"], statement.id, now=NOW)
    october["a"].households = 130  # the register is corrected after October was approved
    db.session.commit()
    november, _ = draft_statement(date(2026, 11, 1), now=datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc))
    corrections = [line for line in november.lines if line.kind == "correction"]
    assert [(line.compound.name, line.corrects_month, line.base_fen, line.due_fen) for line in corrections] == [
        ("甲小区", OCTOBER, 78000, 6000)]
    db.session.refresh(statement)
    assert statement.total_fen == 150992 and statement.status == "approved"  # October itself is untouched


def test_the_scheduler_runs_the_draft_job(app, october, db):
    from propmgmt.scheduler.cli import INTERVALS
    from propmgmt.scheduler.jobs import JOBS

    assert "draft_statements" in INTERVALS
    assert JOBS["draft_statements"](app, NOW) == {"drafted": 1, "lines": 3}


def test_an_approved_statement_refuses_a_contest(october):
    from propmgmt.settlement.services import contest_line

    statement, _ = draft_statement(OCTOBER, now=NOW)
    approve_statement(october["official"], statement.id, now=NOW)
    with pytest.raises(Conflict) as error:
        contest_line(UserFactory(role="dispatcher"), statement.lines[0].id, "天数不对", now=NOW)
    assert "已审批" in str(error.value.message) and statement.lines[0].contest_reason == ""


def test_a_provinces_month_total_is_stored_to_the_fen(october, db):
    """22,400 compounds under fallback settle about 23 million yuan a month: past a 32-bit integer of fen."""
    statement, _ = draft_statement(OCTOBER, now=NOW)
    statement.total_fen = 2_340_540_972
    db.session.flush()
    db.session.expire(statement)
    assert db.session.get(Statement, statement.id).total_fen == 2_340_540_972
