"""The score sheet and payment rule: what makes a policy version valid, and which version judges a month."""
import copy
from datetime import date
from decimal import Decimal

import pytest

from propmgmt.assessment import policy as rules
from propmgmt.assessment.queries import policy_row_for
from propmgmt.assessment.services import save_policy
from propmgmt.demo.assessment import DISTRICT_POLICY
from propmgmt.errors import DomainError, Forbidden

from ..factories import UserFactory


def changed(**overrides) -> dict:
    document = copy.deepcopy(DISTRICT_POLICY)
    document.update(overrides)
    return document


def test_the_demo_policy_is_valid():
    policy = rules.parse(DISTRICT_POLICY)
    assert policy.total == 100 and len(policy.spot_items) == 2
    assert policy.band_for(Decimal("79.9")) == 80 and policy.band_for(Decimal("80")) == 100
    assert policy.band_for(Decimal("100")) == 100 and policy.band_for(Decimal("0")) == 60


def test_points_that_do_not_add_up_are_refused():
    document = changed()
    document["items"][0].update(points=20, cap=20)
    with pytest.raises(DomainError) as error:
        rules.parse(document)
    assert "95" in str(error.value.message) and "100" in str(error.value.message)


@pytest.mark.parametrize("bands, words", [
    ([{"from": 0, "to": 70, "percent": 80}, {"from": 60, "to": 100, "percent": 100}], "overlap"),
    ([{"from": 0, "to": 60, "percent": 80}, {"from": 70, "to": 100, "percent": 100}], "gap"),
    ([{"from": 10, "to": 100, "percent": 100}], "from 0"),
])
def test_bands_with_gaps_or_overlaps_are_refused(bands, words):
    with pytest.raises(DomainError) as error:
        rules.parse(changed(bands=bands))
    assert words in str(error.value.message) and error.value.field == "bands"


@pytest.mark.parametrize("fen", [0, -100, 1.5])
def test_a_base_fee_of_zero_or_less_is_refused(fen):
    with pytest.raises(DomainError) as error:
        rules.parse(changed(fees={"cleaning": {"basis": "household", "fen": fen}}))
    assert error.value.field == "fees"


def test_scoring_rules():
    policy = rules.parse(DISTRICT_POLICY)
    on_time, first_pass, missed = policy.item("on_time"), policy.item("first_pass"), policy.item("missed")
    assert on_time.figure_points(95.0) == 20 and on_time.figure_points(60.0) == 0
    assert on_time.figure_points(77.5) == 10 and on_time.figure_points(None) is None
    assert first_pass.figure_points(90) == 7 and first_pass.figure_points(50) == 0
    assert missed.figure_points(0) == 10 and missed.figure_points(5) == 5 and missed.figure_points(30) == 0
    assert policy.item("public_areas").spot_points(2) == 15 and policy.item("public_areas").spot_points(9) == 0


def test_a_new_version_judges_months_from_its_month_on(db, now):
    official = UserFactory(role="official")
    first = save_policy(official, DISTRICT_POLICY, effective_month=date(2026, 1, 1), now=now)
    second = save_policy(official, changed(rectification_days=5), effective_month=date(2026, 11, 15), now=now)
    assert (first.version, second.version, second.effective_month) == (1, 2, date(2026, 11, 1))
    assert policy_row_for(date(2026, 10, 31)).id == first.id
    assert policy_row_for(date(2026, 11, 1)).id == second.id
    assert first.document == DISTRICT_POLICY  # kept as it was: history


def test_only_officials_change_the_policy_and_never_into_an_approved_month(db, now):
    with pytest.raises(Forbidden):
        save_policy(UserFactory(role="dispatcher"), DISTRICT_POLICY, effective_month=date(2026, 1, 1), now=now)
    with pytest.raises(DomainError) as error:
        save_policy(UserFactory(role="official"), DISTRICT_POLICY, effective_month=date(2026, 10, 1), now=now,
                    frozen_through=date(2026, 10, 1))
    assert "2026-10" in str(error.value.message)
