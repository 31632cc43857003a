"""Features and labels per device × component × business day (北京时间), from self-checks and alarms.

A hardware component (读卡器, 身份证阅读器, 摄像头, 凭条打印机, 网络) is *observed faulty* on a day
when a self-check reports it 异常 or an alarm for it is raised. For each device, component and day
``t`` up to the as-of date, using only what was known by the end of ``t``:

- ``warn_1d/3d/7d``: self-checks carrying a warning code (W…) in the last 1, 3, 7 days;
- ``measure_last``, ``measure_max_3d``, ``measure_trend`` (mean of the last 3 days minus the mean of
  the 4 days before): the value the self-check measures (retries, timeouts, blur, jams, packet loss);
- ``days_since_fault`` (60 when none seen), ``faults_30d``, ``alarms_7d``, ``checks_7d``, ``fault_today``;
- ``offline_1d/3d``: the device went offline (离线告警) in the last 1, 3 days — a failing network
  drops heartbeats before it fails.

Label ``fails_within_7d``: the component is observed faulty on one of the days ``t+1 … t+7``;
``label_known`` says whether those 7 days are all in the history yet.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

BEIJING = "Asia/Shanghai"
OFFLINE = "offline"
HORIZON_DAYS = 7
NO_FAULT_DAYS = 60
COMPONENTS = ("card_reader", "id_reader", "camera", "receipt_printer", "network")
FEATURES = (
    "component_code",
    "warn_1d",
    "warn_3d",
    "warn_7d",
    "measure_last",
    "measure_max_3d",
    "measure_trend",
    "days_since_fault",
    "faults_30d",
    "alarms_7d",
    "offline_1d",
    "offline_3d",
    "checks_7d",
    "fault_today",
)


def _business_day(stamps: pd.Series) -> pd.Series:
    return pd.to_datetime(stamps, utc=True).dt.tz_convert(BEIJING).dt.date


def daily_observations(checks: pd.DataFrame, alarms: pd.DataFrame) -> pd.DataFrame:
    """Per (device_id, component, day): checks, warnings, faults, alarms and the day's highest value."""
    c = checks[checks["component"].isin(COMPONENTS)].copy()
    c["day"] = _business_day(c["checked_at"])
    c["warning"] = c["code"].fillna("").str.startswith("W").astype(int)
    c["fault"] = (c["result"] == "异常").astype(int)
    c["value"] = pd.to_numeric(c["value"], errors="coerce").where(c["fault"] == 0)
    keys = ["device_id", "component", "day"]
    per_day = c.groupby(keys).agg(
        checks=("result", "size"),
        warnings=("warning", "sum"),
        faults=("fault", "sum"),
        measure=("value", "max"),
    )
    a = alarms[alarms["alarm_type"].isin(COMPONENTS)].rename(columns={"alarm_type": "component"})
    a = a.assign(day=_business_day(a["raised_at"])).groupby(keys).size().rename("alarms")
    return per_day.join(a, how="outer").fillna({"checks": 0, "warnings": 0, "faults": 0, "alarms": 0})


def offline_days(alarms: pd.DataFrame) -> pd.Series:
    """Offline alarms per (device_id, day)."""
    off = alarms[alarms["alarm_type"] == OFFLINE]
    return off.assign(day=_business_day(off["raised_at"])).groupby(["device_id", "day"]).size()


def _window_sum(x: np.ndarray, days: int) -> np.ndarray:
    """Sum over the trailing ``days`` days (today included), along axis 1."""
    c = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(x, axis=1)], axis=1)
    t = np.arange(x.shape[1])
    return c[:, t + 1] - c[:, np.maximum(0, t + 1 - days)]


def _ahead_sum(x: np.ndarray, days: int) -> np.ndarray:
    """Sum over the ``days`` days after today (today excluded), along axis 1."""
    c = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(x, axis=1)], axis=1)
    t = np.arange(x.shape[1])
    return c[:, np.minimum(x.shape[1], t + 1 + days)] - c[:, t + 1]


def _rolling(x: np.ndarray, days: int, how: str) -> np.ndarray:
    frame = pd.DataFrame(x.T).rolling(days, min_periods=1)
    return getattr(frame, how)().to_numpy().T


def _days_since(fault: np.ndarray) -> np.ndarray:
    t = np.arange(fault.shape[1], dtype=float)
    last = pd.DataFrame(np.where(fault > 0, t, np.nan).T).ffill().to_numpy().T
    return np.nan_to_num(np.minimum(t - last, NO_FAULT_DAYS), nan=NO_FAULT_DAYS)


def device_days(checks: pd.DataFrame, alarms: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The feature and label frame: one row per device × component × day, first check day … ``as_of``."""
    obs = daily_observations(checks, alarms)
    obs = obs[obs.index.get_level_values("day") <= as_of]
    columns = ["device_id", "component", "prediction_date", *FEATURES, "fails_within_7d", "label_known"]
    if obs.empty:
        return pd.DataFrame(columns=columns)
    first = min(obs.index.get_level_values("day"))
    days = [first + timedelta(days=i) for i in range((as_of - first).days + 1)]
    devices = sorted(obs.index.get_level_values("device_id").unique())
    grid = pd.MultiIndex.from_product([devices, COMPONENTS, days], names=["device_id", "component", "day"])
    obs = obs.reindex(grid).fillna({"checks": 0, "warnings": 0, "faults": 0, "alarms": 0})
    shape = (len(devices) * len(COMPONENTS), len(days))

    def arr(name: str) -> np.ndarray:
        return obs[name].to_numpy(dtype=float).reshape(shape)

    offline = offline_days(alarms).reindex(grid.droplevel("component"), fill_value=0)
    obs["offline"] = offline.to_numpy(dtype=float)
    warn, checks_n, measure = arr("warnings"), arr("checks"), arr("measure")
    fault = ((arr("faults") + arr("alarms")) > 0).astype(float)
    last = pd.DataFrame(measure.T).ffill().to_numpy().T
    earlier = np.full(shape, np.nan)
    earlier[:, 3:] = measure[:, :-3]
    recent, before = _rolling(measure, 3, "mean"), _rolling(earlier, 4, "mean")
    known = (np.arange(len(days)) + HORIZON_DAYS <= len(days) - 1)[None, :].repeat(shape[0], axis=0)
    out = {
        "warn_1d": warn,
        "warn_3d": _window_sum(warn, 3),
        "warn_7d": _window_sum(warn, 7),
        "measure_last": last,
        "measure_max_3d": _rolling(measure, 3, "max"),
        "measure_trend": recent - before,
        "days_since_fault": _days_since(fault),
        "faults_30d": _window_sum(fault, 30),
        "alarms_7d": _window_sum(arr("alarms"), 7),
        "offline_1d": arr("offline"),
        "offline_3d": _window_sum(arr("offline"), 3),
        "checks_7d": _window_sum(checks_n, 7),
        "fault_today": fault,
        "fails_within_7d": (_ahead_sum(fault, HORIZON_DAYS) > 0).astype(int),
        "label_known": known,
    }
    frame = pd.DataFrame({k: v.ravel() for k, v in out.items()}, index=grid).reset_index()
    frame = frame.rename(columns={"day": "prediction_date"})
    frame["component_code"] = frame["component"].map({c: i for i, c in enumerate(COMPONENTS)})
    return frame[columns]
