"""The statement's life: drafted by the scheduler, contested by the operator's dispatcher, approved by an
official, then frozen. A later change to an approved month's data is a correction line in the next
statement, never an edit of the approved one.
"""
from collections import defaultdict
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..assessment import policy as rules
from ..assessment.months import current_month, previous_month
from ..assessment.queries import policy_row_for
from ..assessment.scores import assignments_in, score_compounds
from ..audit.services import record
from ..auth.roles import STATEMENT_APPROVERS, STATEMENT_CONTESTERS
from ..clock import local_today
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from .compute import LineFigures, lines_for
from .models import Statement, StatementLine
from .queries import line_count

CORRECTION_MONTHS = 3  # approved months looked at again when a statement is drafted
REASON_MAX = 500


def compute_month(month: date, now: datetime, *, compound_ids=None) -> tuple[object, list[LineFigures]]:
    """(policy row, the month's lines) as they would be drafted now."""
    row = policy_row_for(month)
    if row is None:
        return None, []
    policy = rules.parse(row.document)
    assignments = assignments_in(month, compound_ids)
    scores = score_compounds(month, policy, sorted({a.compound_id for a in assignments}), now)
    return row, lines_for(month, policy, assignments, scores)


def _line(figures: LineFigures, **extra) -> dict:
    """A statement line's row (written in one INSERT for the whole statement: a city has 900 of them)."""
    return {"kind": "regular", "corrects_month": None, "compound_id": figures.compound_id,
            "assignment_id": figures.assignment_id, "households": figures.households,
            "floor_area": figures.floor_area, "days": figures.days, "days_in_month": figures.days_in_month,
            "base_fen": figures.base_fen, "score": figures.score, "percent": figures.percent,
            "scored_fen": figures.scored_fen, "unfixed_rectifications": figures.unfixed_rectifications,
            "deductions_fen": figures.deductions_fen, "due_fen": figures.due_fen} | extra


def draft_statement(month: date, *, now: datetime) -> tuple[Statement | None, bool]:
    """(the month's statement, whether this call drafted it). Idempotent: the month is unique, so a
    second run, or a second scheduler at the same moment, finds the first one's statement."""
    existing = db.session.scalar(select(Statement).where(Statement.month == month))
    if existing is not None:
        return existing, False
    if month >= current_month(now):
        raise DomainError(_l("A month is settled once it is over."), field="month")
    row, lines = compute_month(month, now)
    if row is None:
        return None, False
    statement = Statement(month=month, status="draft", policy_id=row.id, drafted_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(statement)
            db.session.flush()
    except IntegrityError:
        return db.session.scalar(select(Statement).where(Statement.month == month)), False
    rows = [_line(figures) for figures in lines] + corrections_for(month, now)
    if rows:
        db.session.execute(insert(StatementLine), [row | {"statement_id": statement.id} for row in rows])
    db.session.expire(statement, ["lines"])  # read again when asked for, with their ids
    statement.total_fen = sum(row["due_fen"] for row in rows)
    record(None, "statement", statement.id, "statement_drafted", now=now, to_state="draft",
           changes={"month": [None, month.isoformat()], "lines": [None, len(rows)]})
    return statement, True


def corrections_for(month: date, now: datetime) -> list[dict]:
    """Correction lines for approved earlier months whose figures have changed since: the difference
    between what they compute to now and what was approved (with earlier corrections)."""
    approved = list(db.session.scalars(select(Statement).where(Statement.status == "approved", Statement.month < month)
                                       .order_by(Statement.month.desc()).limit(CORRECTION_MONTHS)))
    result = []
    for statement in approved:
        settled = defaultdict(int)
        for assignment_id, due in db.session.execute(
                select(StatementLine.assignment_id, func.sum(StatementLine.due_fen))
                .join(Statement, Statement.id == StatementLine.statement_id)
                .where(((StatementLine.statement_id == statement.id) & (StatementLine.kind == "regular"))
                       | ((StatementLine.kind == "correction") & (StatementLine.corrects_month == statement.month)))
                .group_by(StatementLine.assignment_id)):
            settled[assignment_id] = int(due or 0)
        _, lines = compute_month(statement.month, now)
        for figures in lines:
            difference = figures.due_fen - settled.pop(figures.assignment_id, 0)
            if difference:  # the line shows the month's figures as they are now, and the difference due
                result.append(_line(figures, kind="correction", corrects_month=statement.month, due_fen=difference))
    return result


def draft_due(now: datetime) -> dict:
    """The scheduler's job: from the 2nd of a month on, the previous month's statement exists."""
    today = local_today(now)
    if today.day < 2:
        return {"drafted": 0}
    statement, drafted = draft_statement(previous_month(today.replace(day=1)), now=now)
    return {"drafted": int(drafted), "lines": line_count(statement.id) if drafted and statement else 0}


def _statement(statement_id: int) -> Statement:
    statement = db.session.get(Statement, statement_id)
    if statement is None:
        raise NotFound(_l("There is no such statement."))
    return statement


def contest_line(actor, line_id: int, reason: str, *, now: datetime) -> StatementLine:
    """The operator's dispatcher disputes a line of a draft, with the reason the official reads."""
    if getattr(actor, "role", None) not in STATEMENT_CONTESTERS:
        raise Forbidden(_l("Only the operator's dispatchers may contest a statement line."))
    line = db.session.get(StatementLine, line_id)
    if line is None:
        raise NotFound(_l("There is no such statement line."))
    if line.statement.is_frozen:
        raise Conflict(_l("The statement is approved and can no longer change; a later correction goes into next "
                          "month's statement."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why the line is wrong."), field="reason")
    before = line.contest_reason
    line.contest_reason, line.contested_by_id, line.contested_at = reason[:REASON_MAX], actor.id, now
    db.session.flush()
    record(actor, "statement_line", line.id, "statement_line_contested", now=now, compound_id=line.compound_id,
           reason=line.contest_reason, changes={"contest_reason": [before or None, line.contest_reason]})
    return line


def approve_statement(actor, statement_id: int, *, now: datetime) -> Statement:
    """The official's approval, once: a conditional UPDATE, so of two officials approving at once one
    succeeds and the other is told it is already approved."""
    if getattr(actor, "role", None) not in STATEMENT_APPROVERS:
        raise Forbidden(_l("Only district officials may approve a statement."))
    statement = _statement(statement_id)
    moved = db.session.execute(update(Statement).where(Statement.id == statement.id, Statement.status == "draft")
                               .values(status="approved", approved_at=now, approved_by_id=actor.id))
    db.session.refresh(statement)
    if moved.rowcount != 1:
        who = statement.approved_by.label if statement.approved_by else ""
        raise Conflict(_l("This statement has already been approved (%(who)s); nothing was changed.", who=who))
    record(actor, "statement", statement.id, "statement_approved", now=now, from_state="draft", to_state="approved",
           changes={"total_fen": [None, statement.total_fen]})
    return statement


def statement_with_lines(statement_id: int) -> Statement:
    statement = db.session.scalar(select(Statement).options(
        selectinload(Statement.lines).joinedload(StatementLine.compound)).where(Statement.id == statement_id))
    if statement is None:
        raise NotFound(_l("There is no such statement."))
    return statement
