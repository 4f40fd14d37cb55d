"""The event_generation task: spec and splits, the end-of-run metrics through the loop, the
systematic reweighting, and one-line errors for bad inputs."""

import math

import numpy as np
import pytest
import torch

from helpers.zmumu_files import write_toy_zmumu
from hepscaling.data.event_coordinates import DEFECTS
from hepscaling.errors import UsageError
from hepscaling.physics import lorentz
from hepscaling.physics.events.observables import observable_names
from hepscaling.tasks.base import build_task
from hepscaling.tasks.event_generation import A_MAX
from hepscaling.train.config import load_config
from hepscaling.train.loop import run_training


@pytest.fixture(scope="module")
def zmumu(tmp_path_factory):
    return write_toy_zmumu(tmp_path_factory.mktemp("z") / "z.h5", 4000, seed=2)


def _config(dataset, model=None, **task):
    return {"seed": 0, "device": "cpu", "loss": "generative",
            "task": {"kind": "event_generation", "dataset": dataset, "n_jets": 1,
                     "n_train": 1200, "n_val": 200, "n_test": 600, "n_nll": 100,
                     "n_samples": 600, "classifier_epochs": 2, **task},
            "model": {"family": "cfm", "width": 32, "depth": 1, "steps": 4, **(model or {})},
            "train": {"steps": 60, "batch_size": 128, "eval_every": 30, "lr": 3e-3}}


def _task(dataset, **task):
    cfg = load_config(_config(dataset, **task))
    return build_task(cfg.task, loss=cfg.loss, input_kind="events", device=torch.device("cpu"))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_spec_and_splits(zmumu, k):
    task = _task(zmumu, n_jets=k, n_train=200, n_val=50, n_test=100)
    spec = task.inputs_spec
    assert spec.n_features == 5 + 4 * k and spec.n_particles == 2 + k and spec.n_condition == 0
    assert sum(spec.periodic) == 1 + k and spec.coordinate_objects[-1] == 1 + k
    assert task.momenta["test"].shape == (100, 5, 4)
    assert (np.count_nonzero(task.momenta["train"][:, :, 0], axis=1) == 2 + k).all()
    (x, condition, generator), weight = task.train_batch(torch.arange(5), torch.Generator())
    assert x.shape == (5, spec.n_features) and condition is None and (weight == 1).all()
    assert isinstance(generator, torch.Generator)


@pytest.mark.parametrize("model", [{}, {"backbone": "lgatr", "width": 16, "heads": 2}],
                         ids=["mlp", "lgatr"])
def test_trains_and_records_the_generator_metrics(zmumu, tmp_path, model):
    record = run_training(_config(zmumu, model), tmp_path / "run", progress=False)
    m = record.metrics
    assert record.status == "done" and math.isfinite(m["test_loss"])
    assert math.isfinite(m["test_nll"]) and m["test_nll_error"] > 0
    # the physical NLL is the coordinate NLL minus the mean log-Jacobian plus log(2 pi)
    assert m["test_nll"] != pytest.approx(m["test_nll_coordinates"])
    assert all(0 <= m[f"test_frac_{d}"] <= 1 for d in DEFECTS)
    assert m["test_frac_usable"] == pytest.approx(
        1 - m["test_frac_non_finite"] - m["test_frac_out_of_support"])
    assert 0.4 < m["test_classifier_auc"] <= 1 and m["test_classifier_log_w_std"] >= 0
    assert 0 <= m["test_classifier_frac_w_off_0p1"] <= 1
    # the floor: truth half A against truth half B, 300 events each, 60 of them tested
    n_test = 60
    null = math.sqrt((2 * n_test + 1) / (12 * n_test**2))  # Mann-Whitney at AUC = 0.5
    assert m["test_classifier_auc_floor_sigma"] == pytest.approx(null, rel=0.02)
    assert abs(m["test_classifier_auc_floor"] - 0.5) < 4 * null
    for key in ("auc", "log_w_std", "frac_w_off_0p1"):
        assert m[f"test_classifier_{key}_excess"] == pytest.approx(
            m[f"test_classifier_{key}"] - m[f"test_classifier_{key}_floor"])
    names = observable_names(1)
    weights = {"test_classifier_w_truth", "test_classifier_w_generated",
               "test_classifier_floor_w"}
    tails = {f"test_classifier_tails_{n}" for n in names}  # observables in the weight tails
    assert {f"test_truth_{n}" for n in names} | {f"test_generated_{n}" for n in names} \
        | weights | tails == set(record.histograms)
    for key in weights:
        assert sum(record.histograms[key]["counts"]) == n_test
    truth = record.histograms["test_truth_pt_j1"]
    assert len(truth["edges"]) == 31 and 0.98 * 600 <= sum(truth["counts"]) <= 600


