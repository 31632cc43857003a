"""Synthetic residents of 乐山市 (居民), vectorised with numpy and pyarrow.

One row per person living in the city: identity document, name, sex, birth date, 民族, township of
residence, address, postcode, phone, employer and, for children under 16, a guardian (监护人) who is
an adult of the same township. Shares follow public facts: the 2020 census age pyramid (many people
aged 50–70), 彝族 in 峨边/马边/金口河, migrants (流动人口) holding IDs from other provinces, a few
residents with 港澳台 or foreign documents.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulators import strs, wordlists
from simulators.employers import employers
from simulators.rand import stream_rng
from simulators.scales import ANCHOR, Scale
from yikatong import regions
from yikatong.ids import CHECK_CHARS, WEIGHTS

# Approximate resident population by county (thousands, 2020 census order of magnitude).
COUNTY_POPULATION = {
    "511102": 620,
    "511111": 170,
    "511112": 280,
    "511113": 45,
    "511123": 380,
    "511124": 280,
    "511126": 310,
    "511129": 190,
    "511132": 130,
    "511133": 190,
    "511181": 420,
}
# 常住所在地邮政编码 by county (井研县 keeps its real 613100).
POSTCODES = {
    "511102": "614000",
    "511111": "614900",
    "511112": "614800",
    "511113": "614700",
    "511123": "614400",
    "511124": "613100",
    "511126": "614100",
    "511129": "614500",
    "511132": "614300",
    "511133": "614600",
    "511181": "614200",
}
# Share of the population by 5-year age band, 0–4 … 95–99 (China 2020 census, rounded).
AGE_BANDS = (
    5.8,
    6.6,
    6.3,
    5.2,
    5.3,
    6.6,
    8.8,
    6.9,
    6.6,
    8.2,
    8.8,
    7.3,
    5.2,
    5.5,
    3.7,
    2.4,
    1.5,
    0.8,
    0.3,
    0.1,
)
# 民族 shares (order of wordlists.ETHNIC_GROUPS) where they differ from the city default.
_MINORITY_TAIL = (0.002, 0.0015, 0.001, 0.001, 0.0008, 0.0005, 0.0003)
ETHNIC_SHARES = {"511132": 0.41, "511133": 0.49, "511113": 0.21, "511129": 0.02}
DEFAULT_YI_SHARE = 0.004
DOC_TYPES = ("01", "03", "06", "07")  # 居民身份证, 港澳通行证, 外国人永久居留身份证, 台湾居民来往大陆通行证
DOC_SHARES = (0.97, 0.015, 0.005, 0.01)
_FOREIGN_COUNTRIES = ("840", "410", "392", "704", "276", "250", "826", "764", "104", "036")
MINOR_AGE = 16


def township_table() -> pa.Table:
    """The 132 townships with their population weights (街道 denser than 镇, 镇 denser than 乡)."""
    towns = regions.townships()
    kind = np.array(
        [2.5 if t.name.endswith("街道") else 0.5 if t.name.endswith("乡") else 1.0 for t in towns]
    )
    jitter = np.array([0.6 + (int(t.code) * 2654435761 % 1000) / 1250 for t in towns])
    weight = kind * jitter
    county = np.array([t.parent for t in towns])
    for c, pop in COUNTY_POPULATION.items():
        weight[county == c] *= pop / weight[county == c].sum()
    return pa.table(
        {
            "code": [t.code for t in towns],
            "name": [t.name for t in towns],
            "county": county,
            "weight": weight / weight.sum(),
        }
    )


def _age_weights() -> np.ndarray:
    w = np.repeat(np.array(AGE_BANDS) / 5, 5)
    return np.append(w, w[-1]) / np.append(w, w[-1]).sum()  # ages 0..100


def _births(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Birth dates (datetime64[D]) and a male mask."""
    years = rng.choice(101, size=n, p=_age_weights())
    days = np.floor(years * 365.2425 + rng.random(n) * 365).astype(np.int64)
    birth = np.datetime64(ANCHOR, "D") - days.astype("timedelta64[D]")
    return birth, rng.random(n) < 0.505


def ages(birth: np.ndarray, on: date = ANCHOR) -> np.ndarray:
    """Completed years of age on `on` (exact, by month and day)."""
    b = np.asarray(birth).astype("datetime64[D]")
    months = b.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    mmdd = (months.astype(np.int64) % 12 + 1) * 100 + (b - months).astype(np.int64) + 1
    return on.year - year - (mmdd > on.month * 100 + on.day)


