"""What each assignment is due for a month, in integer fen, by the policy in force.

The rounding rule (printed on every statement, ROUNDING_RULE): amounts are computed exactly
(fractions) and rounded half up to the fen at three points only — the base amount of a line, the
amount after the score band, and the floor and the cap; deductions are whole fen already.

- days: the days of the month the assignment served (its start and end day included);
- base = Σ over its service types of fee (fen per household or per m² per month) × households or
  floor area × days ÷ days in the month;
- scored = base × the score band's percentage;
- deductions = rectifications not fixed by a deadline in the month × the deduction per rectification
  (charged on the compound's last line of the month);
- due = scored − deductions, kept between floor % and cap % of the base.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l

from ..assessment.months import days_in, next_month
from ..assessment.policy import Policy
from ..assessment.scores import CompoundScore

ROUNDING_RULE = _l("Amounts in fen, computed exactly and rounded half up to the fen three times only: the base "
                   "amount, the amount after the score band, and the floor and cap.")


def round_half_up(value: Fraction) -> int:
    """To the nearest fen, halves away from zero (amounts here are never negative before deductions)."""
    sign = -1 if value < 0 else 1
    return sign * int(abs(value) + Fraction(1, 2))


@dataclass
class LineFigures:
    compound_id: int
    assignment_id: int
    households: int
    floor_area: Decimal | None
    days: int
    days_in_month: int
    base_fen: int
    score: Decimal | None
    percent: int
    scored_fen: int
    unfixed_rectifications: int = 0
    deductions_fen: int = 0
    due_fen: int = 0
    notes: list = field(default_factory=list)


def served_days(month: date, start: date, end: date | None) -> int:
    first, last = max(month, start), min(next_month(month) - timedelta(days=1), end or date.max)
    return max(0, (last - first).days + 1)


def base_amount(policy: Policy, service_codes, households: int, floor_area: Decimal | None, days: int,
                month_days: int) -> tuple[int, list]:
    total, notes = Fraction(0), []
    for code in service_codes:
        fee = policy.fee(code)
        if fee is None:
            continue
        if fee.basis == "household":
            units = Fraction(households)
        elif floor_area is None:
            notes.append("no_floor_area")
            units = Fraction(0)
        else:
            units = Fraction(floor_area)
        total += Fraction(fee.fen) * units * days / month_days
    return round_half_up(total), notes


def line_for(month: date, policy: Policy, assignment, compound, score: CompoundScore | None,
             *, charge_deductions: bool) -> LineFigures:
    month_days = days_in(month)
    days = served_days(month, assignment.start_date, assignment.end_date)
    base, notes = base_amount(policy, [t.code for t in assignment.service_types], compound.households,
                              compound.floor_area, days, month_days)
    value = score.score if score else None
    percent = policy.band_for(value)
    scored = round_half_up(Fraction(base) * percent / 100)
    unfixed = score.unfixed_rectifications if (score and charge_deductions) else 0
    deductions = unfixed * policy.rectification_deduction_fen
    floor = round_half_up(Fraction(base) * policy.floor_percent / 100)
    cap = round_half_up(Fraction(base) * policy.cap_percent / 100)
    due = min(cap, max(floor, scored - deductions))
    return LineFigures(compound.id, assignment.id, compound.households, compound.floor_area, days, month_days,
                       base, value, percent, scored, unfixed, deductions, due, notes)


def lines_for(month: date, policy: Policy, assignments, scores: dict[int, CompoundScore]) -> list[LineFigures]:
    """One line per assignment that served in the month; deductions on each compound's last line."""
    last_of_compound = {a.compound_id: a.id for a in sorted(assignments, key=lambda a: (a.start_date, a.id))}
    return [line_for(month, policy, a, a.compound, scores.get(a.compound_id),
                     charge_deductions=last_of_compound[a.compound_id] == a.id)
            for a in assignments]


def fen_to_yuan(fen: int | None) -> str:
    """12345 fen as "123.45" (exact: integer arithmetic, never a float)."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"
