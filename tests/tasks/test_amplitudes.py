"""Amplitude regression task: splits, file layouts, inputs, augmentation, metrics."""

import math

import h5py
import numpy as np
import pytest
import torch

from helpers.amplitude_files import PROCESS, toy_me2, write_toy_amplitudes
from helpers.invariance import apply_lorentz
from helpers.invariance import random_lorentz as reference_lorentz
from hepscaling.errors import UsageError
from hepscaling.tasks.amplitudes import AmplitudeTask, AmplitudeTaskConfig, random_lorentz

CPU = torch.device("cpu")
METRIC = torch.diag(torch.tensor([1.0, -1.0, -1.0, -1.0]))


def make_task(path, loss="mse", input_kind="invariants", **cfg) -> AmplitudeTask:
    settings = {"dataset": str(path), "n_train": 400, "n_val": 200, "n_test": 200, **cfg}
    return AmplitudeTask(AmplitudeTaskConfig(**settings), loss=loss, input_kind=input_kind,
                         device=CPU)


def test_val_and_test_targets_do_not_depend_on_d(toy_h5):
    a, b = make_task(toy_h5, n_train=50), make_task(toy_h5, n_train=400)
    for split in ("val", "test"):
        ya = a._y[split].double() * a.log_std + a.log_mean
        yb = b._y[split].double() * b.log_std + b.log_mean
        assert torch.allclose(ya, yb, rtol=1e-6)
    assert a.log_std != b.log_std  # the standardisation is the training set's own
    assert b._y["train"].mean().abs() < 1e-5 and b._y["train"].std(correction=0) == \
        pytest.approx(1.0, rel=1e-5)


def test_public_row_layouts_match_our_format(toy_h5, tmp_path):
    ours = make_task(toy_h5)
    for layout, name in (("npy", "rows.npy"), ("rows_h5", "rows.h5")):
        path = write_toy_amplitudes(tmp_path / name, n=800, layout=layout)
        other = make_task(path, process=PROCESS)
        assert torch.equal(other._x["train"], ours._x["train"])
        assert torch.equal(other._y["test"], ours._y["test"])


def test_invariant_inputs_are_lorentz_invariant(toy_h5, tmp_path):
    with h5py.File(toy_h5) as f:
        p, me2 = f["momenta"][()], f["me2"][()]
    moved = apply_lorentz(p, reference_lorentz(len(p), seed=1))
    path = tmp_path / "moved.npy"
    np.save(path, np.concatenate([moved.reshape(len(p), -1), me2[:, None]], axis=1))
    a, b = make_task(toy_h5), make_task(path, process=PROCESS)
    assert a.inputs_spec.n_features == 10
    assert torch.allclose(a._x["test"], b._x["test"], atol=1e-4)


def test_momenta_inputs_in_partonic_frame_sorted(toy_h5):
    task = make_task(toy_h5, input_kind="momenta")
    x = task._x["train"].double()  # (400, 5, 4), scaled
    incoming = x[:, :2].sum(dim=1)
    assert torch.allclose(incoming[:, 1:], torch.zeros(400, 3, dtype=torch.float64), atol=1e-5)
    energies = x[:, 2:, 0]  # three gluons, ordered by decreasing energy
    assert torch.all(energies[:, :-1] >= energies[:, 1:])
    assert task.inputs_spec.particle_types == (0, 1, 2, 2, 2)
    # the toy |M|^2 of the scaled momenta is |M|^2 itself (it is scale invariant)
    y_log = task._y["train"].double() * task.log_std + task.log_mean
    assert np.allclose(np.log(toy_me2(x.numpy())), y_log.numpy(), atol=1e-4)


def test_random_lorentz_matrices():
    g = torch.Generator().manual_seed(0)
    lam = random_lorentz(100, g, max_rapidity=1.0, device=CPU)
    lhs = lam.transpose(1, 2) @ METRIC @ lam
    assert torch.allclose(lhs, METRIC.expand(100, 4, 4), atol=1e-5)
    assert torch.all(lam[:, 0, 0] >= 1.0 - 1e-6)
    assert torch.allclose(torch.linalg.det(lam), torch.ones(100), atol=1e-4)
    assert lam[:, 0, 0].max() > 1.2  # there are real boosts
    rot = random_lorentz(100, g, max_rapidity=None, device=CPU)
    assert torch.allclose(rot[:, 0, 0], torch.ones(100)) and torch.all(rot[:, 0, 1:] == 0)


@pytest.mark.parametrize("augmentation", ["rotation", "lorentz"])
def test_augmentation_keeps_invariants(toy_h5, augmentation):
    task = make_task(toy_h5, input_kind="momenta", augmentation=augmentation)
    index = torch.arange(64)
    x, y = task.train_batch(index, torch.Generator().manual_seed(0))
    x0 = task._x["train"][index]
    assert not torch.allclose(x, x0)
    dots = torch.einsum("bki,ij,blj->bkl", x.double(), METRIC.double(), x.double())
    dots0 = torch.einsum("bki,ij,blj->bkl", x0.double(), METRIC.double(), x0.double())
    assert torch.allclose(dots, dots0, rtol=1e-4, atol=1e-5)
    assert torch.equal(y, task._y["train"][index])


