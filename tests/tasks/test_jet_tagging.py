"""Jet tagging task: splits, inputs, JetClass ROOT input, bad input, and tiny taggers that learn."""

from __future__ import annotations

from concurrent.futures import Executor, Future

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from helpers.jet_samples import N_JETS, jet_sample
from helpers.jetclass_files import write_jetclass
from hepscaling.configs import preset_path
from hepscaling.data.jets import generate_jets, read_jets
from hepscaling.errors import UsageError
from hepscaling.models.base import build_model
from hepscaling.physics.jets.processes import parse_classes
from hepscaling.tasks.jet_tagging import PARTICLE_INPUTS, JetTaggingConfig, JetTaggingTask
from hepscaling.train.config import load_config
from hepscaling.train.flops import training_flops_per_sample
from hepscaling.train.loop import run_training

CPU = torch.device("cpu")
SLOTS = 128  # constituents stored per jet


class _SessionSamples(Executor):
    """Hands :func:`generate_jets` the session's shared Pythia chunks instead of running new
    ones (:func:`helpers.jet_samples.jet_sample`: generated once, also used by the jet tests)."""

    def submit(self, fn, task):
        future = Future()
        future.set_result(jet_sample(task.spec.name))
        return future


@pytest.fixture(scope="module")
def jets_h5(tmp_path_factory):
    """120 QCD and 120 W Pythia jets in a jet file (128 constituent slots)."""
    path = tmp_path_factory.mktemp("jets") / "jets.h5"
    n = N_JETS["qcd"]
    assert N_JETS["w"] == n
    return generate_jets(path, parse_classes("qcd,w"), n, chunk_size=n,
                         executor=_SessionSamples())


def make_task(path, input_kind="high_level", loss="cross_entropy", **cfg) -> JetTaggingTask:
    settings = {"dataset": str(path), "n_train": 130, "n_val": 30, "n_test": 80, **cfg}
    return JetTaggingTask(JetTaggingConfig(**settings), loss=loss, input_kind=input_kind,
                          device=CPU)


def test_splits_are_nested_and_test_set_fixed(jets_h5):
    small, large = (make_task(jets_h5, "constituents", n_train=n) for n in (50, 100))
    for split in ("val", "test"):
        assert torch.equal(small._y[split], large._y[split])
        assert torch.equal(small._x[split][..., :5], large._x[split][..., :5])
    assert torch.equal(small._y["train"], large._y["train"][:50])
    assert torch.equal(small._x["train"][..., :5], large._x["train"][:50, :, :5])
    assert set(large._y["train"].tolist()) == {0, 1}
    with pytest.raises(UsageError, match="generate more events"):
        make_task(jets_h5, n_train=131)


def test_constituent_inputs(jets_h5):
    task = make_task(jets_h5, "constituents")
    assert task.inputs_spec.n_particles == SLOTS
    assert task.inputs_spec.n_particle_features == len(PARTICLE_INPUTS)
    x = task._x["train"].double()  # (130, 128, 18)
    mask = x[..., 0] > 0.5
    assert torch.all(x[~mask] == 0)
    real = x[mask][:, 5:12]  # the standardised continuous features of real constituents
    assert torch.allclose(real.mean(0), torch.zeros(7, dtype=real.dtype), atol=1e-4)
    assert torch.allclose(real.std(0, correction=0), torch.ones(7, dtype=real.dtype), atol=1e-4)
    flags = x[mask][:, 13:]  # exactly one particle-type flag per constituent
    assert torch.all(flags.sum(dim=1) == 1)
    assert torch.all(x[..., 1][mask] > 0)  # real constituents have energy
    pt = torch.hypot(x[..., 2], x[..., 3])
    assert torch.all(pt[:, :-1] + 1e-3 >= pt[:, 1:])  # sorted by decreasing pT


def test_high_level_mass_equals_constituent_sum(jets_h5):
    """Jet mass from (E, pT, eta) = invariant mass of the constituents for jets whose
    constituents all fit into the stored slots."""
    from hepscaling.physics.jets.observables import OBSERVABLES

    arrays = read_jets(jets_h5)
    whole = arrays["jet_nparticles"] <= SLOTS
    assert whole.sum() >= 5
    p = np.stack([arrays[k].astype(np.float64) for k in ("part_energy", "part_px", "part_py",
                                                         "part_pz")], axis=-1).sum(axis=1)
    m_sum = np.sqrt(p[:, 0] ** 2 - (p[:, 1:] ** 2).sum(axis=1))
    assert OBSERVABLES["mass"](arrays)[whole] == pytest.approx(m_sum[whole], rel=2e-3, abs=0.05)
    task = make_task(jets_h5)
    assert task._x["train"].shape == (130, 12)
    assert torch.allclose(task._x["train"].mean(0), torch.zeros(12), atol=1e-5)


