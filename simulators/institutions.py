"""Designated medical institutions (定点医药机构): hospitals and pharmacies, per county.

Codes are `H` (医院) or `P` (药店) + the 6-digit county code + a 4-digit sequence, e.g. `H5111020001`.
The same function feeds 社保业务信息库's medical settlements and the municipal exchange's hospital /
pharmacy directories, so both sides agree on every code, name and address. Deterministic for a seed
and independent of the scale.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa

from simulators import wordlists
from simulators.rand import stream_rng
from yikatong import regions

_COUNTY_HOSPITALS = ("人民医院", "中医医院", "妇幼保健院")
_PRIVATE_HOSPITALS = (
    "仁爱医院",
    "康华医院",
    "博爱医院",
    "协和医院",
    "骨科医院",
    "眼科医院",
    "口腔医院",
    "仁和医院",
)
_PHARMACY_CHAINS = (
    "四川太极大药房",
    "乐山老百姓大药房",
    "一心堂药店",
    "乐山大参林药店",
    "康恩大药房",
    "乐山嘉州药房",
)
_CITY_HOSPITALS = (
    "乐山市人民医院",
    "乐山市中医医院",
    "乐山市第二人民医院",
    "乐山市妇幼保健院",
    "乐山老年病专科医院",
)


def _county_hospitals(county: str) -> list[str]:
    prefix = (
        "乐山市" + regions.COUNTIES[county]
        if county in ("511102", "511111", "511112", "511113")
        else regions.COUNTIES[county]
    )
    names = [prefix + h for h in _COUNTY_HOSPITALS]
    if county == "511102":
        names = list(_CITY_HOSPITALS) + names
    return names


def _names_for(rng: np.random.Generator, county: str) -> tuple[list[str], list[str], list[str]]:
    """(hospital names, pharmacy names, township of each) for one county."""
    towns = regions.townships(county)
    hospitals = _county_hospitals(county) + [t.name + "卫生院" for t in towns if not t.name.endswith("街道")]
    private = rng.choice(_PRIVATE_HOSPITALS, size=1 + len(towns) // 6, replace=False)
    hospitals += [f"{regions.COUNTIES[county][:2]}{p}" for p in private]
    pharmacies, where = [], []
    for t in towns:
        k = 4 if t.name.endswith("街道") else 2 if t.name.endswith("镇") else 1
        for chain in rng.choice(_PHARMACY_CHAINS, size=k, replace=False):
            pharmacies.append(f"{chain}（{t.name}店）")
            where.append(t.name)
    return hospitals, pharmacies, where


def _rows(rng, county: str) -> list[tuple]:
    hospitals, pharmacies, where = _names_for(rng, county)
    towns = [t.name for t in regions.townships(county)]
    stems = wordlists.street_stems()
    rows = []
    for kind, letter, names, places in (("医院", "H", hospitals, None), ("药店", "P", pharmacies, where)):
        for i, name in enumerate(names, start=1):
            town = (
                places[i - 1]
                if places
                else name.removesuffix("卫生院")
                if name.endswith("卫生院")
                else towns[0]
            )
            road = "路" if rng.random() < 0.6 else "街"
            street = f"{stems[int(rng.integers(len(stems)))]}{road}{int(rng.integers(1, 400))}号"
            phone = f"0833-{int(rng.integers(2000000, 5999999))}"
            rows.append(
                (
                    f"{letter}{county}{i:04d}",
                    name,
                    kind,
                    county,
                    f"四川省乐山市{regions.COUNTIES[county]}{town}{street}",
                    phone,
                )
            )
    return rows


@functools.cache
def _institutions(seed: int) -> pa.Table:
    rng = stream_rng(seed, "institutions")
    rows = [r for county in regions.COUNTIES for r in _rows(rng, county)]
    names = ("code", "name", "kind", "county", "address", "phone")
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})


def institutions(seed: int) -> pa.Table:
    """Hospitals and pharmacies: code, name, kind (医院/药店), county, address, phone."""
    return _institutions(seed)
