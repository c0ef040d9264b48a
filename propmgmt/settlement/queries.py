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


def statements(limit: int = 24, offset: int = 0) -> tuple[list[Statement], int]:
    total = db.session.scalar(select(func.count(Statement.id)))
    rows = db.session.scalars(select(Statement).options(joinedload(Statement.approved_by))
                              .order_by(Statement.month.desc()).limit(limit).offset(offset))
    return list(rows), total


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
