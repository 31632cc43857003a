"""终端故障预测: the device-day features and labels, the held-out AUC on a simulated fleet history,
determinism, and the warning rule when the history holds too few failures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pyarrow.compute as pc
import pytest

from pipeline.failure_prediction import features, model, task
from tests.pipeline import failure_history as fleet

NO_ALARMS = pd.DataFrame(columns=["device_id", "alarm_type", "raised_at"])


def _check(day: int, component: str, result: str = "正常", code: str | None = None, value: float = 1.0):
    # 00:30 Beijing on 2026-11-<day>
    at = datetime(2026, 11, day, tzinfo=UTC) - timedelta(hours=7, minutes=30)
    return {"device_id": "D1", "component": component, "checked_at": at, "result": result, "code": code,
            "value": None if result == "异常" else value}  # fmt: skip


def test_features_look_back_and_labels_look_ahead_seven_days():
    rows = [_check(d, "card_reader") for d in range(1, 21)]
    rows += [_check(d, "card_reader", code="W101", value=v) for d, v in ((8, 6), (9, 12), (10, 20))]
    rows += [_check(11, "card_reader", "异常", "E101")]
    alarms = pd.DataFrame(
        [{"device_id": "D1", "alarm_type": "network", "raised_at": datetime(2026, 11, 15, 3, tzinfo=UTC)}]
    )
    f = features.device_days(pd.DataFrame(rows), alarms, date(2026, 11, 20))
    reader = f[f["component"] == "card_reader"].set_index("prediction_date")
    day = lambda d: reader.loc[date(2026, 11, d)]  # noqa: E731
    assert len(f) == 5 * 20 and set(f["component"]) == set(features.COMPONENTS)
    assert (day(10)["warn_1d"], day(10)["warn_3d"], day(10)["warn_7d"]) == (1, 3, 3)
    assert day(10)["measure_max_3d"] == 20 and day(10)["measure_last"] == 20
    assert day(10)["measure_trend"] == pytest.approx((6 + 12 + 20) / 3 - 1)  # days 8–10 against days 4–7
    # the label: a fault on day 11 is within 7 days of days 4–10, not of day 3 nor of day 11 itself
    assert [day(d)["fails_within_7d"] for d in (3, 4, 10, 11)] == [0, 1, 1, 0]
    assert day(11)["fault_today"] == 1 and day(11)["days_since_fault"] == 0
    assert day(14)["days_since_fault"] == 3 and day(5)["days_since_fault"] == features.NO_FAULT_DAYS
    assert day(13)["label_known"] and not day(14)["label_known"]  # 11-20 is the last day known
    network = f[f["component"] == "network"].set_index("prediction_date")
    assert network.loc[date(2026, 11, 15), "fault_today"] == 1  # an alarm is an observed fault
    assert network.loc[date(2026, 11, 8), "fails_within_7d"] == 1


def test_held_out_auc_is_clearly_above_chance():
    frame = fleet.frame()
    held_out = model.evaluate(frame)
    assert held_out.method == model.MODEL
    assert held_out.train_positives >= 50 and held_out.test_positives >= 50
    assert held_out.auc >= fleet.AUC_FLOOR, held_out


def test_predictions_are_deterministic_on_rerun():
    first, run = task.predictions(fleet.frame(), fleet.AS_OF)
    again, _ = task.predictions(fleet.frame(), fleet.AS_OF)
    assert first.equals(again)
    assert run.method == model.MODEL and run.holdout_auc >= fleet.AUC_FLOOR
    dates = set(first.column("prediction_date").to_pylist())
    assert len(dates) == task.KEEP_DAYS and max(dates) == fleet.AS_OF
    assert first.num_rows == fleet.DEVICES * len(features.COMPONENTS) * task.KEEP_DAYS
    p = first.column("failure_probability")
    assert pc.min(p).as_py() >= 0 and pc.max(p).as_py() <= 1


def test_warned_components_score_higher_than_quiet_ones():
    rows = task.predictions(fleet.frame(), fleet.AS_OF)[0].to_pandas()
    working = rows[~rows["is_faulty"]]
    assert (
        working[working["warn_7d"] >= 3]["failure_probability"].mean()
        > 3 * working[working["warn_7d"] == 0]["failure_probability"].mean()
    )


def test_too_few_failures_fall_back_to_the_warning_rule():
    rows = [_check(d, "camera") for d in range(1, 30)] + [_check(28, "camera", code="W301", value=30)]
    frame = features.device_days(pd.DataFrame(rows), NO_ALARMS, date(2026, 11, 29))
    table, run = task.predictions(frame, date(2026, 11, 29))
    assert run.method == model.RULE and run.positives == 0 and run.holdout_auc is None
    scores = table.to_pandas().set_index(["component", "prediction_date"])["failure_probability"]
    assert scores[("camera", date(2026, 11, 28))] > scores[("camera", date(2026, 11, 27))] >= 0


def test_no_history_yet_writes_an_empty_table_instead_of_failing():
    from pipeline.failure_prediction import history

    empty = features.device_days(
        pd.DataFrame(columns=history.CHECK_COLUMNS), pd.DataFrame(columns=history.ALARM_COLUMNS), fleet.AS_OF
    )
    table, run = task.predictions(empty, fleet.AS_OF)
    assert table.num_rows == 0 and table.schema == task.SCHEMA
    assert run.method == model.RULE and run.holdout_auc is None
