"""hepscaling.metrics.classifier_weights: learned weights against exact density ratios, a
planted defect in the tails, one-line errors, and the lazy re-export."""

import subprocess
import sys

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.metrics import classifier_weights

D, MU, SIGMA = 6, 0.2, 1.1  # reference N(0, 1)^6, candidate N(MU, SIGMA^2)^6
SMALL = {"model": {"width": 128, "depth": 3}, "train": {"epochs": 10}}


def _exact_log_w(x):
    """log N(x; 0, 1) - log N(x; MU, SIGMA^2), summed over the 6 dimensions."""
    return np.sum(-0.5 * x**2 + 0.5 * ((x - MU) / SIGMA) ** 2 + np.log(SIGMA), axis=1)


def test_learned_weights_match_the_exact_gaussian_ratio():
    rng = np.random.default_rng(1)
    reference, candidate = rng.normal(size=(40_000, D)), rng.normal(MU, SIGMA, (40_000, D))
    cw = classifier_weights(reference, candidate, seed=0, **SMALL)
    x = rng.normal(MU, SIGMA, (20_000, D))  # fresh candidate events
    w = cw.weights(x)
    assert np.corrcoef(np.log(w), _exact_log_w(x))[0, 1] > 0.98  # measured 0.988
    assert np.mean(w) == pytest.approx(1.0, abs=0.02)  # measured 1.001
    assert 0.62 < cw.auc < 0.67  # measured 0.645
    assert cw.record.metrics["test_auc"] == cw.auc and cw.record.status == "done"


def test_a_planted_defect_shows_up_in_the_low_weight_tail():
    """The candidate is truth with the slice x0 > 1 (16%) shifted by +1.5 in x1: there it
    over-populates large x1 (w << 1). Against an undamaged control, the candidate's w < 0.5
    tail grows, and its low-weight events sit in the slice."""
    rng = np.random.default_rng(2)
    reference, control = rng.normal(size=(20_000, 4)), rng.normal(size=(20_000, 4))
    damaged = control.copy()
    damaged[damaged[:, 0] > 1, 1] += 1.5
    fit = {"model": {"width": 64, "depth": 2}, "train": {"epochs": 10}}
    bad = classifier_weights(reference, damaged, **fit)
    good = classifier_weights(reference, control, **fit)
    tail = "test_candidate_frac_w_lt_0p5"
    assert bad.record.metrics[tail] > 0.05 > good.record.metrics[tail]  # measured 0.103, 0.000
    assert bad.auc > 0.55 > good.auc - 0.02  # measured 0.587, 0.500
    x = rng.normal(size=(20_000, 4))
    x[x[:, 0] > 1, 1] += 1.5
    low = bad.weights(x) < 0.5
    assert np.mean(x[low, 0] > 1) > 0.8  # the tail lies in the damaged slice (measured 0.91)


def test_bad_inputs_get_one_line_errors():
    ok = np.zeros((100, 3))
    with pytest.raises(UsageError, match="reference has 3 features per event but candidate "
                                         "has 2; compute the same features"):
        classifier_weights(ok, np.zeros((100, 2)))
    nan = np.ones((100, 3))
    nan[5, 0] = np.nan
    with pytest.raises(UsageError, match="candidate: features of event 5 are NaN or infinite"):
        classifier_weights(ok, nan)
    with pytest.raises(UsageError, match=r"non-empty real \(n, d\) array, got shape \(100,\)"):
        classifier_weights(np.zeros(100), ok)
    with pytest.raises(UsageError, match="leave none for training"):
        classifier_weights(ok[:1], ok[:1])
    with pytest.raises(UsageError, match="test_fraction"):
        classifier_weights(ok, ok, test_fraction=0.9, val_fraction=0.2)


def test_weights_check_their_points():
    rng = np.random.default_rng(3)
    cw = classifier_weights(rng.normal(size=(500, 2)), rng.normal(size=(500, 2)),
                            model={"width": 8, "depth": 1}, train={"epochs": 1})
    assert cw.weights(np.zeros((4, 2))).shape == (4,)
    with pytest.raises(UsageError, match="x has 3 features per point, the classifier was "
                                         "trained on 2"):
        cw.weights(np.zeros((4, 3)))


def test_names_and_a_kept_workdir(tmp_path):
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(600, 2)), rng.normal(size=(600, 2))
    fit = {"model": {"width": 8, "depth": 1}, "train": {"epochs": 1}}
    cw = classifier_weights(x, y, names=["a", "b"], workdir=tmp_path / "w", **fit)
    assert {"test_feature_a", "test_feature_b"} <= set(cw.record.histograms)
    assert (tmp_path / "w" / "run" / "record.json").is_file()
    again = classifier_weights(x, y, names=["a", "b"], workdir=tmp_path / "w", **fit)
    assert again.record.run_id == cw.record.run_id and again.auc == cw.auc  # reused
    with pytest.raises(UsageError, match="1 names for 2 features"):
        classifier_weights(x, y, names=["a"])


def test_importing_metrics_does_not_import_the_training_loop():
    code = ("import sys, hepscaling.metrics as m; "
            "assert 'hepscaling.train.loop' not in sys.modules; "
            "assert 'hepscaling.precision' not in sys.modules; "
            "from hepscaling.precision import classifier_weights as f; "
            "assert m.classifier_weights is f; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout == "ok\n"
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        import hepscaling.metrics

        hepscaling.metrics.nothing  # noqa: B018
