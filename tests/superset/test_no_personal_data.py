"""No dashboard dataset carries personal data (seed 5.4: portraits are aggregates; 等保三级).

Every table a Superset dataset reads, as dbt built it for the dashboards (`tests/dbt/world.py`), is
scanned whole: no column meant for a person (token, ciphertext, ID number, phone, name), and no
value that looks like an ID number, a mobile phone or a bank card, anywhere in any row.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from superset_assets import declaration as decl
from yikatong import db

pytestmark = [pytest.mark.integration, pytest.mark.superset]

PERSONAL_COLUMN = re.compile(r"token|cipher|masked|id_number|phone|person_name|holder_name|bank_card|card_no")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
BANK_CARD = re.compile(r"(?<!\d)62\d{14,17}(?!\d)")


@pytest.fixture(scope="module")
def analytics():
    from tests.dbt import world

    built = world.marts_built()
    if not built.success:
        pytest.fail("dbt build 失败：\n" + "\n".join(built.failures[:10]))
    return db.engine("analytics")


COLUMNS = "select column_name from information_schema.columns where table_schema = :s and table_name = :t"


@pytest.mark.parametrize("dataset", decl.DATASETS, ids=lambda d: d.table)
def test_dashboard_dataset_holds_no_personal_data(analytics, dataset) -> None:
    where = {"s": dataset.schema, "t": dataset.table}
    with analytics.connect() as conn:
        columns = conn.execute(sa.text(COLUMNS), where).scalars().all()
        rows = (
            conn.execute(sa.text(f'select t::text from "{dataset.schema}"."{dataset.table}" t'))
            .scalars()
            .all()
        )
    assert columns, f"{dataset.schema}.{dataset.table} 不存在"
    assert not [c for c in columns if PERSONAL_COLUMN.search(c)], columns
    assert rows, f"{dataset.table} 没有数据，扫描无意义"
    for pattern in (ID_NUMBER, MOBILE, BANK_CARD):
        found = [row for row in rows if pattern.search(row)]
        assert not found, f"{dataset.table}: {pattern.pattern} → {found[:3]}"
