"""What every 社保业务库 record about a person promises (业务记录契约): shared by several contracts.

A unique, present record number; a valid 证件号码 whose 姓名 agrees with the person master data;
readable text; the person's token; a 行政区划 in 乐山市's tree; no handling time after the
business day. A dataset adds its own expectations and keeps the shared check columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from contracts import expect
from contracts.contract import Contract

__all__ = ["CHECK_COLUMNS", "person_record_contract"]

CHECK_COLUMNS = ["_id_check", "_name_ok", "_text_ok"]  # spark_jobs.common.PERSON_CHECKS


def shared(key: str, label: str, region_label: str, ds: date) -> list[Any]:
    """The expectations every such record shares (``label``: the record number's Chinese name)."""
    return [
        expect.not_null(key, f"{label}为空"),
        expect.unique([key], f"{label}重复"),
        expect.id_valid(),
        expect.is_true("_name_ok", "姓名与人员主数据不一致（姓名异写）或为空"),
        expect.text_ok(),
        expect.not_null("id_token", "社会保障号码为空"),
        expect.not_null("region_code", f"{region_label}为空"),
        expect.region_in_tree("region_code"),
        expect.not_after("handled_at", ds),
    ]


def person_record_contract(
    name: str,
    key: str,
    label: str,
    own: Callable[[date], Sequence[Any]],
    region_label: str = "行政区划",
    threshold: float = 0.1,
) -> Contract:
    """The contract of dataset ``name``: :func:`shared` plus the dataset's ``own`` expectations."""

    def expectations(ds: date) -> list[Any]:
        return [*shared(key, label, region_label, ds), *own(ds)]

    return Contract(name=name, key=[key], threshold=threshold, expectations=expectations,
                    check_columns=list(CHECK_COLUMNS))  # fmt: skip
