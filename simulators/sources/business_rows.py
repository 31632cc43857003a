"""The rows of 社保业务信息库, one day at a time (see `simulators.sources.business`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulators import clock, strs, wordlists
from simulators.cards import bank_cards
from simulators.event_holders import PENSION_DAY
from simulators.institutions import institutions
from simulators.insured import PENSION_BENEFIT, Profile
from simulators.population import ages
from simulators.rand import hash_int, hash_u01, stream_rng
from yikatong import regions

PAY_TO_CARD = 0.85
MEDIUM = ("社保卡", "医保电子凭证", "电子社保卡")
MEDICAL_KINDS = (
    ("41", "定点药店购药", "药店", 0.55),
    ("11", "普通门诊", "医院", 0.38),
    ("21", "住院", "医院", 0.07),
)
BUSINESS_TYPES = (
    ("0101", "社保卡申领", 0.16),
    ("0102", "社保卡补换", 0.08),
    ("0103", "社保卡挂失", 0.04),
    ("0104", "社保卡解挂", 0.02),
    ("0105", "社保卡密码重置", 0.08),
    ("0106", "社保卡启用", 0.06),
    ("0201", "个人参保登记", 0.1),
    ("0202", "参保信息变更", 0.1),
    ("0301", "养老保险关系转移", 0.04),
    ("0302", "医保关系转移接续", 0.04),
    ("0401", "待遇资格认证", 0.12),
    ("0501", "参保证明打印", 0.1),
    ("0502", "个人权益记录查询", 0.06),
)


@dataclass
class BusinessContext:
    """What the business system knows: residents, their insurance and their current cards."""

    residents: pa.Table
    profile: Profile
    cards: pa.Table  # current cards: person_id, card_no, status, bank_account
    seed: int
    settlements_per_day: int
    transactions_per_day: int

    @functools.cached_property
    def county(self) -> np.ndarray:
        return np.asarray(
            pc.utf8_slice_codeunits(self.residents["region_code"], 0, 6).to_numpy(zero_copy_only=False)
        ).astype("U6")

    @functools.cached_property
    def card_of(self) -> np.ndarray:
        """Row in `cards` of each resident's active card (正常/临时挂失), -1 if none."""
        out = np.full(self.residents.num_rows, -1, dtype=np.int64)
        status = self.cards["status"].to_numpy(zero_copy_only=False)
        active = np.flatnonzero(np.isin(status, ["正常", "临时挂失"]))
        out[self.cards["person_id"].to_numpy()[active] - 1] = active
        return out

    @functools.cached_property
    def ident(self) -> pa.Table:
        """The columns every business row carries about the person."""
        return self.residents.select(["id_number", "name", "region_code"]).combine_chunks()

    @functools.cached_property
    def beneficiaries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _benefit_people(self.profile)

    @functools.cached_property
    def age(self) -> np.ndarray:
        return ages(self.residents["birth_date"].to_numpy())

    @functools.cached_property
    def patient_p(self) -> np.ndarray:
        """Probability of being the patient of a settlement: insured only, the old and the very young more."""
        age = self.age
        weight = np.where(
            self.profile.medical != "", 1.0 + (age >= 50) * 1.5 + (age >= 70) * 1.5 + (age < 6) * 1.0, 0.0
        )
        return weight / weight.sum()

    @functools.cached_property
    def adults(self) -> np.ndarray:
        return np.flatnonzero(self.age >= 16)

    @functools.cached_property
    def card_numbers(self) -> np.ndarray:
        return np.asarray(self.cards["card_no"].to_numpy(zero_copy_only=False), dtype=object)

    @functools.cached_property
    def card_accounts(self) -> np.ndarray:
        return np.asarray(self.cards["bank_account"].to_numpy(zero_copy_only=False), dtype=object)

    @functools.cached_property
    def other_accounts(self) -> np.ndarray:
        """Each resident's ordinary debit card (not the social security card)."""
        rng = stream_rng(self.seed, "business:other_accounts")
        bins = np.array(wordlists.OTHER_BINS, dtype=np.int64)
        return bank_cards(rng, bins[rng.integers(0, len(bins), self.residents.num_rows)])