def test_class_selection_and_bad_input(jets_h5):
    task = make_task(jets_h5, classes=["Wqq", "label_QCD"])
    plain = make_task(jets_h5)
    assert task.classes == ("label_Wqq", "label_QCD")
    assert torch.equal(task._y["test"], 1 - plain._y["test"])
    with pytest.raises(UsageError, match="has no Tbqq jets"):
        make_task(jets_h5, classes=["QCD", "Tbqq"])
    with pytest.raises(UsageError, match="loss: cross_entropy"):
        make_task(jets_h5, loss="mse")
    with pytest.raises(UsageError, match="constituents"):
        make_task(jets_h5, "momenta")
    config = {"task": {"kind": "jet_tagging", "dataset": str(jets_h5)},
              "model": {"family": "hl_dense"}, "train": {"steps": 1}, "loss": "cross_entropy"}
    for classes, message in ((["QCD", "Xyy"], "unknown jet class 'Xyy'"),
                             (["QCD", "label_QCD"], "two distinct classes")):
        with pytest.raises(UsageError, match=f"task.classes: .*{message}"):
            load_config({**config, "task": {**config["task"], "classes": classes}})
    with pytest.raises(UsageError, match="loss: 'mse' does not fit task kind 'jet_tagging'"):
        load_config({**config, "loss": "mse"})


def test_jetclass_root_files_give_the_same_task(jets_h5, tmp_path):
    """The same jets written as two JetClass ROOT files (read through a glob pattern) give the
    same classes, labels and splits, and inputs equal up to float32 rounding of the features
    the reader recomputes."""
    arrays = read_jets(jets_h5)
    half = arrays["label"].size // 2
    for i, rows in enumerate((slice(0, half), slice(half, None))):
        write_jetclass(tmp_path / f"part{i}_000.root", {k: v[rows] for k, v in arrays.items()})
    for input_kind in ("constituents", "high_level"):
        ours = make_task(jets_h5, input_kind)
        root = make_task(tmp_path / "*_000.root", input_kind)
        assert root.classes == ours.classes and root.inputs_spec == ours.inputs_spec
        for split in ("train", "val", "test"):
            assert torch.equal(root._y[split], ours._y[split])
            torch.testing.assert_close(root._x[split], ours._x[split], rtol=0, atol=1e-5)
    with pytest.raises(UsageError, match="no JetClass file matches"):
        make_task(tmp_path / "*_999.root")


@pytest.mark.parametrize(("model", "max_particles"), [
    ({"family": "hl_dense", "width": 32, "depth": 2}, None),
    ({"family": "part", "width": 16, "depth": 1, "heads": 2, "pair_width": 8}, 16),
])
def test_tiny_tagger_beats_random(jets_h5, tmp_path, model, max_particles):
    """130 training jets, 100 steps: W versus QCD well above chance on 80 test jets."""
    config = {"seed": 1, "device": "cpu", "loss": "cross_entropy",
              "task": {"kind": "jet_tagging", "dataset": str(jets_h5), "n_train": 130,
                       "n_val": 30, "n_test": 80, "max_particles": max_particles},
              "model": model,
              "train": {"batch_size": 32, "steps": 100, "lr": 2e-3, "weight_decay": 0.1,
                        "warmup_steps": 10, "eval_every": 50}}
    record = run_training(config, tmp_path / "run")
    assert record.status == "done" and record.epochs == pytest.approx(100 * 32 / 130)
    assert record.flops_per_sample == training_flops_per_sample(load_config(config))
    print(model["family"], {k: round(v, 3) for k, v in record.metrics.items()})
    assert record.metrics["test_auc_macro"] > 0.7
    assert record.metrics["test_rej50_Wqq"] > 3


def test_evaluate_matches_direct_cross_entropy(jets_h5):
    task = make_task(jets_h5, "constituents", max_particles=24)
    torch.manual_seed(0)
    model = build_model({"family": "part", "width": 16, "depth": 1, "heads": 2},
                        task.inputs_spec)
    metrics = task.evaluate(model, "test", batch_size=7)  # several evaluation batches
    with torch.no_grad():
        logits = model.eval()(task._x["test"])
    y = task._y["test"]
    assert metrics["loss"] == pytest.approx(F.cross_entropy(logits, y).item(), rel=1e-5)
    assert metrics["accuracy"] == pytest.approx((logits.argmax(1) == y).double().mean().item())
    assert task._x["test"].shape == (80, 24, 18)


@pytest.mark.parametrize(("preset", "family"), [("jets_part", "part"), ("jets_hl", "hl_dense")])
def test_presets_load_and_count_flops(jets_h5, preset, family):
    cfg = load_config(preset_path(preset), [f"task.dataset={jets_h5}"])
    assert cfg.task.kind == "jet_tagging" and cfg.model.family == family
    spec = JetTaggingTask.spec_from_config(cfg.task, cfg.loss)
    assert spec.n_outputs == 2 and spec.n_particles == (cfg.task.max_particles or SLOTS)
    model = build_model(cfg.model, spec, device="meta")
    assert training_flops_per_sample(cfg) == 3 * model.forward_flops()
