"""Civil Code art. 278 at its exact boundaries: two thirds to take part, more than half to approve."""
from decimal import Decimal

import pytest

from propmgmt.handovers.rules import Vote, evaluate, vote_errors


def vote(total=300, area="30000", part=200, part_area="20000", favour=101, favour_area="10000.01"):
    return Vote(total, Decimal(area), part, Decimal(part_area), favour, Decimal(favour_area))


def test_exactly_two_thirds_of_owners_and_area_take_part():
    result = evaluate(vote())
    assert result.participation_by_owners and result.participation_by_area and result.passes


def test_one_owner_short_of_two_thirds_fails():
    assert not evaluate(vote(part=199, favour=100)).participation_by_owners


def test_one_hundredth_of_a_square_metre_short_of_two_thirds_fails():
    assert not evaluate(vote(part_area="19999.99", favour_area="10000")).participation_by_area


def test_two_thirds_of_an_area_that_is_not_a_whole_number():
    # 2/3 of 100.00 is 66.666…: 66.67 takes part, 66.66 does not (no rounding of the threshold).
    assert evaluate(vote(area="100.00", part_area="66.67", favour_area="40")).participation_by_area
    assert not evaluate(vote(area="100.00", part_area="66.66", favour_area="40")).participation_by_area


def test_exactly_half_in_favour_is_not_more_than_half():
    assert not evaluate(vote(favour=100)).approval_by_owners
    assert evaluate(vote(favour=101)).approval_by_owners
    assert not evaluate(vote(favour_area="10000")).approval_by_area
    assert evaluate(vote(favour_area="10000.01")).approval_by_area


def test_floats_would_get_this_wrong():
    # 0.70 of 1.05 m² is exactly two thirds; binary floating point says it is less.
    assert 0.7 * 3 < 1.05 * 2
    assert evaluate(vote(total=3, part=2, favour=2, area="1.05", part_area="0.70", favour_area="0.36")).passes


@pytest.mark.parametrize("overrides, field", [
    ({"part": 301}, "participating_owners"),
    ({"part_area": "30000.01"}, "participating_area"),
    ({"favour": 201}, "favour_owners"),
    ({"favour_area": "20000.01"}, "favour_area"),
    ({"total": -1}, "total_owners"),
    ({"total": 0, "part": 0, "favour": 0}, "total_owners"),
])
def test_impossible_counts_are_refused(overrides, field):
    assert field in [name for name, _message in vote_errors(vote(**overrides))]