def test_metrics_against_amplitude_space_formulas(toy_h5):
    task = make_task(toy_h5, loss="heteroscedastic")
    y = task._y["test"]
    rng = np.random.default_rng(0)
    shift = torch.tensor(rng.normal(0, 0.01, y.shape[0]), dtype=torch.float32)
    log_sigma = torch.tensor(rng.normal(-4, 0.3, y.shape[0]), dtype=torch.float32)
    out = torch.stack([y + shift, log_sigma], dim=1)
    task.predict = lambda *args, **kwargs: out
    got = task.evaluate(model=None, split="test")

    s, m = task.log_std, task.log_mean
    yd, pd = y.double().numpy(), out[:, 0].double().numpy()
    a_true, a_pred = np.exp(s * yd + m), np.exp(s * pd + m)
    delta = (a_pred - a_true) / a_true
    sigma_a = a_pred * s * np.exp(out[:, 1].double().numpy())
    pull = (a_pred - a_true) / sigma_a
    assert got["mse"] == pytest.approx(np.mean((pd - yd) ** 2), rel=1e-6)
    assert got["mse_log"] == pytest.approx(np.mean(np.log(a_pred / a_true) ** 2), rel=1e-6)
    assert got["abs_rel_err_mean"] == pytest.approx(np.mean(np.abs(delta)), rel=1e-6)
    for t in ("1e-3", "1e-2", "1e-1"):
        assert got[f"frac_rel_err_below_{t}"] == pytest.approx(np.mean(np.abs(delta) < float(t)))
    assert got["pull_mean"] == pytest.approx(np.mean(pull), rel=1e-6)
    assert got["pull_std"] == pytest.approx(np.std(pull, ddof=1), rel=1e-6)
    assert got["coverage_1sigma"] == pytest.approx(np.mean(np.abs(pull) < 1))

    numbers, histograms = task.final_metrics(model=_LinearPlaceholder(), split="test")
    assert list(numbers) == ["twonn_inputs"] and list(histograms) == ["pull"]
    hist = histograms["pull"]
    expected, _ = np.histogram(np.clip(pull, -5, 5), bins=np.linspace(-5, 5, 41))
    assert hist["edges"] == pytest.approx(np.linspace(-5, 5, 41).tolist())
    assert hist["counts"] == expected.tolist()
    assert sum(hist["counts"]) == y.shape[0]
    assert make_task(toy_h5, loss="mse").final_metrics(
        model=_LinearPlaceholder(), split="test")[1] == {}
    assert got["coverage_2sigma"] == pytest.approx(np.mean(np.abs(pull) < 2))
    nll = np.mean(0.5 * (yd - pd) ** 2 * np.exp(-2 * out[:, 1].double().numpy())
                  + out[:, 1].double().numpy())
    assert got["loss"] == pytest.approx(nll, rel=1e-5)
    assert math.isfinite(got["pull_std"]) and 0 < got["coverage_1sigma"] < 1


class _LinearPlaceholder(torch.nn.Module):
    """A model without a representation (the default of Model.representation)."""

    def representation(self, inputs):
        return None


def test_intrinsic_dimensions_of_inputs_and_hidden_layer(toy_h5):
    # 2 -> 3 at fixed sqrt(s): phase space d = 3 x 3 - 4 = 5, but the 10 invariants do not
    # see the rotation about the beam axis: a manifold of dimension 3 n_f - 5 = 4
    from hepscaling.models.base import build_model

    task = make_task(toy_h5, n_train=100, n_val=100, n_test=600)
    model = build_model({"family": "mlp", "width": 32, "depth": 2}, task.inputs_spec,
                        device=CPU)
    numbers, _ = task.final_metrics(model, "test")
    assert numbers["twonn_inputs"] == pytest.approx(4.0, abs=0.5)  # 600 points: ~4% noise
    # an untrained GELU network maps the manifold smoothly: its dimension stays ~4, far
    # below the width 32
    assert numbers["twonn_representation"] == pytest.approx(4.0, abs=0.5)
    assert model.training  # the train mode is restored


def test_process_must_match_the_file(toy_h5, tmp_path):
    with pytest.raises(UsageError, match="not 'u u~ > g g'"):
        make_task(toy_h5, process="u u~ > g g")
    rows = write_toy_amplitudes(tmp_path / "rows.npy", n=800, layout="npy")
    with pytest.raises(UsageError, match="columns"):
        make_task(rows, process="u u~ > g g")


@pytest.mark.parametrize(("process", "message"), [
    ("u u~ > g g g /a", "'/a' is not supported"),  # once read as 'u u~ > g g g'
    ("u u~ > g g x", "unknown particle"),
])
def test_bad_process_strings_get_the_engine_error(toy_h5, process, message):
    with pytest.raises(UsageError, match=message):
        AmplitudeTask.spec_from_config(AmplitudeTaskConfig(dataset=str(toy_h5),
                                                           process=process), "mse")


def test_spec_from_config_reads_only_metadata(toy_h5):
    spec = AmplitudeTask.spec_from_config(AmplitudeTaskConfig(dataset=str(toy_h5)),
                                          "heteroscedastic")
    assert (spec.n_features, spec.n_particles, spec.n_outputs) == (10, 5, 2)
    assert spec.particle_types == (0, 1, 2, 2, 2)