def test_systematic_training_weights_and_condition(zmumu):
    task = _task(zmumu, systematic=True)
    assert task.inputs_spec.n_condition == 1
    index = torch.arange(1200)
    (_, condition, _), weight = task.train_batch(index, torch.Generator().manual_seed(0))
    a = condition[:, 0].double() * A_MAX
    assert 0 <= a.min() and a.max() <= A_MAX and abs(a.mean().item() - 15) < 1.5
    pt = lorentz.pt(task.momenta["train"][:, 2])
    shape = ((pt - 15) / 100) ** 2
    expected = (1 + a.numpy() * shape) / (1 + a.numpy() * shape.mean())
    np.testing.assert_allclose(weight.double().numpy(), expected, rtol=1e-5)
    # each a's weights average to 1 over the training events, so their mean is about 1
    assert weight.double().mean().item() == pytest.approx(1.0, abs=0.05)
    inputs = task.inputs("val")
    assert isinstance(inputs, tuple) and (inputs[1] == 0).all()  # nominal a = 0


def test_systematic_run_samples_at_fixed_a(zmumu, tmp_path):
    record = run_training(_config(zmumu, systematic=True, classifier=False), tmp_path / "run",
                          progress=False)
    assert record.status == "done" and math.isfinite(record.metrics["test_nll"])
    assert "test_classifier_auc" not in record.metrics


@pytest.mark.parametrize(("task", "message"), [
    ({"n_jets": 4}, "task.n_jets"),
    ({"n_jets": "all"}, "CFM generates one jet multiplicity; set task.n_jets to 1, 2 or 3"),
])
def test_bad_multiplicity_is_a_one_line_error(zmumu, task, message):
    with pytest.raises(UsageError, match=message) as info:
        _task(zmumu, **task)
    assert "\n" not in str(info.value)


def test_all_multiplicities_pass_the_config_only_with_a_model_that_says_so(zmumu, monkeypatch):
    from hepscaling.models.cfm import CFM

    monkeypatch.setattr(CFM, "all_multiplicities", True)
    cfg = load_config(_config(zmumu, n_jets="all"))  # accepted at load
    task = build_task(cfg.task, loss=cfg.loss, input_kind="events", device=torch.device("cpu"))
    assert task.inputs_spec.lengths == (9, 13, 17) and task.inputs_spec.n_features == 17
    with pytest.raises(UsageError, match="use an event generator family"):
        load_config({**_config(zmumu), "model": {"family": "mlp"}})


def test_bad_inputs_are_one_line_errors(zmumu, tmp_path):
    broken = write_toy_zmumu(tmp_path / "broken.h5", 100, n_jets_dataset=False)
    with pytest.raises(UsageError, match="missing momenta or n_jets; not a zmumu event file"):
        _task(broken)
    with pytest.raises(UsageError, match="does not fit task kind 'event_generation'"):
        load_config({**_config(zmumu), "loss": "mse"})
    cfg = load_config(_config(zmumu))
    with pytest.raises(UsageError, match="use an event generator family"):
        build_task(cfg.task, loss=cfg.loss, input_kind="invariants", device=torch.device("cpu"))
    with pytest.raises(UsageError, match="events with 1 jet\\(s\\) but n_train \\+ n_val"):
        _task(zmumu, n_train=10**6)
