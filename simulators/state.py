"""What a simulation leaves behind for `advance`: its parameters and the clean current cards.

Stored beside the card system's own tables in `src_card_system` (`sim_state`, `sim_cards`, both
marked as simulator state, not part of the 卡管系统), plus the combined dirt manifest as parquet in
`<sources_dir>/dirt_manifest.parquet`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from simulators.sources.loader import connect, copy_rows, read_table
from yikatong.settings import get_settings

DATABASE = "src_card_system"
CARD_COLUMNS = (
    "person_id",
    "card_no",
    "serial",
    "id_number",
    "status",
    "issue_date",
    "expiry_date",
    "bank",
    "bank_account",
    "county",
    "outlet_code",
    "made_time",
    "get_time",
    "kiosk",
)
DDL = """
DROP TABLE IF EXISTS sim_state; DROP TABLE IF EXISTS sim_cards;
CREATE TABLE sim_state (scale VARCHAR(10) NOT NULL, seed BIGINT NOT NULL, dirt_rate DOUBLE PRECISION NOT NULL,
  as_of DATE NOT NULL, fingerprint VARCHAR(64) NOT NULL, next_card_serial BIGINT NOT NULL);
COMMENT ON TABLE sim_state IS '模拟器状态（非卡管系统业务表）：规模、种子、数据截至日期、指纹';
CREATE TABLE sim_cards (person_id BIGINT PRIMARY KEY, card_no VARCHAR(9) NOT NULL, serial BIGINT NOT NULL,
  id_number VARCHAR(18) NOT NULL, status VARCHAR(10) NOT NULL, issue_date DATE NOT NULL,
  expiry_date DATE NOT NULL, bank SMALLINT NOT NULL, bank_account VARCHAR(19) NOT NULL,
  county VARCHAR(6) NOT NULL, outlet_code VARCHAR(12) NOT NULL,
  made_time TIMESTAMP(0) NOT NULL, get_time TIMESTAMP(0), kiosk BOOLEAN NOT NULL);
COMMENT ON TABLE sim_cards IS '模拟器状态（非卡管系统业务表）：每人当前卡的真实（未污染）信息';
"""


class NotSimulatedError(ValueError):
    """`advance` before any `simulate`."""


@dataclass(frozen=True, slots=True)
class SimState:
    scale: str
    seed: int
    dirt_rate: float
    as_of: date
    fingerprint: str
    next_card_serial: int


def manifest_path() -> Path:
    return get_settings().sources_dir / "dirt_manifest.parquet"


def write_manifest_file(manifest: pa.Table) -> Path:
    path = manifest_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(manifest, tmp, compression="zstd")
    tmp.replace(path)
    return path


def save(world, current: pa.Table, fingerprint: str, next_card_serial: int) -> None:
    """Replace the state with this run's (after `simulate`)."""
    with connect(DATABASE) as conn:
        conn.execute(DDL)
        conn.execute(
            "INSERT INTO sim_state VALUES (%s, %s, %s, %s, %s, %s)",
            (world.scale.name, world.seed, world.dirt_rate, world.as_of, fingerprint, next_card_serial),
        )
        copy_rows(conn, "sim_cards", current.select(list(CARD_COLUMNS)))


def load() -> SimState:
    """The state of the last simulation; NotSimulatedError (Chinese message) when there is none."""
    try:
        with connect(DATABASE) as conn:
            row = conn.execute(
                "SELECT scale, seed, dirt_rate, as_of, fingerprint, next_card_serial FROM sim_state"
            ).fetchone()
    except Exception as exc:  # missing database or table: nothing was simulated here
        if "does not exist" not in str(exc):
            raise
        row = None
    if row is None:
        raise NotSimulatedError("尚未生成模拟数据：请先运行 ykt simulate，再使用 --advance")
    return SimState(*row)


CARD_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("card_no", pa.string()),
        ("serial", pa.int64()),
        ("id_number", pa.string()),
        ("status", pa.string()),
        ("issue_date", pa.date32()),
        ("expiry_date", pa.date32()),
        ("bank", pa.int64()),
        ("bank_account", pa.string()),
        ("county", pa.string()),
        ("outlet_code", pa.string()),
        ("made_time", pa.timestamp("s")),
        ("get_time", pa.timestamp("s")),
        ("kiosk", pa.bool_()),
    ]
)


def load_cards() -> pa.Table:
    """The clean current cards, in person order."""
    with connect(DATABASE) as conn:
        return read_table(
            conn, f"SELECT {', '.join(CARD_COLUMNS)} FROM sim_cards ORDER BY person_id", CARD_SCHEMA
        )


def update(st: SimState, cards: pa.Table) -> None:
    """Record an advanced day: the new date and fingerprint, and the clean current cards."""
    with connect(DATABASE) as conn:
        conn.execute(
            "UPDATE sim_state SET as_of = %s, fingerprint = %s, next_card_serial = %s",
            (st.as_of, st.fingerprint, st.next_card_serial),
        )
        conn.execute("TRUNCATE sim_cards")
        copy_rows(conn, "sim_cards", cards.select(list(CARD_COLUMNS)))


def append_manifest_file(rows: pa.Table) -> Path:
    """Add an advanced day's dirt to the combined manifest file."""
    path = manifest_path()
    old = pq.read_table(path) if path.exists() else rows.schema.empty_table()
    return write_manifest_file(pa.concat_tables([old, rows.cast(old.schema)]))
