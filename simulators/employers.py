"""The employer pool (用人单位): 机关事业单位 named after real places, 企业 from faker's company words.

Each employer has a 统一社会信用代码 (GB 32100-2015, with both check characters computed), a
social-insurance unit number AAB001 and a county. Residents are assigned to employers by
`simulators.population`; 全民参保库 enrolments carry the same codes and names.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa

from simulators import wordlists
from simulators.rand import stream_rng
from simulators.scales import Scale
from yikatong import regions

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_VALUE = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-character 组织机构代码 body."""
    c = 11 - sum(_ORG_VALUE[ch] * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_check(first17: str) -> str:
    """GB 32100 check character of a 统一社会信用代码."""
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    if len(code) != 18 or any(ch not in _USCC_CHARS for ch in code):
        return False
    return org_code_check(code[8:16]) == code[16] and uscc_check(code[:17]) == code[17]


def _uscc(prefix: str, county: str, body: str) -> str:
    org = body + org_code_check(body)
    first17 = prefix + county + org
    return first17 + uscc_check(first17)


@functools.cache
def _public_bodies() -> tuple[tuple[str, str], ...]:
    """(name, county) of every 机关事业单位 the simulator knows, county and township level."""
    bodies = [(regions.COUNTIES[c] + b, c) for c in regions.COUNTIES for b in wordlists.PUBLIC_BODIES]
    for town in regions.townships():
        for suffix in ("人民政府", "中心小学", "卫生院"):
            bodies.append((regions.COUNTIES[town.parent] + town.name + suffix, town.parent))
    return tuple(
        (("乐山市" + n) if n.startswith(("市中区", "沙湾区", "五通桥区", "金口河区")) else n, c)
        for n, c in bodies
    )


_SHORT = {
    c: n.removesuffix("彝族自治县").removesuffix("区").removesuffix("县").removesuffix("市")
    for c, n in regions.COUNTIES.items()
}


def _company_names(rng: np.random.Generator, counties: np.ndarray) -> list[str]:
    """Unique company names: place (乐山/四川/the county) + trade name + trade suffix."""
    prefixes, suffixes = wordlists.company_prefixes(), wordlists.company_suffixes()
    short = np.array([_SHORT[c] for c in counties.tolist()] or [""])
    seen: dict[str, int] = {}
    while len(seen) < len(counties):
        k = len(counties)
        a, b = rng.integers(0, len(prefixes), (2, k))
        stems = np.where(
            rng.random(k) < 0.5, prefixes[a], np.char.add(prefixes[a].astype("U2"), prefixes[b].astype("U4"))
        )
        place = np.where(rng.random(k) < 0.5, np.where(rng.random(k) < 0.8, "乐山", "四川"), short[:k])
        names = np.char.add(np.char.add(place, stems), suffixes[rng.integers(0, len(suffixes), k)])
        for i, nm in enumerate(names.tolist()):
            seen.setdefault(nm, i)
    return _fill_unique(seen, len(counties))


def _fill_unique(seen: dict[str, int], n: int) -> list[str]:
    """The first name proposed for each slot, slots without a unique name get a numbered one."""
    by_slot: dict[int, str] = {}
    for nm, slot in seen.items():
        by_slot.setdefault(slot, nm)
    used = set(by_slot.values())
    out = []
    for i in range(n):
        nm = by_slot.get(i) or next(
            f"乐山第{j}实业有限公司" for j in range(i, 10 * n + 10) if f"乐山第{j}实业有限公司" not in used
        )
        used.add(nm)
        out.append(nm)
    return out


def _bodies(rng: np.random.Generator, n: int) -> list[str]:
    """8-digit 组织机构代码 bodies."""
    return [f"{v:08d}" for v in rng.integers(0, 10**8, n).tolist()]


def employers(scale: Scale, seed: int) -> pa.Table:
    """The employer pool: code (统一社会信用代码), aab001, name, kind (机关事业/企业), county, weight."""
    rng = stream_rng(seed, "employers")
    public = list(_public_bodies())
    n_public = min(len(public), max(3, round(scale.employers * 0.15)))
    picked = [public[i] for i in sorted(rng.choice(len(public), n_public, replace=False))]
    n_company = scale.employers - n_public
    counties = np.array(list(regions.COUNTIES))
    company_county = counties[rng.integers(0, len(counties), n_company)]
    names = [p[0] for p in picked] + _company_names(rng, company_county)
    county = [p[1] for p in picked] + company_county.tolist()
    kinds = ["机关事业"] * n_public + ["企业"] * n_company
    prefixes = ["11" if "局" in nm or "政府" in nm else "12" for nm, _ in picked] + ["91"] * n_company
    codes = [_uscc(p, c, b) for p, c, b in zip(prefixes, county, _bodies(rng, len(names)), strict=True)]
    aab001 = [f"{c}{i:08d}" for i, c in enumerate(county, start=1)]
    weight = rng.pareto(1.2, len(names)) + 1.0
    return pa.table(
        {"code": codes, "aab001": aab001, "name": names, "kind": kinds, "county": county, "weight": weight}
    )
