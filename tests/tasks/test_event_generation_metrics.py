"""Classifier precision with its truth-vs-truth floor, on Gaussian "observables" whose
difference is known: a shifted candidate stands above the floor, an exact one does not."""

import math

import numpy as np
import pytest

from hepscaling.metrics.weights import TAIL_VIEW
from hepscaling.tasks.event_generation_metrics import FLOORED, MIN_EVENTS, classifier_precision

N = 2000  # truth events (two halves of 1000) and candidate events


def _samples(shift: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    truth = rng.normal(size=(N, 3))
    candidate = rng.normal(size=(N, 3))
    candidate[:, 0] += shift
    return truth, candidate


@pytest.fixture(scope="module")
def shifted():
    return classifier_precision(*_samples(1.0), seed=0, epochs=3, names=("a", "b", "c"))


def test_a_shifted_candidate_stands_above_its_floor(shifted):
    numbers, histograms = shifted
    n_test = math.ceil(0.2 * N // 2)  # the classifier's test split of 1000 events per sample
    null = math.sqrt((2 * n_test + 1) / (12 * n_test**2))
    # N(1, 1) vs N(0, 1) along one axis: the best possible AUC is Phi(1 / sqrt 2) = 0.760,
    # and log w = x - 1/2 has std 1; a briefly trained classifier gets part of the way
    assert 0.5 + 3 * null < numbers["classifier_auc"] < 0.760 + 3 * null
    assert abs(numbers["classifier_auc_floor"] - 0.5) < 4 * null
    assert numbers["classifier_auc_excess"] > 3 * null
    assert 0 < numbers["classifier_log_w_std_excess"] < 1
    for key in FLOORED:
        assert numbers[f"classifier_{key}_excess"] == pytest.approx(
            numbers[f"classifier_{key}"] - numbers[f"classifier_{key}_floor"])
    weights = {"classifier_w_truth", "classifier_w_generated", "classifier_floor_w"}
    assert set(histograms) == weights | {f"classifier_tails_{f}" for f in "abc"}
    assert all(sum(histograms[k]["counts"]) == n_test for k in weights)


def test_the_tail_view_finds_the_shifted_observable():
    _, histograms = classifier_precision(*_samples(2.0), seed=0, epochs=10, floor=False,
                                         names=("a", "b", "c"))
    assert set(histograms["classifier_tails_a"]) == {"edges", *TAIL_VIEW}

    def mean(h, key):
        edges = np.asarray(h["edges"])  # over the truth's central 99%
        return np.average((edges[1:] + edges[:-1]) / 2, weights=h[key])

    # candidate a ~ N(2, 1) against truth N(0, 1): exact w < 0.5 for a > 1.35 (over-populated
    # by the candidate) and w > 2 for a < 0.65 (missed); b is the same in both samples
    a, b = histograms["classifier_tails_a"], histograms["classifier_tails_b"]
    assert mean(a, "candidate_w_lt_0p5") > mean(a, "candidate") + 0.2
    assert mean(a, "reference_w_gt_2") < mean(a, "candidate") - 1.0
    assert abs(mean(b, "candidate_w_lt_0p5") - mean(b, "candidate")) < 0.15
    assert abs(mean(b, "reference_w_gt_2") - mean(b, "candidate")) < 0.15


def test_an_exact_candidate_is_at_its_floor():
    numbers, _ = classifier_precision(*_samples(0.0), seed=0, epochs=3)
    sigma = math.hypot(numbers["classifier_auc_sigma"], numbers["classifier_auc_floor_sigma"])
    assert abs(numbers["classifier_auc_excess"]) < 3 * sigma


def test_without_floor_no_floor_keys_and_too_few_events_no_classifier():
    numbers, histograms = classifier_precision(*_samples(1.0), seed=0, epochs=1, floor=False)
    assert "classifier_auc" in numbers and not any("floor" in k or "excess" in k
                                                   for k in numbers)
    assert set(histograms) == {"classifier_w_truth", "classifier_w_generated",
                               *(f"classifier_tails_x{i}" for i in range(3))}
    truth, candidate = _samples(1.0)
    assert classifier_precision(truth[:2 * MIN_EVENTS - 1], candidate, seed=0,
                                epochs=1) == ({}, {})
