"""Read models of the settlement: the statements, a statement's lines with totals per subdistrict."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..compounds.models import Community, Compound, Subdistrict
from ..extensions import db
from .models import Statement, StatementLine


def last_approved_month() -> date | None:
    return db.session.scalar(select(func.max(Statement.month)).where(Statement.status == "approved"))


def statements():
    """Every month's statement, the newest first (a statement to page)."""
    return select(Statement).options(joinedload(Statement.approved_by)).order_by(Statement.month.desc())


@dataclass
class SubdistrictTotal:
    name: str
    lines: int
    base_fen: int
    deductions_fen: int
    due_fen: int


def statement_lines(statement_id: int, subdistrict_id: int | None = None) -> list[tuple]:
    """(line, compound, subdistrict name), by subdistrict and compound; corrections after the month's lines."""
    query = (select(StatementLine, Compound, Subdistrict.name)
             .join(Compound, Compound.id == StatementLine.compound_id)
             .join(Community, Community.id == Compound.community_id)
             .join(Subdistrict, Subdistrict.id == Community.subdistrict_id)
             .options(joinedload(StatementLine.contested_by), joinedload(StatementLine.assignment))
             .where(StatementLine.statement_id == statement_id)
             .order_by(StatementLine.kind.desc(), Subdistrict.name, Compound.name, StatementLine.id))
    if subdistrict_id is not None:
        query = query.where(Subdistrict.id == subdistrict_id)
    return list(db.session.execute(query).all())


def subdistrict_totals(rows: list[tuple]) -> list[SubdistrictTotal]:
    totals: dict[str, SubdistrictTotal] = {}
    for line, _compound, name in rows:
        total = totals.setdefault(name, SubdistrictTotal(name, 0, 0, 0, 0))
        total.lines += 1
        total.base_fen += line.base_fen if line.kind == "regular" else 0
        total.deductions_fen += line.deductions_fen if line.kind == "regular" else 0
        total.due_fen += line.due_fen
    return sorted(totals.values(), key=lambda t: t.name)


@dataclass
class MonthSummary:
    """The overview's and the report's view of a month's statement: average score, the lowest."""
    statement: Statement
    average_score: float | None
    lowest: list[tuple]  # (compound, score, percent, responsible leader)


BELOW_PASS_LISTED = 50  # compounds below the pass band listed in the monthly report, lowest first


def month_summary(month: date | None = None, lowest: int = 5) -> MonthSummary | None:
    """The statement of `month` (default: the latest one), its average score and the lowest compounds."""
    from ..assignments.models import Assignment

    query = select(Statement).order_by(Statement.month.desc()).limit(1)
    statement = db.session.scalar(query.where(Statement.month == month) if month else query)
    if statement is None:
        return None
    regular = (StatementLine.statement_id == statement.id) & (StatementLine.kind == "regular")
    average = db.session.scalar(select(func.avg(StatementLine.score)).where(regular))
    rows = db.session.execute(
        select(Compound, StatementLine.score, StatementLine.percent, Assignment)
        .join(StatementLine, StatementLine.compound_id == Compound.id)
        .join(Assignment, Assignment.id == StatementLine.assignment_id)
        .options(joinedload(Assignment.responsible_leader))
        .where(regular, StatementLine.score.is_not(None))
        .order_by(StatementLine.score, Compound.name).limit(lowest)).all()
    return MonthSummary(statement, round(float(average), 1) if average is not None else None,
                        [(c, score, percent, a.responsible_leader) for c, score, percent, a in rows])


def latest_score_of(compound_id: int) -> tuple[date, object] | None:
    """(month, score) of the compound's line in the latest approved statement: what residents see."""
    row = db.session.execute(
        select(Statement.month, StatementLine.score).join(StatementLine, StatementLine.statement_id == Statement.id)
        .where(Statement.status == "approved", StatementLine.compound_id == compound_id,
               StatementLine.kind == "regular", StatementLine.score.is_not(None))
        .order_by(Statement.month.desc(), StatementLine.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def line_count(statement_id: int) -> int:
    return db.session.scalar(select(func.count(StatementLine.id)).where(StatementLine.statement_id == statement_id))
