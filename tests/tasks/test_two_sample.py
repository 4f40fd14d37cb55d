"""The two_sample_classifier task: config checks, balanced splits, metrics through the loop,
one-line errors for bad features, zmumu observables."""

import json

import h5py
import numpy as np
import pytest
import torch

from hepscaling.errors import UsageError
from hepscaling.tasks.base import build_task
from hepscaling.train.config import load_config
from hepscaling.train.loop import run_training


def _file(path, x, name="features", names=None):
    with h5py.File(path, "w") as f:
        f[name] = x
        if names is not None:
            f[name].attrs["names"] = json.dumps(names)
    return str(path)


def _config(reference, candidate, **task):
    return {"seed": 0, "device": "cpu", "loss": "binary_cross_entropy",
            "task": {"kind": "two_sample_classifier", "reference": reference,
                     "candidate": candidate, "array": "features", "n_train": 1500,
                     "n_val": 300, "n_test": 1000, **task},
            "model": {"family": "mlp", "width": 32, "depth": 2, "activation": "leaky_relu"},
            "train": {"steps": 300, "batch_size": 256, "eval_every": 100, "warmup_steps": 10}}


@pytest.fixture
def gaussians(tmp_path):
    rng = np.random.default_rng(0)
    return (_file(tmp_path / "ref.h5", rng.normal(size=(3000, 3))),
            _file(tmp_path / "cand.h5", rng.normal(0.5, 1.0, size=(2900, 3))))


def test_balanced_standardised_splits(gaussians):
    cfg = load_config(_config(*gaussians))
    task = build_task(cfg.task, loss=cfg.loss, input_kind="invariants",
                      device=torch.device("cpu"))
    assert task.n_train == 3000 and task.inputs_spec.n_features == 3
    x, y = task.train_batch(torch.arange(3000), torch.Generator())
    assert y.sum().item() == 1500 and y[:1500].min().item() == 1.0  # reference = 1, first
    assert x.mean(0).abs().max().item() < 1e-5 and (x.std(0) - 1).abs().max().item() < 1e-3
    assert task.inputs("test").shape == (2000, 3)


def test_trains_through_the_loop_and_records_the_weight_metrics(gaussians, tmp_path):
    record = run_training(_config(*gaussians), tmp_path / "run", progress=False)
    m = record.metrics
    # means 0.5 apart in each of 3 dims, distance 0.866: the optimal AUC is
    # Phi(0.866 / sqrt(2)) = 0.730
    assert 0.69 < m["test_auc"] < 0.75 and m["test_loss"] < np.log(2)
    assert m["test_candidate_mean_w"] == pytest.approx(1.0, abs=0.1)
    assert m["test_reference_mean_w"] > 1.5  # E_ref[w] = exp(0.75) = 2.1 for the exact w
    assert m["test_candidate_frac_w_lt_0p5"] > m["test_reference_frac_w_lt_0p5"]
    assert m["test_reference_frac_w_gt_2"] > m["test_candidate_frac_w_gt_2"]
    assert 0 <= m["test_calibration_error"] < 0.1
    assert sum(record.histograms["test_w_candidate"]["counts"]) == 1000
    assert set(record.histograms) == {"test_w_reference", "test_w_candidate",
                                      "test_calibration", "test_feature_x0", "test_feature_x1",
                                      "test_feature_x2"}
    assert "val_auc" in record.curves
    # 1000 + 1000 test events: the Hanley-McNeil error at AUC 0.71 is 0.0113
    assert m["test_auc_sigma"] == pytest.approx(0.0113, abs=0.001)
    assert m["test_candidate_frac_w_off_0p1"] > 0.5  # log w spreads by ~0.87 here
    h = record.histograms["test_feature_x0"]
    ref, cand, rew = (np.array(h[k]) for k in ("counts", "candidate", "reweighted"))
    error = np.hypot(h["errors"], h["reweighted_errors"])
    chi2 = lambda other: float(np.sum((other - ref) ** 2 / np.maximum(error, 1) ** 2))  # noqa: E731
    assert chi2(rew) < 0.3 * chi2(cand)  # reweighting moves the candidate onto the reference
    centres = (np.array(h["edges"][1:]) + np.array(h["edges"][:-1])) / 2
    low = np.array(h["candidate_w_lt_0p5"])  # candidate events it over-populates: large x0
    assert low.sum() > 0 and np.average(centres, weights=low) > np.average(centres,
                                                                            weights=cand)


