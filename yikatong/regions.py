"""乐山市 administrative regions (GB/T 2260), townships (乡镇/街道) and service outlets (网点).

Codes nest by prefix: city `511100` → county `5111xx` → township `5111xxyyy` (the real 132, from
`data/leshan_townships.csv`) → outlet `5111xxyyyzzz` (generated, 12 digits). A user bound to a region
sees that region and everything below it; `scope_prefix` turns that rule into a string prefix so the
same check works in Python and in SQL (`region_code LIKE prefix || '%'`).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

CITY = "511100"
CITY_NAME = "乐山市"
COUNTIES: dict[str, str] = {
    "511102": "市中区",
    "511111": "沙湾区",
    "511112": "五通桥区",
    "511113": "金口河区",
    "511123": "犍为县",
    "511124": "井研县",
    "511126": "夹江县",
    "511129": "沐川县",
    "511132": "峨边彝族自治县",
    "511133": "马边彝族自治县",
    "511181": "峨眉山市",
}
_BANKS = ("中国农业银行", "中国工商银行", "中国建设银行", "中国银行", "乐山市商业银行", "四川农信")
_DATA = Path(__file__).with_name("data") / "leshan_townships.csv"


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: str  # city | county | township | outlet
    parent: str | None

    @property
    def full_name(self) -> str:
        """乐山市市中区海棠街道… — the names from the city down to this region."""
        chain = [self]
        while chain[-1].parent:
            chain.append(get(chain[-1].parent))
        return "".join(r.name for r in reversed(chain))


@functools.cache
def _tree() -> dict[str, Region]:
    regions = {CITY: Region(CITY, CITY_NAME, "city", None)}
    regions |= {c: Region(c, n, "county", CITY) for c, n in COUNTIES.items()}
    with _DATA.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            regions[row["code"]] = Region(row["code"], row["name"], "township", row["county_code"])
    for town in [r for r in regions.values() if r.level == "township"]:
        for outlet in _outlets_of(town):
            regions[outlet.code] = outlet
    return regions


def _outlets_of(town: Region) -> list[Region]:
    """Two outlets per township: the 便民服务中心 and one bank outlet (deterministic)."""
    bank = _BANKS[int(town.code) % len(_BANKS)]
    short = town.name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
    return [
        Region(town.code + "001", f"{town.name}便民服务中心", "outlet", town.code),
        Region(town.code + "002", f"{bank}乐山{short}网点", "outlet", town.code),
    ]


def get(code: str) -> Region:
    """The region with this code; KeyError with a Chinese message when unknown."""
    try:
        return _tree()[code]
    except KeyError:
        raise KeyError(f"未知行政区划代码 {code}") from None


def exists(code: str) -> bool:
    return code in _tree()


def name(code: str) -> str:
    return get(code).name


def all_regions() -> list[Region]:
    return list(_tree().values())


def by_level(level: str, within: str = CITY) -> list[Region]:
    return [r for r in _tree().values() if r.level == level and is_within(r.code, within)]


def townships(county: str | None = None) -> list[Region]:
    return by_level("township", county or CITY)


def outlets(within: str = CITY) -> list[Region]:
    return by_level("outlet", within)


def scope_prefix(scope: str) -> str:
    """The code prefix shared by a region and everything below it (the city spans `5111`)."""
    return "5111" if scope == CITY else scope


def is_within(code: str, scope: str) -> bool:
    """True when `code` is `scope` itself or lies below it."""
    return code.startswith(scope_prefix(scope))


def county_of(code: str) -> str | None:
    """The county-level code of any code at or below a county (None for the city)."""
    return code[:6] if code[:6] in COUNTIES else None


def subtree(scope: str) -> list[Region]:
    return [r for r in _tree().values() if is_within(r.code, scope)]
