"""The demo's area names at any scale (the seeder broke above 11 districts)."""
from propmgmt.demo.seed import numeral


def test_numerals_read_as_chinese_names_of_areas():
    assert [numeral(n) for n in (1, 10, 11, 20, 21, 100, 105, 110, 999)] == [
        "一", "十", "十一", "二十", "二十一", "一百", "一百零五", "一百一十", "九百九十九"]


def test_every_area_number_up_to_a_province_has_its_own_name():
    names = [numeral(n) for n in range(1, 1000)]
    assert len(set(names)) == len(names)
