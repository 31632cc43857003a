"""The HMAC-SM3 chain behind the audit log: canonical form, row and head MACs, verification.

Pure functions over plain values, so the API (async) and `ykt audit verify` (sync) share them.
A row's MAC covers its sequence number, every field and the previous row's MAC:

- an **altered** row no longer matches its own MAC (its successor still points at the old MAC);
- an **inserted** row cannot carry a valid MAC (no key) and nothing points at it;
- a **deleted** row leaves a gap in `seq` (or, at the tail, a head that points past the end).
"""

from __future__ import annotations

import functools
import hmac as std_hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from yikatong.crypto import HmacSm3
from yikatong.settings import get_settings

GENESIS = "0" * 64
FIELDS = (
    "seq",
    "at",
    "actor",
    "actor_role",
    "actor_region",
    "action",
    "object_type",
    "object_id",
    "result",
    "reason",
    "detail",
    "client_ip",
    "request_id",
)


@functools.cache
def _mac(key_hex: str, purpose: str) -> HmacSm3:
    return HmacSm3(bytes.fromhex(key_hex), prefix=f"ykt-audit-{purpose}\x1f".encode())


def _key() -> str:
    return get_settings().audit_key


def _value(value: Any) -> Any:
    if isinstance(value, datetime):  # the server's time zone must not change the MAC
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def canonical(row: dict[str, Any]) -> bytes:
    """The bytes a row's MAC covers (fixed field order, JSON, UTF-8)."""
    return json.dumps([_value(row.get(name)) for name in FIELDS], ensure_ascii=False).encode()


def row_hash(prev_hash: str, row: dict[str, Any]) -> str:
    return _mac(_key(), "row").digest(prev_hash.encode() + b"\x1f" + canonical(row)).hex()


def head_mac(seq: int, last_hash: str) -> str:
    return _mac(_key(), "head").digest(f"{seq}\x1f{last_hash}".encode()).hex()


@dataclass(frozen=True)
class Issue:
    """One problem found: `kind` is altered | inserted | deleted | head."""

    seq: int | None
    kind: str
    message: str


@dataclass
class Report:
    rows: int = 0
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues


class Verifier:
    """Feed rows in `seq` order (each with `prev_hash` and `hash`), then `finish(head)`.

    A row with a bad MAC is held until its successor shows what it was: still pointed at, it was
    altered; skipped over (the successor links to the row before it), it was inserted.
    """

    def __init__(self) -> None:
        self.report, self._expected, self._prev = Report(), 1, GENESIS
        self._pending: dict[str, Any] | None = None
        self._before_pending = GENESIS

    def feed(self, row: dict[str, Any]) -> None:
        report, seq = self.report, row["seq"]
        report.rows += 1
        if self._pending is not None:  # skipped over wins: a forged row may copy its predecessor's hash
            self._settle(row["prev_hash"] == self._pending["hash"] != self._before_pending)
        if seq > self._expected:
            span = f"{self._expected}" if seq == self._expected + 1 else f"{self._expected}–{seq - 1}"
            report.issues.append(Issue(self._expected, "deleted", f"序号 {span} 的记录缺失（被删除）"))
        elif row["prev_hash"] != self._prev:
            report.issues.append(Issue(seq, "inserted", f"序号 {seq} 与前一条记录不衔接（插入或重排）"))
        if not std_hmac.compare_digest(row_hash(row["prev_hash"], row), row["hash"]):
            self._pending, self._before_pending = row, self._prev
        self._expected, self._prev = seq + 1, row["hash"]

    def _settle(self, referenced: bool) -> None:
        seq = self._pending["seq"]
        if referenced:
            self.report.issues.append(Issue(seq, "altered", f"序号 {seq} 的记录内容被篡改（摘要不符）"))
        else:  # the chain goes on from the row before the forged one
            self.report.issues.append(
                Issue(seq, "inserted", f"序号 {seq} 的记录不是由系统写入的（摘要无效）")
            )
            self._prev = self._before_pending
        self._pending = None

    def finish(self, head: dict[str, Any] | None) -> Report:
        if self._pending is not None:
            self._settle(head is not None and head["hash"] == self._pending["hash"])
        _check_head(self.report, head, self._expected - 1, self._prev)
        return self.report


def verify(rows: Iterable[dict[str, Any]], head: dict[str, Any] | None) -> Report:
    """Check every row and the head (see `Verifier`)."""
    verifier = Verifier()
    for row in rows:
        verifier.feed(row)
    return verifier.finish(head)


def _check_head(report: Report, head: dict[str, Any] | None, last_seq: int, last_hash: str) -> None:
    if head is None:
        if last_seq > 0:
            report.issues.append(Issue(None, "head", "审计链头缺失"))
        return
    if not std_hmac.compare_digest(head_mac(head["seq"], head["hash"]), head["mac"]):
        report.issues.append(Issue(None, "head", "审计链头被篡改（MAC 不符）"))
    elif head["seq"] > last_seq:
        span = f"{last_seq + 1}" if head["seq"] == last_seq + 1 else f"{last_seq + 1}–{head['seq']}"
        report.issues.append(Issue(last_seq + 1, "deleted", f"序号 {span} 的记录缺失（链尾被删除）"))
    elif head["seq"] < last_seq:
        if not any(i.kind == "inserted" and (i.seq or 0) > head["seq"] for i in report.issues):
            seq = head["seq"] + 1
            report.issues.append(Issue(seq, "inserted", f"序号 {seq} 起的记录不在链头之内（插入）"))
    elif head["hash"] != last_hash:
        report.issues.append(Issue(last_seq, "altered", f"序号 {last_seq} 与链头不符"))
