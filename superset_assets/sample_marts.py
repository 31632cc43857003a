"""Sample rows for the declared marts, for tests and benchmarks when dbt has not built them.

Not used by `make run` (there the marts come from `dbt build`). The tables get exactly the columns
`declaration.py` declares, with real region codes and names, the city's categories (发卡/补卡/换卡,
机关/企业/城乡居民, the seven statistics, the five problem-card kinds) and deterministic values for a
seed, so a test can compare Superset's numbers with the same table queried directly.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import psycopg

from superset_assets import declaration as decl
from superset_assets.model import Dataset
from yikatong import db, regions

DAYS = 30
START = date(2026, 10, 1)
CATEGORIES = {
    "issue_type": ("发卡", "补卡", "换卡"),
    "stat_name": decl.CARD_STATS,
    "stage_name": ("申请", "审核", "银行开户", "省级制卡", "市级接收", "发往网点", "领卡"),
    "channel": ("微信", "天府通办", "智乐山", "自助机", "柜面"),
    "problem_category": ("制卡未领>30天", "领卡失败", "回盘失败", "已过期", "挂失未补"),
    "pension_group": ("机关", "企业", "城乡居民"),
    "business_category": ("经办业务", "待遇发放", "医保结算"),
    "business_type": ("参保登记", "缴费", "养老金发放", "门诊结算", "关系转移"),
    "source_system": ("src_card_system", "src_insurance", "src_holder", "src_business", "exchange"),
    "source_title": ("省卡管系统", "全民参保库", "参保人员持卡库", "社保业务信息库", "市共享交换平台"),
    "source_table": ("card", "person", "holder", "business_transaction", "exchange_file"),
    "device_type": ("自助制发卡一体机", "自助查询机"),
    "batch_status": ("成功", "失败"),
    "reconciliation_status": ("一致", "不一致", "未对账"),
    "component_name": ("读卡器", "身份证阅读器", "摄像头", "凭条打印机", "网络"),
    "risk_level": ("高", "中", "低"),
}


# 业务统计 items per statistic, as the dbt mart breaks them down.
STAT_ITEMS = {
    "设备": ("合计", "启用", "停用", "在线", "离线"),
    "预制卡": ("添加", "使用", "数量", "已使用", "未使用"),
}


def _value(name: str, sql_type: str, rng: random.Random, day: date, town: regions.Region) -> object:
    county = regions.get(town.parent)
    fixed: dict[str, Callable[[], object]] = {
        "county_code": lambda: county.code,
        "county_name": lambda: county.name,
        "township_code": lambda: town.code,
        "township_name": lambda: town.name,
        "outlet_code": lambda: f"{town.code}{rng.randint(1, 3):03d}",
        "device_id": lambda: f"ZZ{town.code[4:]}{rng.randint(1, 4):02d}",
        "stage_order": lambda: rng.randint(1, 7),
        "outlet_name": lambda: f"{town.name}网点",
    }
    if name in fixed:
        return fixed[name]()
    if name in CATEGORIES:
        return rng.choice(CATEGORIES[name])
    if name == "stat_item":
        return None  # filled from stat_name in rows()
    if sql_type == "BOOLEAN":
        return rng.random() < 0.6
    if sql_type == "DATE":
        return day.replace(day=1) if name.endswith("month") else day
    if name.endswith("_rate") or name == "failure_probability":
        return round(rng.random(), 4)
    if sql_type in {"DOUBLE PRECISION", "NUMERIC"}:
        return round(rng.uniform(0, 5000), 2)
    return rng.randint(0, 500)


def rows(ds: Dataset, n: int, seed: int) -> Iterator[tuple[object, ...]]:
    """`n` deterministic rows for this dataset (days, townships and categories drawn from the seed)."""
    rng = random.Random(f"{seed}:{ds.table}")
    towns = regions.townships()
    for _ in range(n):
        day = START + timedelta(days=rng.randrange(DAYS))
        town = rng.choice(towns)
        row = {c.name: _value(c.name, c.type, rng, day, town) for c in ds.stored_columns}
        if "stat_item" in row:
            row["stat_item"] = rng.choice(STAT_ITEMS.get(str(row["stat_name"]), ("合计",)))
        yield tuple(row.values())


def seed(
    database: str,
    rows_per_mart: int = 2000,
    seed_value: int = 20261128,
    schema: str = "marts",
    copies: int = 1,
) -> None:
    """(Re)create every declared mart in `database`.`schema` and COPY the sample rows in.

    `copies` > 1 generates `rows_per_mart / copies` rows and repeats them inside PostgreSQL (for
    benchmark volumes: the same groups, `copies` times the rows, without generating each in Python).
    """
    generated = max(1, rows_per_mart // copies)
    db.ensure_databases((database,))
    with psycopg.connect(db.dsn(database), autocommit=False) as conn:
        conn.execute(f'create schema if not exists "{schema}"')
        for ds in decl.DATASETS:
            cols = ", ".join(f'"{c.name}" {c.type}' for c in ds.stored_columns)
            conn.execute(f'drop table if exists "{schema}"."{ds.table}" cascade')
            conn.execute(f'create table "{schema}"."{ds.table}" ({cols})')
            names = ", ".join(f'"{c.name}"' for c in ds.stored_columns)
            with conn.cursor().copy(f'copy "{schema}"."{ds.table}" ({names}) from stdin') as copy:
                for row in rows(ds, generated, seed_value):
                    copy.write_row(row)
            if copies > 1:
                conn.execute(
                    f'insert into "{schema}"."{ds.table}" ({names}) select {names} '
                    f'from "{schema}"."{ds.table}", generate_series(2, {int(copies)})'
                )
            if ds.region_column:
                conn.execute(f'create index on "{schema}"."{ds.table}" ("{ds.region_column}")')
            conn.execute(f'analyze "{schema}"."{ds.table}"')
        conn.commit()
