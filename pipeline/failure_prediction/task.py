"""The pipeline task: train on the history up to the business date, write the risks to `analytics`.

`run(ds)` reads the self-check and alarm history (`history`), builds the device-day features
(`features`), fits the model on every day whose 7-day outcome is known (`model.fit`), scores the
last `KEEP_DAYS` days up to ``ds`` and replaces `public.raw_terminal_failure_prediction` (one row
per device × component × day; dbt's `mart_terminal_failure_prediction` keeps the riskiest
component per device and day). The held-out AUC of a time-based split rides along in every row.
Runs in `transform_marts` before `dbt build`:
``python -m pipeline.failure_prediction.task --ds 2026-11-27``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date, timedelta

import adbc_driver_postgresql.dbapi as adbc
import pandas as pd
import pyarrow as pa

from pipeline.failure_prediction import features, history, model
from yikatong import db

TABLE = "raw_terminal_failure_prediction"
KEEP_DAYS = 30
SCHEMA = pa.schema(
    [
        ("device_id", pa.string()),
        ("component", pa.string()),
        ("prediction_date", pa.date32()),
        ("failure_probability", pa.float64()),
        ("is_faulty", pa.bool_()),
        ("warn_7d", pa.int32()),
        ("measure_last", pa.float64()),
        ("days_since_fault", pa.int32()),
        ("method", pa.string()),
        ("trained_rows", pa.int32()),
        ("holdout_auc", pa.float64()),
        ("as_of_date", pa.date32()),
    ]
)


@dataclass(frozen=True)
class PredictionRun:
    as_of: date
    method: str
    trained_rows: int
    positives: int
    predicted_rows: int
    holdout_auc: float | None

    def summary(self) -> str:
        auc = f"{self.holdout_auc:.3f}" if self.holdout_auc is not None else "无（历史不足）"
        return (
            f"终端故障预测 {self.as_of}：{self.method}，"
            f"训练 {self.trained_rows} 行（故障 {self.positives}），"
            f"预测 {self.predicted_rows} 行，留出期 AUC {auc}"
        )


def predictions(frame: pd.DataFrame, as_of: date) -> tuple[pa.Table, PredictionRun]:
    """Fit on ``frame`` and score its last `KEEP_DAYS` days: the rows to load and the run's figures."""
    fitted = model.fit(frame)
    try:
        auc = model.evaluate(frame).auc
    except ValueError:  # too short a history for a held-out period
        auc = None
    recent = frame[frame["prediction_date"] > as_of - timedelta(days=KEEP_DAYS)]
    rows = pd.DataFrame(
        {
            "device_id": recent["device_id"],
            "component": recent["component"],
            "prediction_date": recent["prediction_date"],
            "failure_probability": fitted.predict(recent),
            "is_faulty": recent["fault_today"] > 0,
            "warn_7d": recent["warn_7d"].astype("int32"),
            "measure_last": recent["measure_last"],
            "days_since_fault": recent["days_since_fault"].astype("int32"),
            "method": fitted.method,
            "trained_rows": fitted.trained_rows,
            "holdout_auc": None if auc is None else round(auc, 4),
            "as_of_date": as_of,
        }
    )
    table = pa.Table.from_pandas(rows, schema=SCHEMA, preserve_index=False)
    return table, PredictionRun(as_of, fitted.method, fitted.trained_rows, fitted.positives, len(rows), auc)


def replace(conn, schema: str, rows: pa.Table) -> None:
    """`<schema>.raw_terminal_failure_prediction` replaced in one transaction (readers see old or new)."""
    target = f'"{schema}"."{TABLE}"'
    with conn.cursor() as cur:
        cur.execute(f"drop table if exists {target} cascade")  # dbt's staging view: rebuilt right after
        cur.adbc_ingest(TABLE, rows, mode="create", db_schema_name=schema)
    conn.commit()


def run(ds: date, schema: str = history.SCHEMA) -> PredictionRun:
    """Train on ``schema``'s history, predict and replace its prediction table, as of business date ``ds``."""
    with db.engine("analytics").connect() as conn:
        checks, alarms = history.selfcheck_items(conn, schema), history.alarms(conn, schema)
    frame = features.device_days(checks, alarms, ds)
    table, outcome = predictions(frame, ds)
    with adbc.connect(db.dsn("analytics")) as conn:
        replace(conn, schema, table)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.failure_prediction.task", description="终端故障预测（7 天内部件故障）"
    )
    parser.add_argument("--ds", type=date.fromisoformat, required=True, help="业务日期 YYYY-MM-DD")
    args = parser.parse_args(argv)
    try:
        print(run(args.ds).summary())
    except Exception as exc:  # the task log shows the reason; Airflow decides about retries
        print(f"任务失败 / task failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
