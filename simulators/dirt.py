"""Dirty data (脏数据) injected into the upstream systems, with a manifest naming every spoiled row.

Real upstream data has typos in ID numbers, impossible dates, retired or mistyped region codes, the
same person spelled two ways in two systems, cards whose holder is missing, negative amounts,
clocks in the future, text decoded with the wrong charset and empty required fields. `inject` spoils
`rate` of the rows of each table (at least one per table when the rate is positive), one defect per
row, deterministically for a seed, and returns the manifest: one row per spoiled row and defect,
keyed by the table's primary key. A `card_without_holder` is an added row (a card whose AAC002 has no
person), the other defects change one value of an existing row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulators import clock
from simulators.rand import stream_rng
from yikatong import regions
from yikatong.ids import CHECK_CHARS, check_char

DEFECTS = (
    "bad_check_digit",
    "impossible_date",
    "unknown_region",
    "name_variant",
    "card_without_holder",
    "negative_amount",
    "future_time",
    "mojibake",
    "null_required",
)
MANIFEST_SCHEMA = pa.schema(
    [(n, pa.string()) for n in ("source_db", "table", "key_column", "key_value", "column", "defect")]
)

# (column, defect) pairs each table can suffer.
PLAN: dict[str, tuple[tuple[str, str], ...]] = {
    "kgl_card": (
        ("aac002", "bad_check_digit"),
        ("aab301", "unknown_region"),
        ("aac003", "mojibake"),
        ("fkrq", "impossible_date"),
        ("aac002", "card_without_holder"),
        ("aac003", "null_required"),
    ),
    "kgl_apply": (
        ("aac002", "bad_check_digit"),
        ("aac002", "impossible_date"),
        ("applytime", "future_time"),
        ("aab301", "unknown_region"),
        ("aac003", "null_required"),
    ),
    "qmcb_person": (
        ("aac002", "bad_check_digit"),
        ("aac006", "impossible_date"),
        ("aac003", "name_variant"),
        ("aae006", "mojibake"),
        ("aab301", "unknown_region"),
        ("aac002", "null_required"),
    ),
    "qmcb_enrolment": (
        ("aab301", "unknown_region"),
        ("aac030", "impossible_date"),
        ("aae140", "null_required"),
    ),
    "cyk_holder": (
        ("aac003", "name_variant"),
        ("txdz", "mojibake"),
        ("aac002", "bad_check_digit"),
        ("lxdh", "null_required"),
    ),
    "cyk_card": (("aac002", "card_without_holder"), ("aac002", "bad_check_digit"), ("fkd", "unknown_region")),
    "ywk_benefit_payment": (
        ("aae019", "negative_amount"),
        ("aac002", "bad_check_digit"),
        ("aab301", "unknown_region"),
        ("aac003", "mojibake"),
        ("aae010", "null_required"),
    ),
    "ywk_medical_settlement": (
        ("akc264", "negative_amount"),
        ("jssj", "future_time"),
        ("aac002", "bad_check_digit"),
        ("akb020", "null_required"),
        ("aac003", "name_variant"),
    ),
    "ywk_transaction": (
        ("jysj", "future_time"),
        ("aac002", "bad_check_digit"),
        ("aae011", "null_required"),
        ("aac003", "name_variant"),
        ("aab301", "unknown_region"),
    ),
}
BAD_MMDD = ("0230", "0231", "0431", "0631", "0931", "1131", "1301", "1232", "0000")
UNKNOWN_REGIONS = tuple(
    c for c in ("511199", "511150", "511130", "511160", "511170", "511190", "511140") if not regions.exists(c)
)
MANIFEST_DDL = """
CREATE TABLE dirt_manifest (
  source_db VARCHAR(30) NOT NULL, "table" VARCHAR(60) NOT NULL, key_column VARCHAR(30) NOT NULL,
  key_value VARCHAR(40) NOT NULL, "column" VARCHAR(30) NOT NULL, defect VARCHAR(30) NOT NULL);
