"""终端故障预测: held-out AUC of the 7-day model on simulated fleet histories (time-based split).

    .venv/bin/python -m benchmarks.bench_failure_prediction --devices 60 --days 90 --seeds 7 8 9

For each seed: the kiosk simulator's history (`simulators.kiosk_ops_history`: boot self-checks and
the alarms of hourly heartbeats), the device-day features and labels the pipeline task builds
(`pipeline.failure_prediction`), a fit on the earlier 70 % of the days and the AUC on the later
30 %. Baseline, in the same run: the warning rule the task falls back to (a score from the recent
warning counts and the last measured value), scored on the same test days. Also: the AUC against
the simulator's ground truth (a failure starts within 7 days), and on the self-checks alone (no
alarms: a failure shows at the next boot check, an easier label).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import timedelta

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from benchmarks._report import clocked, readme_line, write
from pipeline.failure_prediction import features, model
from simulators.kiosk_ops_history import fleet_history

NO_ALARMS = pd.DataFrame(columns=["device_id", "alarm_type", "raised_at"])


def checks_with_value(items: pd.DataFrame) -> pd.DataFrame:
    """What `history.selfcheck_items` reads: the numeric value, else the number in the message."""
    parsed = items["message"].str.extract(r"([0-9]+(?:\.[0-9]+)?)")[0].astype(float)
    value = pd.to_numeric(items["value"], errors="coerce").fillna(parsed) if "value" in items else parsed
    return items.assign(value=value)


def truth_labels(test: pd.DataFrame, failures: pd.DataFrame) -> np.ndarray:
    """1 when the simulator's failure of that component starts in the 7 days after the row's day."""
    starts = failures.assign(
        day=pd.to_datetime(failures["failed_at"], utc=True).dt.tz_convert(features.BEIJING).dt.date
    )
    by_part = starts.groupby(["device_id", "component"])["day"].apply(list).to_dict()
    return np.array(
        [
            any(d < f <= d + timedelta(days=features.HORIZON_DAYS) for f in by_part.get((dev, comp), []))
            for dev, comp, d in zip(
                test["device_id"], test["component"], test["prediction_date"], strict=True
            )
        ],
        dtype=int,
    )


def one_seed(devices: int, days: int, seed: int) -> dict:
    sim_s, history = clocked(lambda: fleet_history(devices, days, seed))
    items, failures = history.items, history.failures
    as_of = max(pd.to_datetime(items["checked_at"], utc=True).dt.tz_convert(features.BEIJING).dt.date)
    frame = features.device_days(checks_with_value(items), history.alarms, as_of)
    fit_s, held_out = clocked(lambda: model.evaluate(frame))
    checks_only = model.evaluate(features.device_days(checks_with_value(items), NO_ALARMS, as_of))
    cutoff = pd.Timestamp(held_out.cutoff).date()
    test = model.trainable(frame)
    test = test[test["prediction_date"] >= cutoff]
    trained = model.fit(frame[frame["prediction_date"] < cutoff - timedelta(days=features.HORIZON_DAYS)])
    rule = model.FailureModel(model.RULE, 0, 0)
    truth = truth_labels(test, failures)
    return {
        "seed": seed,
        "failures": len(failures),
        "cutoff": held_out.cutoff,
        "train_rows": held_out.train_rows,
        "train_positives": held_out.train_positives,
        "test_rows": held_out.test_rows,
        "test_positives": held_out.test_positives,
        "auc": round(held_out.auc, 4),
        "auc_rule_baseline": round(float(roc_auc_score(test["fails_within_7d"], rule.predict(test))), 4),
        "auc_vs_simulator_truth": round(float(roc_auc_score(truth, trained.predict(test))), 4),
        "auc_selfchecks_only": round(checks_only.auc, 4),
        "simulate_s": round(sim_s, 1),
        "features_fit_score_s": round(fit_s, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_failure_prediction")
    parser.add_argument("--devices", type=int, default=60)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    args = parser.parse_args(argv)
    runs = [one_seed(args.devices, args.days, s) for s in args.seeds]
    for run in runs:
        print(run)
    figures = {
        key: statistics.median(r[key] for r in runs)
        for key in (
            "auc",
            "auc_rule_baseline",
            "auc_vs_simulator_truth",
            "auc_selfchecks_only",
            "features_fit_score_s",
        )
    }
    figures |= {"auc_min": min(r["auc"] for r in runs), "auc_max": max(r["auc"] for r in runs)}
    command = " ".join(["python -m benchmarks.bench_failure_prediction", *(argv or sys.argv[1:])])
    path = write("failure_prediction", command, figures, devices=args.devices, days=args.days, runs=runs)
    readme_line(
        "failure_prediction",
        command,
        f"held-out AUC median {figures['auc']:.3f} (min {figures['auc_min']:.3f}), "
        f"warning-rule baseline {figures['auc_rule_baseline']:.3f}",
    )
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
