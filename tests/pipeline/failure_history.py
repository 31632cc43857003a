"""The simulated fleet history the failure-prediction tests and the Superset world use (built once).

30 kiosks × 60 days from the kiosk simulator (seed 7): boot self-checks as the service stores them,
the state changes and alarms of one heartbeat an hour (`simulators.kiosk_ops_history`). The model
tests use the self-checks alone (no alarms), with the numeric value the history reader extracts.
Measured on it (2026-11-28), held-out AUC of a 70/30 time split: 0.75 on the self-checks alone,
0.67 with the alarms too (the alarm pins each failure to its own day, so "within 7 days" starts
after it, not after the next boot check); the tests assert a floor of 0.65 for both.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime

import pandas as pd

from pipeline.failure_prediction import features

DEVICES, DAYS, SEED = 30, 60, 7
END = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)  # Beijing 11-28 08:00: the business date is 11-27
AS_OF = date(2026, 11, 27)
AUC_FLOOR = 0.65


@functools.cache
def history():
    """`simulators.kiosk_ops_history.FleetHistory`: self-check items, state changes, alarms, failures."""
    from simulators.kiosk_ops_history import fleet_history

    return fleet_history(DEVICES, DAYS, SEED, end=END)


def checks() -> pd.DataFrame:
    """The items as `history.selfcheck_items` returns them (value: the number in the message)."""
    items = history().items
    parsed = items["message"].str.extract(r"([0-9]+(?:\.[0-9]+)?)")[0].astype(float)
    value = pd.to_numeric(items["value"], errors="coerce").fillna(parsed) if "value" in items else parsed
    return items.assign(value=value)[["device_id", "component", "checked_at", "result", "code", "value"]]


@functools.cache
def frame() -> pd.DataFrame:
    no_alarms = pd.DataFrame(columns=["device_id", "alarm_type", "raised_at"])
    return features.device_days(checks(), no_alarms, AS_OF)
