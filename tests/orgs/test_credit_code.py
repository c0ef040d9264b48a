"""The unified social credit code's check digit (GB 32100-2015)."""
import pytest

from propmgmt.orgs.credit_code import check_character, is_valid

VALID = ["91110000600037341L", "91350100M000100Y43", "91140300MA0GRD5X0G"]


@pytest.mark.parametrize("code", VALID)
def test_real_codes_are_valid(code):
    assert is_valid(code)


@pytest.mark.parametrize("code", [
    "91110000600037341X",  # wrong check digit
    "91110000600037341",  # 17 characters
    "9111000060003734IL",  # I is not in the code's alphabet
    "91110000600037341l",  # lower case (forms upper-case it first)
    "",
])
def test_invalid_codes(code):
    assert not is_valid(code)


def test_check_character_maps_31_to_0():
    # Whatever the first 17 are, the check is one of the 31 characters.
    assert check_character("00000000000000000") == "0"


def test_the_demos_codes_are_valid_and_distinct():
    from propmgmt.demo.people import demo_credit_code

    codes = [demo_credit_code(n) for n in range(1, 40)]
    assert all(is_valid(code) for code in codes) and len(set(codes)) == len(codes)