COMMENT ON TABLE dirt_manifest IS '模拟器注入的脏数据清单（测试与数据质量核对用，非业务表）';
COMMENT ON COLUMN dirt_manifest.source_db IS '来源数据库';
COMMENT ON COLUMN dirt_manifest."table" IS '表名';
COMMENT ON COLUMN dirt_manifest.key_column IS '主键列';
COMMENT ON COLUMN dirt_manifest.key_value IS '主键值';
COMMENT ON COLUMN dirt_manifest."column" IS '被污染的列';
COMMENT ON COLUMN dirt_manifest.defect IS '缺陷类型';
"""
MANIFEST_FINISH = """
CREATE UNIQUE INDEX dirt_manifest_row ON dirt_manifest ("table", key_value, defect);
"""
HOMOPHONES = dict(
    zip(
        "伟明华丽军芳静敏杰涛霞燕玲娟勇刚平辉斌红英秀兰林建强波",
        "玮铭桦莉君方婧民洁滔侠艳琳鹃永钢萍晖彬虹瑛琇岚琳健蔷博",
        strict=True,
    )
)


@dataclass
class DirtContext:
    """What injection needs besides the tables: the run, the clock, and the number ranges in use."""

    seed: int
    rate: float
    end: np.datetime64  # the last second of simulated time: `future_time` lies well after it
    resident_ids: set[str]
    next_card_serial: int
    stream: str = "dirt"
    at_least_one: bool = True  # simulate: every plannable table gets dirt; advance: binomial counts
    manifests: list[pa.Table] = field(default_factory=list)

    def manifests_for(self, database: str) -> pa.Table:
        rows = manifest_table(self.manifests)
        return rows.filter(pc.equal(rows["source_db"], database))

    def take_card_serials(self, n: int) -> np.ndarray:
        out = np.arange(self.next_card_serial, self.next_card_serial + n)
        self.next_card_serial += n
        return out


def inject(
    ctx: DirtContext, database: str, tables: dict[str, pa.Table], keys: dict[str, str]
) -> dict[str, pa.Table]:
    """Spoil the planned tables of one database; the manifest rows go to `ctx.manifests`."""
    out = dict(tables)
    for name, table in tables.items():
        if name in PLAN and table.num_rows and ctx.rate > 0:
            out[name], manifest = _inject_table(ctx, database, name, table, keys[name])
            ctx.manifests.append(manifest)
    return out


def _counts(
    rng: np.random.Generator, n_rows: int, rate: float, n_kinds: int, at_least_one: bool = True
) -> np.ndarray:
    """How many rows get each of the table's defects (the remainder spread at random)."""
    total = max(1, round(n_rows * rate)) if at_least_one else int(rng.binomial(n_rows, rate))
    counts = np.full(n_kinds, total // n_kinds)
    counts[rng.permutation(n_kinds)[: total % n_kinds]] += 1
    return counts


def _inject_table(ctx: DirtContext, database: str, name: str, table: pa.Table, key: str):
    rng = stream_rng(ctx.seed, f"{ctx.stream}:{name}")
    used = np.zeros(table.num_rows, dtype=bool)
    manifests, added = [], []
    for (column, defect), count in zip(
        PLAN[name], _counts(rng, table.num_rows, ctx.rate, len(PLAN[name]), ctx.at_least_one), strict=True
    ):
        eligible = np.flatnonzero(_eligible(table[column], defect) & ~used)
        rows = (
            np.sort(rng.choice(eligible, min(count, len(eligible)), replace=False)) if count else eligible[:0]
        )
        if defect == "card_without_holder":
            new = _orphan_cards(ctx, rng, table, rows, key)
            added.append(new)
            keys = new[key]
        else:
            used[rows] = True
            table = table.set_column(
                table.schema.get_field_index(column), column, _spoil(ctx, rng, table[column], rows, defect)
            )
            keys = table[key].take(pa.array(rows, pa.int64()))
        manifests.append(_manifest_rows(database, name, key, keys, column, defect))
    return pa.concat_tables([table, *added]), pa.concat_tables(manifests)


def _manifest_rows(database, table, key, keys, column, defect) -> pa.Table:
    n = len(keys)
    const = lambda v: pa.array([v] * n, pa.string())  # noqa: E731
    return pa.table(
        [const(database), const(table), const(key), pc.cast(keys, pa.string()), const(column), const(defect)],
        schema=MANIFEST_SCHEMA,
    )


def _eligible(values: pa.ChunkedArray, defect: str) -> np.ndarray:
    """Rows whose value can carry the defect (a GB 11643 number for check digits, a positive amount…)."""
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    if defect in ("bad_check_digit", "impossible_date") and pa.types.is_string(values.type):
        text = values.fill_null("")
        gb = pc.and_(pc.equal(pc.utf8_length(text), 18), pc.invert(pc.starts_with(text, "9")))
        is_date = pc.and_(pc.equal(pc.utf8_length(text), 8), pa.scalar(defect == "impossible_date"))
        return valid & pc.or_(gb, is_date).to_numpy(zero_copy_only=False)
    if defect == "negative_amount":
        return valid & pc.greater(values.fill_null(0), 0).to_numpy(zero_copy_only=False)
    return valid


def _spoil(ctx: DirtContext, rng, values: pa.ChunkedArray, rows: np.ndarray, defect: str) -> pa.Array:
    column = values.combine_chunks()
    if not len(rows):
        return column
    old = column.take(pa.array(rows, pa.int64())).to_pylist()
    new = [_spoil_value(ctx, rng, v, defect) for v in old]
    mask = np.zeros(len(column), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(column, pa.array(mask), pa.array(new, column.type))


def _spoil_value(ctx: DirtContext, rng, value, defect: str):
    """One spoiled value (see the module docstring for each defect)."""
    if defect == "null_required":
        return None
    if defect == "bad_check_digit":
        return value[:17] + CHECK_CHARS[(CHECK_CHARS.index(value[17]) + 1 + int(rng.integers(10))) % 11]
    if defect == "impossible_date":
        return _impossible_date(rng, value)
    if defect == "unknown_region":
        return UNKNOWN_REGIONS[int(rng.integers(len(UNKNOWN_REGIONS)))]
    if defect == "name_variant":
        return name_variant(value)
    if defect == "mojibake":
        return mojibake(value)
    if defect == "negative_amount":
        return -value
    if defect == "future_time":  # a mistyped year or a clock run wild: well after the simulated days
        later = ctx.end.astype("datetime64[D]").astype(object) + timedelta(
            days=int(200 + rng.integers(0, 3000))
        )
        return datetime.combine(later, value.time())
    raise ValueError(f"未知缺陷类型 {defect}")


def _impossible_date(rng, value: str) -> str:
    bad = BAD_MMDD[int(rng.integers(len(BAD_MMDD)))]
    if len(value) == 8:
        return value[:4] + bad
    first17 = value[:10] + bad + value[14:17]
    return first17 + check_char(first17)


def name_variant(name: str) -> str:
    """The same name as another clerk typed it: a homophone character, or a full-width space inside."""
    for i, ch in enumerate(name[1:], start=1):
        if ch in HOMOPHONES:
            return name[:i] + HOMOPHONES[ch] + name[i + 1 :]
    return name[:1] + "\u3000" + name[1:]


def mojibake(text: str) -> str:
    """UTF-8 bytes read as GBK (锟斤拷-style garbage)."""
    return text.encode("utf-8").decode("gbk", errors="replace")


def _orphan_cards(ctx: DirtContext, rng, table: pa.Table, rows: np.ndarray, key: str) -> pa.Table:
    """Copies of card rows under new card numbers, for ID numbers that belong to nobody."""
    from simulators.cards import card_numbers

    added = table.take(pa.array(rows, pa.int64()))
    numbers = card_numbers(ctx.take_card_serials(len(rows)))
    added = added.set_column(added.schema.get_field_index(key), key, pa.array(numbers, pa.string()))
    return added.set_column(
        added.schema.get_field_index("aac002"),
        "aac002",
        pa.array(_stranger_ids(ctx, rng, len(rows)), pa.string()),
    )


def _stranger_ids(ctx: DirtContext, rng, n: int) -> list[str]:
    """Valid ID numbers of people who are not residents."""
    out: list[str] = []
    counties = list(regions.COUNTIES)
    while len(out) < n:
        born = np.datetime64("1950-01-01") + np.timedelta64(int(rng.integers(0, 20000)), "D")
        county, seq = counties[int(rng.integers(len(counties)))], int(rng.integers(0, 1000))
        first17 = f"{county}{clock.ymd(np.array([born]))[0]}{seq:03d}"
        number = first17 + check_char(first17)
        if number not in ctx.resident_ids and number not in out:
            out.append(number)
    return out


def manifest_table(manifests: list[pa.Table]) -> pa.Table:
    return pa.concat_tables(manifests) if manifests else MANIFEST_SCHEMA.empty_table()
