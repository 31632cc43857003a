import pytest

from yikatong import regions


def test_city_and_counties():
    assert regions.name("511100") == "乐山市"
    assert len(regions.COUNTIES) == 11
    assert regions.get("511132").name == "峨边彝族自治县"


def test_real_townships_and_generated_outlets():
    assert len(regions.townships()) == 132
    assert {t.parent for t in regions.townships()} == set(regions.COUNTIES)
    outlets = regions.outlets()
    assert len(outlets) == 2 * 132
    assert all(len(o.code) == 12 and regions.get(o.parent).level == "township" for o in outlets)


def test_subtree_rules():
    assert regions.is_within("511102004", "511100")
    assert regions.is_within("511102004001", "511102")
    assert not regions.is_within("511111002", "511102")
    assert regions.is_within("511102", "511102")
    assert {r.code for r in regions.subtree("511102")} >= {"511102", "511102004", "511102004001"}
    assert all(r.code.startswith("511102") for r in regions.subtree("511102"))
    assert regions.county_of("511102004001") == "511102"
    assert regions.county_of("511100") is None


def test_full_name_and_unknown():
    assert regions.get("511102004").full_name == "乐山市市中区大佛街道"
    with pytest.raises(KeyError, match="未知"):
        regions.get("511199")