def _ethnic(rng: np.random.Generator, county: np.ndarray) -> np.ndarray:
    """Index into wordlists.ETHNIC_GROUPS for each resident."""
    yi = np.full(len(county), DEFAULT_YI_SHARE)
    for c, share in ETHNIC_SHARES.items():
        yi[county == c] = share
    u = rng.random(len(county))
    out = np.where(u < yi, 1, 0)
    edges = yi[:, None] + np.cumsum(_MINORITY_TAIL)[None, :]
    tail = (u[:, None] >= edges).sum(axis=1) + 2  # 2..9, 9 means none of the tail groups
    in_tail = (u >= yi) & (tail <= 8)
    return np.where(in_tail, tail, out)


def _guardians(rng: np.random.Generator, town: np.ndarray, age: np.ndarray) -> np.ndarray:
    """For each resident under 16, the index of an adult (22–60) of the same township; -1 otherwise."""
    minors = np.flatnonzero(age < MINOR_AGE)
    adults = np.flatnonzero((age >= 22) & (age <= 60))
    order = adults[np.argsort(town[adults], kind="stable")]
    sorted_town = town[order]
    lo = np.searchsorted(sorted_town, town[minors], "left")
    hi = np.searchsorted(sorted_town, town[minors], "right")
    size = hi - lo
    pick = lo + np.floor(rng.random(len(minors)) * np.maximum(size, 1)).astype(np.int64)
    anywhere = adults[rng.integers(0, len(adults), len(minors))] if len(adults) else minors
    out = np.full(len(age), -1, dtype=np.int64)
    out[minors] = np.where(size > 0, order[np.minimum(pick, len(order) - 1)], anywhere)
    return out