def code_table() -> pa.Table:
    rows = [("YWLX", c, n) for c, n, _ in BUSINESS_TYPES] + [("AKA130", c, n) for c, n, _, _ in MEDICAL_KINDS]
    return pa.table(
        {"codetype": [r[0] for r in rows], "code": [r[1] for r in rows], "codename": [r[2] for r in rows]}
    )


def _ids(prefix: str, day: date | None, n: int) -> pa.Array:
    stamp = day.strftime("%Y%m%d") if day else "00000000"
    return strs.join(prefix + stamp, strs.zpad(np.arange(1, n + 1), 8))


def money(cents: np.ndarray) -> pa.Array:
    """Non-negative amounts in cents → numeric(12,2), exactly (through their decimal text)."""
    cents = np.asarray(cents, dtype=np.int64)
    return strs.join(strs.arr(cents // 100), ".", strs.zpad(cents % 100, 2)).cast(pa.decimal128(12, 2))


def _accounts(ctx: BusinessContext, person: np.ndarray) -> pa.Array:
    card = ctx.card_of[person]
    to_card = (card >= 0) & (hash_u01(ctx.seed, person, "pay_to_card") < PAY_TO_CARD)
    card_acct = ctx.card_accounts
    return pa.array(
        np.where(
            to_card, card_acct[np.maximum(card, 0)] if len(card_acct) else "", ctx.other_accounts[person]
        ),
        pa.string(),
    )


def _benefit_people(p: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person index, AAE140, 待遇类型) of everyone drawing a benefit."""
    pension = np.flatnonzero((p.pension_state == "4") & (p.pension != ""))
    unemp, injury = np.flatnonzero(p.unemployment_benefit), np.flatnonzero(p.injury_benefit)
    person = np.concatenate([pension, unemp, injury])
    code = np.concatenate(
        [p.pension[pension], np.full(len(unemp), "210"), np.full(len(injury), "410")]
    ).astype("U3")
    kind = np.array(
        [PENSION_BENEFIT.get(c, "失业金" if c == "210" else "工伤待遇") for c in code.tolist()], dtype=object
    )
    order = np.lexsort((code, person))
    return person[order], code[order], kind[order]


def _benefit_cents(seed: int, person: np.ndarray, code: np.ndarray) -> np.ndarray:
    u = hash_u01(seed, person * 1000 + code.astype(np.int64), "benefit_amount")
    base = {
        "110": (1800, 2600),
        "120": (3200, 3800),
        "170": (130, 320),
        "210": (1500, 400),
        "410": (1900, 1800),
    }
    lo = np.select([code == c for c in base], [v[0] for v in base.values()], 0)
    width = np.select([code == c for c in base], [v[1] for v in base.values()], 0)
    return np.round((lo + width * u**1.5) * 100).astype(np.int64)


def _paid_on(ctx: BusinessContext, day: date | None):
    """(person, AAE140, 待遇类型) of the payments made on `day`: each county pays on its own day."""
    empty = (np.array([], np.int64), np.array([], "U3"), np.array([], object))
    counties = [c for c, d in PENSION_DAY.items() if day and d == day.day]
    if not counties:
        return empty
    person, code, kind = ctx.beneficiaries
    here = np.isin(ctx.county[person], counties)
    return person[here], code[here], kind[here]


def benefit_payments(ctx: BusinessContext, day: date | None) -> pa.Table:
    """The month's payments made on `day` (none on most days; None gives the empty table)."""
    person, code, kind = _paid_on(ctx, day)
    r = ctx.ident.take(pa.array(person, pa.int64()))
    when = (
        clock.day_start(day) + clock.seconds(2 * 3600 + np.arange(len(person)) % 7200)
        if day
        else np.array([], "datetime64[s]")
    )
    return pa.table(
        {
            "aae076": _ids("DY", day, len(person)),
            "aac002": r["id_number"],
            "aac003": r["name"],
            "aae140": pa.array(code, pa.string()),
            "dylx": pa.array(kind, pa.string()),
            "aae002": pa.array(np.full(len(person), day.strftime("%Y%m") if day else ""), pa.string()),
            "aae019": money(_benefit_cents(ctx.seed, person, code)),
            "aae010": _accounts(ctx, person),
            "aab301": pa.array(ctx.county[person], pa.string()),
            "ffrq": clock.date_array(when),
            "aae036": clock.ts_array(when),
        }
    )


@functools.cache
def _institution_index(seed: int) -> tuple[dict, pa.Table]:
    inst = institutions(seed)
    kinds, counties = (
        inst["kind"].to_numpy(zero_copy_only=False),
        inst["county"].to_numpy(zero_copy_only=False),
    )
    groups = {
        (k, c): np.flatnonzero((kinds == k) & (counties == c))
        for k in ("医院", "药店")
        for c in regions.COUNTIES
    }
    groups |= {(k, None): np.flatnonzero(kinds == k) for k in ("医院", "药店")}
    return groups, inst


def _patients(ctx: BusinessContext, rng, n: int) -> np.ndarray:
    return rng.choice(len(ctx.patient_p), n, p=ctx.patient_p)


def _pick_institutions(ctx, rng, person: np.ndarray, kind: np.ndarray) -> np.ndarray:
    groups, _ = _institution_index(ctx.seed)
    local = rng.random(len(person)) < 0.85
    out = np.empty(len(person), np.int64)
    for k in ("医院", "药店"):
        for c in (*regions.COUNTIES, None):
            who = np.flatnonzero(
                (kind == k) & (local if c else ~local) & ((ctx.county[person] == c) if c else True)
            )
            pool = groups[(k, c)] if len(groups[(k, c)]) else groups[(k, None)]
            out[who] = pool[rng.integers(0, len(pool), len(who))]
    return out


def _split(
    rng, total: np.ndarray, cls: np.ndarray, employee: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(统筹, 个人账户, 现金) in cents, summing to `total`."""
    u = rng.random(len(total))
    fund_share = np.select(
        [cls == "41", cls == "11"], [0.0, 0.3 + 0.3 * u], np.where(employee, 0.6 + 0.25 * u, 0.5 + 0.2 * u)
    )
    fund = np.floor(total * fund_share).astype(np.int64)
    rest = total - fund
    acct_share = np.where(
        cls == "21",
        0.0,
        np.where(cls == "41", 0.7 + 0.3 * rng.random(len(total)), 0.5 + 0.5 * rng.random(len(total))),
    )
    account = np.where(employee, np.floor(rest * acct_share), 0).astype(np.int64)
    return fund, account, rest - account


def medical_settlements(ctx: BusinessContext, day: date | None) -> pa.Table:
    n = ctx.settlements_per_day if day else 0
    rng = stream_rng(ctx.seed, f"business:settlements:{day}")
    person = _patients(ctx, rng, n) if n else np.array([], np.int64)
    which = rng.choice(len(MEDICAL_KINDS), n, p=[k[3] for k in MEDICAL_KINDS])
    cls = np.array([k[0] for k in MEDICAL_KINDS])[which]
    inst_kind = np.array([k[2] for k in MEDICAL_KINDS])[which]
    inst_idx = _pick_institutions(ctx, rng, person, inst_kind)
    mu = np.select([cls == "41", cls == "11"], [np.log(60), np.log(180)], np.log(8000))
    total = np.maximum(np.round(np.exp(mu + 0.7 * rng.standard_normal(n)) * 100), 100).astype(np.int64)
    fund, account, cash = _split(rng, total, cls, ctx.profile.medical[person] == "310")
    when = clock.at_hours(
        np.full(n, np.datetime64(day or date(1970, 1, 1), "D")),
        rng.random(n),
        8,
        np.where(cls == "41", 22, 18),
    )
    return _settlement_table(ctx, rng, day, person, inst_idx, cls, (total, fund, account, cash), when)


def _settlement_table(ctx, rng, day, person, inst_idx, cls, amounts, when) -> pa.Table:
    order = np.lexsort((person, when))
    person, inst_idx, cls, when = person[order], inst_idx[order], cls[order], when[order]
    total, fund, account, cash = (a[order] for a in amounts)
    _, inst = _institution_index(ctx.seed)
    medium, card_no = _media(ctx, rng, person)
    r = ctx.ident.take(pa.array(person, pa.int64()))
    take = pa.array(inst_idx, pa.int64())
    return pa.table(
        {
            "aae076": _ids("JS", day, len(person)),
            "aac002": r["id_number"],
            "aac003": r["name"],
            "akb020": inst["code"].take(take),
            "akb021": inst["name"].take(take),
            "jglx": inst["kind"].take(take),
            "aka130": pa.array(cls, pa.string()),
            "akc264": money(total),
            "ake039": money(fund),
            "akb066": money(account),
            "akb067": money(cash),
            "jzlx": medium,
            "aaz500": card_no,
            "jssj": clock.ts_array(when),
            "aab301": pa.array(ctx.county[person], pa.string()),
            "aae036": clock.ts_array(when),
        }
    )


def _media(ctx, rng, person: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """How the patient identified (介质) and the card number when a social security card was used."""
    card = ctx.card_of[person]
    which = rng.choice(3, len(person), p=(0.4, 0.5, 0.1))
    which = np.where((card < 0) & (which != 1), 1, which)
    numbers = ctx.card_numbers
    card_no = np.where(which != 1, numbers[np.maximum(card, 0)] if len(numbers) else None, None)
    return pa.array(np.array(MEDIUM)[which], pa.string()), pa.array(card_no, pa.string())


def _staff_names(seed: int, outlet: np.ndarray, slot: np.ndarray) -> np.ndarray:
    """经办人: each outlet has four staff members with fixed names."""
    key = outlet.astype(np.int64) * 8 + slot
    surnames = wordlists.surnames()[0][:80]
    chars = wordlists.given_chars(True)
    given = chars[hash_int(seed, key, "staff_g1", 0, len(chars))]
    two = hash_u01(seed, key, "staff_len") < 0.6
    given = np.where(two, np.char.add(given, chars[hash_int(seed, key, "staff_g2", 0, len(chars))]), given)
    return np.char.add(surnames[hash_int(seed, key, "staff_s", 0, len(surnames))], given)


def transactions(ctx: BusinessContext, day: date | None) -> pa.Table:
    n = ctx.transactions_per_day if day else 0
    rng = stream_rng(ctx.seed, f"business:transactions:{day}")
    adults = ctx.adults
    person = np.sort(adults[rng.integers(0, len(adults), n)]) if n else np.array([], np.int64)
    btype = rng.choice(len(BUSINESS_TYPES), n, p=[b[2] for b in BUSINESS_TYPES])
    town = (
        ctx.ident["region_code"]
        .take(pa.array(person, pa.int64()))
        .to_numpy(zero_copy_only=False)
        .astype("U9")
    )
    outlet = np.char.add(town, np.where(rng.random(n) < 0.8, "001", "002")) if n else np.array([], "U12")
    staff = _staff_names(
        ctx.seed, outlet.astype(np.int64) if n else np.array([], np.int64), rng.integers(0, 4, n)
    )
    when = clock.at_hours(np.full(n, np.datetime64(day or date(1970, 1, 1), "D")), rng.random(n), 8.5, 17.5)
    order = np.lexsort((person, when))
    return _transaction_table(ctx, day, person[order], btype[order], outlet[order], staff[order], when[order])


def _transaction_table(ctx, day, person, btype, outlet, staff, when) -> pa.Table:
    from simulators.cardtables import outlet_names

    r = ctx.ident.take(pa.array(person, pa.int64()))
    return pa.table(
        {
            "aae076": _ids("YW", day, len(person)),
            "ywlx": pa.array(np.array([b[0] for b in BUSINESS_TYPES])[btype], pa.string()),
            "ywlxmc": pa.array(np.array([b[1] for b in BUSINESS_TYPES])[btype], pa.string()),
            "aac002": r["id_number"],
            "aac003": r["name"],
            "aae011": pa.array(staff, pa.string()),
            "jbjgbm": pa.array(outlet, pa.string()),
            "jbjgmc": pa.array(outlet_names(outlet), pa.string()),
            "aab301": pa.array(ctx.county[person], pa.string()),
            "jysj": clock.ts_array(when),
            "aae036": clock.ts_array(when),
        }
    )