@pytest.mark.parametrize(("task", "message"), [
    ({"n_jets": 1}, "set exactly one of task.array"),
    ({"array": None}, "set exactly one of task.array"),
    ({"observables": ["pt_mu1"]}, "needs zmumu files: set task.n_jets"),
    ({"array": None, "n_jets": 1, "observables": ["pt_j2"]}, r"\['pt_j2'\] not defined for 1"),
])
def test_config_errors_are_one_line(gaussians, task, message):
    with pytest.raises(UsageError, match=message):
        load_config(_config(*gaussians, **task))


def _build(reference, candidate, **task):
    cfg = load_config(_config(reference, candidate, **task))
    return build_task(cfg.task, loss=cfg.loss, input_kind="invariants",
                      device=torch.device("cpu"))


def test_bad_features_get_one_line_errors(tmp_path, gaussians):
    ref, _ = gaussians
    narrow = _file(tmp_path / "narrow.h5", np.zeros((3000, 2)))
    with pytest.raises(UsageError, match=r"has 3 features per event but .*narrow.h5 has 2; "
                                         r"compute the same features"):
        _build(ref, narrow)
    x = np.random.default_rng(1).normal(size=(3000, 3))
    x[7, 1] = np.nan
    nan = _file(tmp_path / "nan.h5", x)
    with pytest.raises(UsageError, match=r"nan.h5: features of event 7 are NaN or infinite"):
        _build(ref, nan)
    with pytest.raises(UsageError, match="has no dataset 'other'"):
        _build(ref, ref, array="other")
    with pytest.raises(UsageError, match="sample file not found"):
        _build(ref, str(tmp_path / "missing.h5"))
    with pytest.raises(UsageError, match="task two_sample_classifier takes flat features"):
        cfg = load_config(_config(*gaussians))
        build_task(cfg.task, loss=cfg.loss, input_kind="momenta", device=torch.device("cpu"))


def test_zmumu_files_give_the_observables_of_one_multiplicity(tmp_path):
    pytest.importorskip("pythia8mc")
    from hepscaling.data.events import generate_events, read_events
    from hepscaling.physics.events.observables import event_observables, observable_names

    files = [str(generate_events(tmp_path / f"z{s}.h5", 150, s, progress=False))
             for s in (1, 2)]
    cfg = load_config(_config(*files, array=None, n_jets=1, n_train=60, n_val=10, n_test=20))
    task = build_task(cfg.task, loss=cfg.loss, input_kind="invariants",
                      device=torch.device("cpu"))
    events = read_events(files[0])
    one_jet = event_observables(events["momenta"][events["n_jets"] == 1], observable_names(1))
    assert task.inputs_spec.n_features == 10
    # every reference training row is the (standardised) observables of a 1-jet event
    rows = task.inputs("train")[:60].double().numpy() * task.std + task.mean
    distance = np.abs(rows[:, None] - one_jet[None]).max(-1).min(1)  # (60,)
    assert distance.max() < 1e-4 * np.abs(one_jet).max()


def test_stored_feature_names_name_the_histograms_and_must_agree(tmp_path):
    x = np.random.default_rng(2).normal(size=(3000, 3))
    a = _file(tmp_path / "a.h5", x, names=["pt", "eta", "phi"])
    b = _file(tmp_path / "b.h5", x, names=["pt", "eta", "phi"])
    plain = _file(tmp_path / "plain.h5", x)
    assert _build(a, b).names == ("pt", "eta", "phi")
    assert _build(a, plain).names == ("pt", "eta", "phi")  # one file naming them suffices
    assert _build(plain, plain).names == ("x0", "x1", "x2")
    other = _file(tmp_path / "other.h5", x, names=["pt", "y", "phi"])
    with pytest.raises(UsageError, match=r"a.h5 and .*other.h5 hold different features "
                                         r"\(eta/y\); compute the same features for both"):
        _build(a, other)
    short = _file(tmp_path / "short.h5", x, names=["pt"])
    with pytest.raises(UsageError, match="has 3 features but its names attribute lists 1"):
        _build(short, a)