def gb_first17(address: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """The first 17 digits of GB 11643 numbers as int64 (address code, birth date, sequence)."""
    b = np.asarray(birth).astype("datetime64[D]")
    months = b.astype("datetime64[M]")
    ymd = (months.astype(np.int64) // 12 + 1970) * 10000 + (months.astype(np.int64) % 12 + 1) * 100
    ymd += (b - months).astype(np.int64) + 1
    return np.asarray(address, dtype=np.int64) * 10**11 + ymd * 1000 + seq


def gb_numbers(first17: np.ndarray) -> pa.Array:
    """Complete GB 11643 numbers (the check character appended), as strings."""
    digits = first17[:, None] // 10 ** np.arange(16, -1, -1, dtype=np.int64) % 10
    check = np.array(list(CHECK_CHARS))[(digits * np.array(WEIGHTS)).sum(axis=1) % 11]
    return strs.join(strs.zpad(first17, 17), check)


def _unique_keys(keys: np.ndarray, regenerate) -> np.ndarray:
    """Replace duplicate keys (keeping the first) by `regenerate(positions)` until all are unique."""
    for _ in range(50):
        _, first = np.unique(keys, return_index=True)
        is_dup = np.ones(len(keys), dtype=bool)
        is_dup[first] = False
        dup = np.flatnonzero(is_dup)
        if not len(dup):
            return keys
        keys[dup] = regenerate(dup)
    raise RuntimeError("无法生成唯一证件号码")


def _documents(rng, county, birth, male, age) -> dict[str, np.ndarray]:
    """doc_type, id_number and is_migrant for each resident."""
    n = len(county)
    doc = np.array(DOC_TYPES)[rng.choice(len(DOC_TYPES), n, p=DOC_SHARES)]
    migrant_p = np.where((age >= 18) & (age < 60), 0.12, 0.04)
    migrant = (doc == "01") & (rng.random(n) < migrant_p)
    others = wordlists.other_province_counties().astype(np.int64)
    address = np.where(migrant, others[rng.integers(0, len(others), n)], county.astype(np.int64))
    foreign = (
        951000 + np.array(_FOREIGN_COUNTRIES, dtype=np.int64)[rng.integers(0, len(_FOREIGN_COUNTRIES), n)]
    )
    address = np.where(doc == "06", foreign, address)

    def regenerate(pos: np.ndarray) -> np.ndarray:
        return _document_keys(rng, doc[pos], address[pos], birth[pos], male[pos])

    keys = _unique_keys(regenerate(np.arange(n)), regenerate)
    return {"doc_type": doc, "id_number": _document_strings(doc, keys), "is_migrant": migrant | (doc != "01")}


_HK_BASE, _TW_BASE = 9 * 10**17, 91 * 10**16


def _document_keys(rng, doc, address, birth, male) -> np.ndarray:
    """One int64 per document, unique iff the document numbers are (see `_document_strings`)."""
    seq = rng.integers(0, 500, len(doc)) * 2 + male.astype(np.int64)
    keys = gb_first17(address, birth, seq)  # 01, and 06 which uses the GB 11643 layout with prefix 9
    hk = _HK_BASE + (rng.random(len(doc)) < 0.2) * 10**8 + rng.integers(0, 10**8, len(doc))
    tw = _TW_BASE + rng.integers(10**7, 10**8, len(doc))
    return np.where(doc == "03", hk, np.where(doc == "07", tw, keys))


def _document_strings(doc: np.ndarray, keys: np.ndarray) -> pa.Array:
    """03: H/M + 8 digits (港澳通行证); 07: 8 digits (台胞证); 01/06: 18 characters GB 11643."""
    gb = gb_numbers(np.where((doc == "01") | (doc == "06"), keys, 10**16))
    hk_num = (keys - _HK_BASE) % 10**8
    hk = strs.join(strs.where((keys - _HK_BASE) >= 10**8, "M", "H"), strs.zpad(hk_num, 8))
    tw = strs.zpad((keys - _TW_BASE) % 10**8, 8)
    return strs.where(doc == "03", hk, strs.where(doc == "07", tw, gb))


def _inherit(rng, guardian: np.ndarray, values: np.ndarray, p: float) -> np.ndarray:
    """Minors take their guardian's value with probability p (民族, family name)."""
    out = values.copy()
    has = np.flatnonzero((guardian >= 0) & (rng.random(len(values)) < p))
    out[has] = values[guardian[has]]
    return out


def _han_given(rng, male: np.ndarray) -> np.ndarray:
    n = len(male)
    out = np.empty(n, dtype=object)
    for sex in (True, False):
        idx = np.flatnonzero(male == sex)
        chars, full = wordlists.given_chars(sex), wordlists.given_names(sex)
        a, b = chars[rng.integers(0, len(chars), len(idx))], chars[rng.integers(0, len(chars), len(idx))]
        u = rng.random(len(idx))
        out[idx] = np.where(
            u < 0.35, a, np.where(u < 0.8, np.char.add(a, b), full[rng.integers(0, len(full), len(idx))])
        )
    return out


def _names(rng, male, ethnic, guardian) -> np.ndarray:
    """Full names: Han surname + given name, or a 彝族 name for most 彝族 residents."""
    n = len(male)
    yi_style = _inherit(rng, guardian, (ethnic == 1) & (rng.random(n) < 0.6), 1.0)
    names, p = wordlists.surnames()
    han_surname = names[rng.choice(len(names), n, p=p)]
    yi_surname = np.array(wordlists.YI_SURNAMES)[rng.integers(0, len(wordlists.YI_SURNAMES), n)]
    surname = _inherit(rng, guardian, np.where(yi_style, yi_surname, han_surname).astype(object), 0.9)
    yi_given = np.array(wordlists.YI_GIVEN)[rng.integers(0, len(wordlists.YI_GIVEN), n)]
    given = np.where(yi_style, yi_given, _han_given(rng, male))
    return np.char.add(surname.astype(str), given.astype(str))


def _addresses(rng, town: pa.Table, idx: np.ndarray) -> pa.Array:
    """四川省乐山市<county><township><street or village>N号."""
    n = len(idx)
    names = town["name"].to_numpy(zero_copy_only=False)[idx]
    county_names = np.array([regions.COUNTIES[c] for c in town["county"].to_pylist()])[idx]
    stems = wordlists.street_stems()
    street = strs.join(
        strs.take(stems, rng.integers(0, len(stems), n)),
        strs.pick(rng, wordlists.ROAD_SUFFIXES, n, p=(0.5, 0.3, 0.1, 0.1)),
        strs.arr(rng.integers(1, 300, n)),
        "号",
    )
    village = strs.join(
        strs.pick(rng, wordlists.VILLAGE_WORDS, n),
        "村",
        strs.arr(rng.integers(1, 12, n)),
        "组",
        strs.arr(rng.integers(1, 80, n)),
        "号",
    )
    rural = np.char.endswith(names.astype(str), "乡") | (
        np.char.endswith(names.astype(str), "镇") & (rng.random(n) < 0.5)
    )
    return strs.join("四川省乐山市", county_names, names, strs.where(rural, village, street))


def _phones(rng, n: int) -> pa.Array:
    prefixes = wordlists.mobile_prefixes()
    return strs.join(
        strs.take(prefixes, rng.integers(0, len(prefixes), n)), strs.zpad(rng.integers(0, 10**8, n), 8)
    )


def _employment(rng, pool: pa.Table, age, male, county) -> dict[str, pa.Array]:
    """employer_kind for the working-age; an employer of that kind, mostly in the same county."""
    n = len(age)
    working = (age >= 18) & (age < np.where(male, 60, 55))
    u = rng.random(n)
    kind = np.where(u < 0.12, "机关事业", np.where(u < 0.55, "企业", np.where(u < 0.70, "灵活就业", "")))
    kind = np.where(working, kind, "")
    local = rng.random(n) < 0.8
    pool_kind = pool["kind"].to_numpy(zero_copy_only=False)
    pool_county = pool["county"].to_numpy(zero_copy_only=False)
    weight = pool["weight"].to_numpy()
    chosen = np.full(n, -1, dtype=np.int64)
    for k in ("机关事业", "企业"):
        anywhere = np.flatnonzero(pool_kind == k)
        roaming = np.flatnonzero((kind == k) & ~local)
        chosen[roaming] = _draw(rng, anywhere, weight, len(roaming))
        for c in regions.COUNTIES:
            who = np.flatnonzero((kind == k) & local & (county == c))
            near = np.flatnonzero((pool_kind == k) & (pool_county == c))
            chosen[who] = _draw(rng, near if len(near) else anywhere, weight, len(who))
    return _employment_columns(pool, kind, chosen)


def _draw(rng, candidates: np.ndarray, weight: np.ndarray, size: int) -> np.ndarray:
    if size == 0 or len(candidates) == 0:
        return np.full(size, -1, dtype=np.int64)
    p = weight[candidates] / weight[candidates].sum()
    return candidates[rng.choice(len(candidates), size, p=p)]


def _employment_columns(pool: pa.Table, kind: np.ndarray, chosen: np.ndarray) -> dict[str, pa.Array]:
    has = chosen >= 0
    idx = pa.array(np.where(has, chosen, 0))
    mask = pa.array(~has)
    code = pc.if_else(mask, pa.scalar(None, pa.string()), pool["code"].take(idx))
    name = pc.if_else(mask, pa.scalar(None, pa.string()), pool["name"].take(idx))
    kind_arr = pa.array(np.where(kind == "", None, kind), pa.string())
    return {"employer_code": code, "employer_name": name, "employer_kind": kind_arr}


def generate_residents(scale: Scale, seed: int) -> pa.Table:
    """The residents of the simulated city (contract columns, see the module docstring)."""
    n = scale.residents
    rng = {
        k: stream_rng(seed, f"population:{k}")
        for k in ("place", "births", "ethnic", "guardians", "docs", "names", "address", "phone", "employment")
    }
    town = township_table()
    idx = rng["place"].choice(town.num_rows, n, p=town["weight"].to_numpy())
    county = town["county"].to_numpy(zero_copy_only=False)[idx].astype("U6")
    birth, male = _births(rng["births"], n)
    age = ages(birth)
    guardian = _guardians(rng["guardians"], idx, age)
    ethnic = _inherit(rng["ethnic"], guardian, _ethnic(rng["ethnic"], county), 0.95)
    docs = _documents(rng["docs"], county, birth, male, age)
    names = _names(rng["names"], male, ethnic, guardian)
    base = {
        "person_id": np.arange(1, n + 1, dtype=np.int64),
        "doc_type": docs["doc_type"],
        "id_number": docs["id_number"],
        "name": names,
        "sex": np.where(male, "男", "女"),
        "birth_date": pa.array(birth.astype("datetime64[D]"), pa.date32()),
        "ethnic": np.array(wordlists.ETHNIC_GROUPS)[ethnic],
        "region_code": town["code"].take(pa.array(idx)),
        "address": _addresses(rng["address"], town, idx),
        "postcode": np.array([POSTCODES[c] for c in regions.COUNTIES])[_county_index(county)],
        "phone": _phones(rng["phone"], n),
    }
    base |= _employment(rng["employment"], employers(scale, seed), age, male, county)
    base["is_migrant"] = docs["is_migrant"]
    base |= _guardian_columns(guardian, docs, names)
    return pa.table(
        {k: strs.arr(v) if not isinstance(v, pa.Array | pa.ChunkedArray) else v for k, v in base.items()}
    )


def _county_index(county: np.ndarray) -> np.ndarray:
    order = np.array(list(regions.COUNTIES))
    return np.searchsorted(order, county)


def _guardian_columns(guardian: np.ndarray, docs: dict, names: np.ndarray) -> dict[str, pa.Array]:
    mask = pa.array(guardian < 0)
    g = pa.array(np.where(guardian >= 0, guardian, 0))

    def col(values) -> pa.Array:
        return pc.if_else(mask, pa.scalar(None, pa.string()), strs.arr(values).take(g))

    return {
        "guardian_doc_type": col(docs["doc_type"]),
        "guardian_id_number": col(docs["id_number"]),
        "guardian_name": col(names),
    }
