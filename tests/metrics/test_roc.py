"""Tagger metrics against brute-force pairwise counting and hand-computed values."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from hepscaling.metrics.roc import auc_standard_error, classification_metrics, rejection, roc_auc


def brute_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    pos, neg = scores[positive], scores[~positive]
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


def test_auc_against_pairwise_counting():
    rng = np.random.default_rng(0)
    for n in (5, 17, 40):
        scores = np.round(rng.normal(size=n), 1)  # rounding makes ties
        positive = rng.random(n) < 0.4
        positive[:2] = (True, False)
        assert roc_auc(scores, positive) == pytest.approx(brute_auc(scores, positive), abs=1e-12)
    assert roc_auc(np.array([0.1, 0.2, 0.9]), np.array([False, False, True])) == 1.0
    assert roc_auc(np.array([0.1, 0.2, 0.9]), np.array([True, True, False])) == 0.0
    assert math.isnan(roc_auc(np.array([0.3, 0.4]), np.array([True, True])))


def test_rejection_by_hand_and_brute_force():
    # 50% of 4 signal jets pass score >= 0.8, so does 1 of 4 background jets
    assert rejection(np.array([0.9, 0.8, 0.7, 0.6]), np.array([0.85, 0.1, 0.2, 0.3])) == 4.0
    # 3 signal jets: keeping >= 50% needs 2 (threshold 0.5); 2 of 4 background pass
    assert rejection(np.array([0.9, 0.5, 0.1]), np.array([0.6, 0.4, 0.2, 0.55])) == 2.0
    assert rejection(np.array([0.9, 0.8]), np.array([0.1, 0.2])) == math.inf
    rng = np.random.default_rng(1)
    sig, bkg = rng.normal(1.0, size=31), rng.normal(size=50)
    passing = [t for t in np.unique(sig) if np.mean(sig >= t) >= 0.5]
    assert rejection(sig, bkg) == pytest.approx(1 / np.mean(bkg >= max(passing)))


def test_classification_metrics():
    prob = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.2, 0.5, 0.3]])
    label = np.array([0, 1, 2, 2])
    out = classification_metrics(prob, label, ("label_QCD", "label_Wqq", "label_Tbqq"))
    assert out["accuracy"] == 0.75
    assert out["auc_QCD"] == pytest.approx(brute_auc(prob[:, 0], label == 0))
    assert out["auc_macro"] == pytest.approx(np.mean([out["auc_QCD"], out["auc_Wqq"],
                                                      out["auc_Tbqq"]]))
    # Wqq vs QCD score p_W / (p_W + p_QCD): signal 0.889, background 0.222 -> no QCD passes
    assert out["rej50_Wqq"] == math.inf and "rej50_QCD" not in out
    assert "rej50_Wqq" not in classification_metrics(prob, label,
                                                     ("label_Zqq", "label_Wqq", "label_Tbqq"))


@pytest.mark.parametrize(("shift", "n_pos", "n_neg"), [(0.0, 400, 400), (0.0, 300, 900),
                                                       (0.8, 500, 500)])
def test_auc_standard_error_matches_the_spread_of_repeated_measurements(shift, n_pos, n_neg):
    """Unit Gaussians ``shift`` apart (AUC = Phi(shift / sqrt 2)): the formula against the
    standard deviation of 2000 independent AUCs (its own error ~1.6%)."""
    rng = np.random.default_rng(0)
    positive = np.repeat([True, False], [n_pos, n_neg])
    aucs = [roc_auc(np.concatenate([rng.normal(shift, 1, n_pos), rng.normal(0, 1, n_neg)]),
                    positive) for _ in range(2000)]
    assert auc_standard_error(float(np.mean(aucs)), n_pos, n_neg) == pytest.approx(
        np.std(aucs), rel=0.06)
    if shift == 0:  # the exact null value
        assert auc_standard_error(0.5, n_pos, n_neg) == pytest.approx(
            math.sqrt((n_pos + n_neg + 1) / (12 * n_pos * n_neg)))
    assert math.isnan(auc_standard_error(0.5, 0, 10))
