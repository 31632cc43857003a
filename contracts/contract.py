"""A data contract (数据契约): what one silver dataset promises, declared in code next to its job.

Each dataset has a module ``contracts/<dataset>.py`` that defines ``CONTRACT``; :func:`get` finds it
by name, so adding a dataset never edits a shared registry file. The expectations are Great
Expectations 1.x objects built lazily (GX takes seconds to import), and each may carry a Chinese
reason in ``meta={"reason": ...}`` that the quarantine shows to the data steward.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = ["Contract", "get"]


@dataclass(frozen=True)
class Contract:
    """One dataset's contract.

    ``key``: the business key, declared for readers and downstream loads (the runner itself always
    checks ``_row_id``; a contract states its key's uniqueness among its expectations).
    ``threshold``: the largest share of failing candidate rows that still lets the task succeed
    (the failing rows are quarantined either way).
    ``expectations``: builds the suite; it may take the logical date (for "not after the business
    day" bounds) or nothing. ``check_columns``: columns computed only for the checks (``_id_check``,
    ``_text_ok``, ``_has_person`` …), dropped from the accepted rows.
    """

    name: str
    key: list[str]
    threshold: float
    expectations: Callable[..., Sequence[Any]]
    check_columns: list[str] = field(default_factory=list)

    def build(self, ds: date) -> list[Any]:
        """The suite's expectations for logical date ``ds``."""
        takes_date = bool(inspect.signature(self.expectations).parameters)
        return list(self.expectations(ds) if takes_date else self.expectations())


def get(dataset: str) -> Contract:
    """The contract of ``dataset`` (module ``contracts.<dataset>``, attribute ``CONTRACT``)."""
    try:
        module = importlib.import_module(f"contracts.{dataset}")
    except ModuleNotFoundError as exc:
        if exc.name != f"contracts.{dataset}":
            raise
        raise KeyError(f"未定义数据契约 / no contract for dataset {dataset!r}") from None
    contract = getattr(module, "CONTRACT", None)
    if not isinstance(contract, Contract):
        raise KeyError(f"contracts.{dataset} 未定义 CONTRACT / defines no CONTRACT")
    return contract
