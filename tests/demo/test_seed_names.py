"""The demo's area names at any scale (the seeder broke above 11 districts)."""
import pytest

from propmgmt.demo.seed import SCALES, area_names, numeral


def test_numerals_read_as_chinese_names_of_areas():
    assert [numeral(n) for n in (1, 10, 11, 20, 21, 100, 105, 110, 999)] == [
        "一", "十", "十一", "二十", "二十一", "一百", "一百零五", "一百一十", "九百九十九"]


def test_every_area_number_up_to_a_province_has_its_own_name():
    names = [numeral(n) for n in range(1, 1000)]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("scale_name", list(SCALES))
def test_every_area_has_a_name_of_its_own_across_the_whole_scale(scale_name):
    scale = SCALES[scale_name]
    districts, subdistricts, communities = area_names(scale)
    assert len(districts) == scale.districts
    assert len(subdistricts) == scale.districts * scale.subdistricts_per_district
    assert len(communities) == len(subdistricts) * scale.communities_per_subdistrict
    for names in (districts, [name for _d, name in subdistricts], [name for _s, name in communities]):
        assert len(set(names)) == len(names)


def test_the_city_keeps_its_names():
    districts, subdistricts, communities = area_names(SCALES["city"])
    assert districts[:3] == ["城区", "示例一区", "示例二区"]
    assert [name for _d, name in subdistricts[:2]] == ["南山路街道", "示例二街道"]
    assert subdistricts[6] == (1, "示例一一街道")
    assert communities[0] == (0, "南山路示例第一社区")


def test_a_province_is_fifty_thousand_compounds_in_a_thousand_areas():
    province = SCALES["province"]
    assert province.compounds == 50_000 and province.households == 10_000_000
    assert province.districts * province.subdistricts_per_district >= 1_000
    # Households per compound stay in the register's usual range (60 to 330 on average).
    assert 60 <= province.households / province.compounds <= 330
    # Operators and crews in the proportion of the city (one per compound under fallback, ~45%).
    assert province.operators == province.compounds * 45 // 100
