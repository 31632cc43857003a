"""The 7-day failure model: gradient-boosted trees on the device-day features, scored on later days.

`fit` trains on rows whose 7-day outcome is known and whose component is not already faulty that
day (a failure under way is no prediction). `evaluate` is the held-out check: train on days before a
cut-off, test on the days after it (the training labels stop at the cut-off, so nothing of the test
period leaks in), AUC on the test days. With too little history (no failure seen, or fewer than
`MIN_POSITIVES`) `fit` returns the warning rule instead: a score that grows with recent warnings.
Everything is deterministic for the same rows (fixed seed, single-threaded trees, rounded scores).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from pipeline.failure_prediction.features import FEATURES, HORIZON_DAYS

MIN_POSITIVES = 5
MODEL, RULE = "梯度提升树", "预警规则"


@dataclass
class FailureModel:
    """A fitted model (or the warning rule) and what it was trained on."""

    method: str
    trained_rows: int
    positives: int
    classifier: HistGradientBoostingClassifier | None = None

    def predict(self, rows: pd.DataFrame) -> np.ndarray:
        """Probability of a failure within 7 days, rounded to 4 decimals."""
        if rows.empty:
            return np.zeros(0)
        if self.classifier is None:
            score = 0.3 * rows["warn_3d"] + 0.1 * rows["warn_7d"] + 0.02 * rows["measure_last"].fillna(0)
            return np.round(1 - np.exp(-score.to_numpy(dtype=float)), 4)
        with threadpool_limits(1):
            return np.round(self.classifier.predict_proba(_matrix(rows))[:, 1], 4)


def _matrix(rows: pd.DataFrame) -> np.ndarray:
    return rows[list(FEATURES)].to_numpy(dtype=float)


def trainable(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with a known outcome whose component is working that day."""
    return frame[frame["label_known"].astype(bool) & (frame["fault_today"] == 0)]


def fit(frame: pd.DataFrame) -> FailureModel:
    """Train on every trainable row of ``frame``."""
    rows = trainable(frame)
    positives = int(rows["fails_within_7d"].sum())
    if positives < MIN_POSITIVES or positives == len(rows):
        return FailureModel(RULE, len(rows), positives)
    classifier = HistGradientBoostingClassifier(
        max_iter=100,
        learning_rate=0.05,
        max_depth=3,  # shallow and coarse: a few hundred failures, noisy labels
        min_samples_leaf=50,
        l2_regularization=1.0,
        categorical_features=[FEATURES.index("component_code")],
        early_stopping=False,
        random_state=0,
    )
    with threadpool_limits(1):  # one thread: as fast on 2 shared cores, and the same sums every run
        classifier.fit(_matrix(rows), rows["fails_within_7d"].to_numpy(dtype=int))
    return FailureModel(MODEL, len(rows), positives, classifier)


@dataclass(frozen=True)
class Evaluation:
    """The held-out figures of one time-based split."""

    cutoff: str
    method: str
    train_rows: int
    train_positives: int
    test_rows: int
    test_positives: int
    auc: float | None


def evaluate(frame: pd.DataFrame, test_share: float = 0.3) -> Evaluation:
    """Train on the earlier days, AUC on the later ``test_share`` of the days with a known outcome."""
    rows = trainable(frame)
    days = sorted(rows["prediction_date"].unique())
    if len(days) < 2 * HORIZON_DAYS:
        raise ValueError(f"历史太短：{len(days)} 天可评估，至少需要 {2 * HORIZON_DAYS} 天")
    cutoff = days[int(len(days) * (1 - test_share))]
    # the training outcome windows end before the cut-off
    train = frame[frame["prediction_date"] < cutoff - timedelta(days=HORIZON_DAYS)]
    test = rows[rows["prediction_date"] >= cutoff]
    model = fit(train)
    labels = test["fails_within_7d"].to_numpy(dtype=int)
    auc = float(roc_auc_score(labels, model.predict(test))) if 0 < labels.sum() < len(labels) else None
    return Evaluation(
        str(cutoff), model.method, model.trained_rows, model.positives, len(test), int(labels.sum()), auc
    )
