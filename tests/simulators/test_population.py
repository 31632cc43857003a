"""Synthetic residents: contract columns, determinism, valid documents, guardians, realistic shares."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from simulators.employers import is_valid_uscc
from simulators.population import ages, generate_residents
from simulators.scales import ANCHOR, SCALES, get_scale
from yikatong import regions
from yikatong.ids import check_id, is_valid_phone

CONTRACT = {
    "person_id": pa.int64(),
    "doc_type": pa.string(),
    "id_number": pa.string(),
    "name": pa.string(),
    "sex": pa.string(),
    "birth_date": pa.date32(),
    "ethnic": pa.string(),
    "region_code": pa.string(),
    "address": pa.string(),
    "postcode": pa.string(),
    "phone": pa.string(),
    "employer_code": pa.string(),
    "employer_name": pa.string(),
    "employer_kind": pa.string(),
    "is_migrant": pa.bool_(),
    "guardian_doc_type": pa.string(),
    "guardian_id_number": pa.string(),
    "guardian_name": pa.string(),
}


@pytest.fixture(scope="module")
def small() -> pa.Table:
    return generate_residents(get_scale("small"), 7)


@pytest.fixture(scope="module")
def larger() -> pa.Table:
    """20,000 residents: enough for shares by county, still fast."""
    return generate_residents(dataclasses.replace(get_scale("small"), residents=20_000), 7)


def test_scales_are_fixed_and_unknown_names_refused():
    assert [(s.residents, s.events, s.event_days) for s in SCALES.values()] == [
        (1_000, 10_000, 30),
        (100_000, 1_000_000, 90),
        (1_000_000, 10_000_000, 90),
    ]
    assert get_scale("demo").settlements == 225_000 and get_scale("bench").transactions == 720_000
    with pytest.raises(ValueError, match=r"未知规模.*small/demo/bench"):
        get_scale("huge")


def test_contract_columns_and_count(small):
    assert dict(zip(small.schema.names, small.schema.types, strict=True)) == CONTRACT
    assert small.num_rows == 1_000
    assert small["person_id"].to_pylist() == list(range(1, 1_001))


def test_same_seed_same_residents_other_seed_differs(small):
    assert generate_residents(get_scale("small"), 7).equals(small)
    assert not generate_residents(get_scale("small"), 8).equals(small)


def test_documents_are_valid_and_unique(larger):
    rows = larger.to_pylist()
    assert len({r["id_number"] for r in rows}) == len(rows)
    for r in rows:
        if r["doc_type"] == "01":
            verdict = check_id(r["id_number"], today=ANCHOR)
            assert verdict.valid, r
            assert verdict.birth_date == r["birth_date"] and verdict.sex == r["sex"]
            leshan = r["id_number"].startswith("5111")
            assert leshan != r["is_migrant"]
            assert not r["is_migrant"] or not r["id_number"].startswith("51")
            assert r["is_migrant"] or r["id_number"][:6] == r["region_code"][:6]
        else:
            assert r["is_migrant"]
    shares = pc.value_counts(larger["doc_type"]).to_pylist()
    share_01 = next(s["counts"] for s in shares if s["values"] == "01") / larger.num_rows
    assert 0.95 < share_01 < 0.99
    migrants = (
        pc.sum(pc.and_(larger["is_migrant"], pc.equal(larger["doc_type"], "01"))).as_py() / larger.num_rows
    )
    assert 0.06 < migrants < 0.11


def test_minors_have_guardians_of_the_same_township(larger):
    age = ages(larger["birth_date"].to_numpy())
    has = larger["guardian_id_number"].is_valid().to_numpy(zero_copy_only=False)
    assert (has == (age < 16)).all()
    index = {n: i for i, n in enumerate(larger["id_number"].to_pylist())}
    towns = larger["region_code"].to_pylist()
    guardians = [index[g] for g in larger["guardian_id_number"].drop_null().to_pylist()]
    assert all(age[g] >= 18 for g in guardians)
    minors = np.flatnonzero(has)
    same = np.mean([towns[g] == towns[m] for g, m in zip(guardians, minors, strict=True)])
    assert same > 0.95
    names = larger["name"].to_pylist()
    assert [larger["guardian_name"][int(m)].as_py() for m in minors[:50]] == [
        names[g] for g in guardians[:50]
    ]


def test_yi_people_in_ebian_and_mabian(larger):
    county = pc.utf8_slice_codeunits(larger["region_code"], 0, 6)
    for code in ("511132", "511133"):
        here = larger.filter(pc.equal(county, code))
        share = pc.sum(pc.equal(here["ethnic"], "彝族")).as_py() / here.num_rows
        assert share >= 0.3, (code, share)
    elsewhere = larger.filter(pc.equal(county, "511102"))
    assert pc.sum(pc.equal(elsewhere["ethnic"], "彝族")).as_py() / elsewhere.num_rows < 0.05


def test_regions_addresses_postcodes_phones(larger):
    assert all(regions.get(c).level == "township" for c in set(larger["region_code"].to_pylist()))
    counties = pc.value_counts(pc.utf8_slice_codeunits(larger["region_code"], 0, 6)).to_pylist()
    assert max(counties, key=lambda c: c["counts"])["values"] == "511102"
    for r in larger.slice(0, 2_000).to_pylist():
        county = regions.COUNTIES[r["region_code"][:6]]
        assert r["address"].startswith(f"四川省乐山市{county}{regions.name(r['region_code'])}")
        assert r["address"].endswith("号") and is_valid_phone(r["phone"])
        assert r["postcode"][:3] in ("614", "613") and len(r["postcode"]) == 6


def test_ages_and_employers(larger):
    age = ages(larger["birth_date"].to_numpy())
    assert age.min() >= 0 and age.max() <= 101
    assert ((age >= 50) & (age < 70)).mean() > 0.2
    male = pc.equal(larger["sex"], "男").to_numpy(zero_copy_only=False)
    working = (age >= 18) & (age < np.where(male, 60, 55))
    employed = larger["employer_code"].is_valid().to_numpy(zero_copy_only=False)
    assert 0.45 < employed[working].mean() < 0.65
    assert not employed[~working].any()
    assert all(is_valid_uscc(c) for c in larger["employer_code"].drop_null().unique().to_pylist())
    kinds = set(larger["employer_kind"].drop_null().to_pylist())
    assert kinds == {"机关事业", "企业", "灵活就业"}
