"""PRC Civil Code art. 278: the owners' vote on hiring a property service firm, in exact fractions.

Participation: owners holding at least two thirds of the exclusive area AND at least two thirds of
the owners. Approval: more than half of the participating area AND more than half of the
participants. Fractions, never floats: 2/3 exactly passes, one owner short fails.
"""
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Vote:
    total_owners: int
    total_area: Decimal
    participating_owners: int
    participating_area: Decimal
    favour_owners: int
    favour_area: Decimal


@dataclass(frozen=True)
class VoteResult:
    participation_by_owners: bool
    participation_by_area: bool
    approval_by_owners: bool
    approval_by_area: bool

    @property
    def passes(self) -> bool:
        return all((self.participation_by_owners, self.participation_by_area, self.approval_by_owners,
                    self.approval_by_area))


def vote_errors(vote: Vote) -> list[tuple[str, object]]:
    """Counts that cannot be true, as (field, message)."""
    errors = []
    for name in ("total_owners", "participating_owners", "favour_owners", "total_area", "participating_area",
                 "favour_area"):
        if getattr(vote, name) is None or getattr(vote, name) < 0:
            errors.append((name, _l("Counts and areas must be 0 or more.")))
    if errors:
        return errors
    if vote.total_owners == 0 or vote.total_area == 0:
        errors.append(("total_owners", _l("The totals of owners and of exclusive area must be more than 0.")))
    if vote.participating_owners > vote.total_owners:
        errors.append(("participating_owners", _l("More owners took part than there are owners.")))
    if vote.participating_area > vote.total_area:
        errors.append(("participating_area", _l("The participating area exceeds the total exclusive area.")))
    if vote.favour_owners > vote.participating_owners:
        errors.append(("favour_owners", _l("More owners are in favour than took part.")))
    if vote.favour_area > vote.participating_area:
        errors.append(("favour_area", _l("The area in favour exceeds the participating area.")))
    return errors


def evaluate(vote: Vote) -> VoteResult:
    f = Fraction  # exact for int and Decimal alike
    return VoteResult(
        participation_by_owners=f(vote.participating_owners) * 3 >= f(vote.total_owners) * 2,
        participation_by_area=f(vote.participating_area) * 3 >= f(vote.total_area) * 2,
        approval_by_owners=f(vote.favour_owners) * 2 > f(vote.participating_owners),
        approval_by_area=f(vote.favour_area) * 2 > f(vote.participating_area),
    )
