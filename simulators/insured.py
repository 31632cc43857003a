"""Who is insured for what (参保): the enrolments behind 全民参保库 and the benefits 业务库 pays.

Combinations follow the rules of the schemes: employees of 机关事业单位 are in 120 机关事业养老, other
employees in 110 企业职工养老, both with 310 职工医疗, 410 工伤, 210 失业 and 510 生育 through their
employer; 灵活就业 pay 110 (and 310 or 390) as individuals; the rest of the adults join 170 城乡居民养老
and 390 城乡居民医疗; children join 390. Retirees draw the pension of the scheme they were in.
Migrants without a Leshan employer are mostly insured at home.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from simulators.population import ages
from simulators.rand import stream_rng

INSURANCE_TYPES = {
    "110": "企业职工基本养老保险",
    "120": "机关事业单位养老保险",
    "170": "城乡居民基本养老保险",
    "310": "职工基本医疗保险",
    "390": "城乡居民基本医疗保险",
    "410": "工伤保险",
    "210": "失业保险",
    "510": "生育保险",
}
ENROL_STATES = {"1": "参保缴费", "2": "暂停缴费", "3": "终止参保", "4": "享受待遇"}
PENSION_BENEFIT = {"110": "企业职工养老", "120": "机关事业养老", "170": "城乡居民养老"}


@dataclass
class Profile:
    """Per resident (row order of residents): pension scheme, medical scheme, extra schemes, states."""

    pension: np.ndarray  # "" / 110 / 120 / 170
    pension_state: np.ndarray  # 1 paying / 2 suspended / 4 drawing
    medical: np.ndarray  # "" / 310 / 390
    injury: np.ndarray  # bool 410
    unemployment: np.ndarray  # bool 210
    maternity: np.ndarray  # bool 510
    unemployment_benefit: np.ndarray  # bool: draws 失业金 now
    injury_benefit: np.ndarray  # bool: draws 工伤待遇 now
    retired: np.ndarray


def profile(residents: pa.Table, seed: int) -> Profile:
    rng = stream_rng(seed, "insured")
    n = residents.num_rows
    age = ages(residents["birth_date"].to_numpy())
    male = residents["sex"].to_numpy(zero_copy_only=False) == "男"
    kind = np.asarray(residents["employer_kind"].fill_null("").to_numpy(zero_copy_only=False)).astype("U4")
    home_insured = (
        residents["is_migrant"].to_numpy(zero_copy_only=False) & (kind == "") & (rng.random(n) < 0.7)
    )
    retired = age >= np.where(male, 60, 55)
    pension, state = _pension(rng, kind, age, retired)
    medical = np.where(
        np.isin(kind, ["机关事业", "企业"]) | ((kind == "灵活就业") & (rng.random(n) < 0.5)), "310", "390"
    )
    medical = np.where(retired & np.isin(pension, ["110", "120"]), "310", medical)
    medical = np.where(rng.random(n) < 0.03, "", medical)
    employee = np.isin(kind, ["机关事业", "企业"])
    unemployed = (age >= 18) & ~retired & (kind == "") & (rng.random(n) < 0.015)
    injury = employee & (rng.random(n) < 0.95)
    p = Profile(
        pension,
        state,
        medical,
        injury,
        (employee & (rng.random(n) < 0.9)) | unemployed,
        employee & (rng.random(n) < 0.9),
        unemployed,
        injury & (rng.random(n) < 0.004),
        retired,
    )
    return _without(p, home_insured)


def _pension(rng, kind: np.ndarray, age: np.ndarray, retired: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(kind)
    u = rng.random(n)
    retiree = np.where(u < 0.40, "110", np.where(u < 0.50, "120", np.where(u < 0.95, "170", "")))
    working = np.where(
        kind == "机关事业",
        "120",
        np.where(
            kind == "企业",
            "110",
            np.where(
                kind == "灵活就业",
                np.where(rng.random(n) < 0.8, "110", ""),
                np.where(rng.random(n) < 0.7, "170", ""),
            ),
        ),
    )
    pension = np.where(retired, retiree, np.where(age >= 16, working, ""))
    suspended = np.isin(pension, ["110", "170"]) & ~retired & (kind != "企业") & (rng.random(n) < 0.1)
    state = np.where(retired & (pension != ""), "4", np.where(suspended, "2", "1"))
    return pension, state


def _without(p: Profile, mask: np.ndarray) -> Profile:
    """Drop every Leshan enrolment of the residents in `mask` (insured elsewhere)."""
    return Profile(
        np.where(mask, "", p.pension),
        p.pension_state,
        np.where(mask, "", p.medical),
        p.injury & ~mask,
        p.unemployment & ~mask,
        p.maternity & ~mask,
        p.unemployment_benefit & ~mask,
        p.injury_benefit & ~mask,
        p.retired,
    )


def enrolments(p: Profile) -> dict[str, np.ndarray]:
    """Long form: person index, AAE140 code, AAC008 state, one entry per enrolment."""
    parts = [(np.flatnonzero(p.pension != ""), p.pension[p.pension != ""], p.pension_state[p.pension != ""])]
    parts.append(
        (
            np.flatnonzero(p.medical != ""),
            p.medical[p.medical != ""],
            np.where(p.retired[p.medical != ""], "4", "1"),
        )
    )
    for code, mask, drawing in (
        ("410", p.injury, p.injury_benefit),
        ("210", p.unemployment, p.unemployment_benefit),
        ("510", p.maternity, np.zeros_like(p.maternity)),
    ):
        idx = np.flatnonzero(mask)
        parts.append((idx, np.full(len(idx), code), np.where(drawing[idx], "4", "1")))
    person = np.concatenate([x[0] for x in parts])
    order = np.lexsort((np.concatenate([x[1] for x in parts]).astype("U3"), person))
    return {
        "person": person[order],
        "aae140": np.concatenate([x[1] for x in parts]).astype("U3")[order],
        "aac008": np.concatenate([x[2] for x in parts]).astype("U1")[order],
    }
