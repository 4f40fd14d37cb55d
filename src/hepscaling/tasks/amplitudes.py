"""Amplitude regression: learn log |M|^2 from event momenta (the amplitude-surrogate task).

Data: an amplitude dataset read by :func:`hepscaling.data.amplitudes.read_amplitudes` (our
HDF5 format or the public row layout). Splits (:func:`~hepscaling.tasks.splits.split_indices`):
one permutation of all events seeded by ``split_seed``; the first ``n_test`` events are the test
set, the next ``n_val`` the validation set, the following ``n_train`` the training set — so test
and validation sets never depend on D, and the training set of a larger D contains that of a
smaller one.

Preprocessing: events are boosted to the partonic frame and identical final-state particles
ordered by decreasing energy. Inputs: ``"invariants"`` = ``log(p_i.p_j)`` for all pairs,
standardised per feature on the training set; ``"momenta"`` = partonic-frame momenta divided by
their RMS entry on the training set, optionally randomly rotated or Lorentz transformed per
training batch. Target: ``y = (log|M|^2 - mean) / std`` with training-set mean and std.

Metrics (:meth:`AmplitudeTask.evaluate`): ``loss``; ``mse`` of the standardised target (the
headline; equals the loss for MSE training); ``mse_log`` (MSE of natural-log |M|^2, independent
of the standardisation); relative error ``delta = A_pred / A_true - 1`` as ``abs_rel_err_mean``
and ``frac_rel_err_below_{1e-3,1e-2,1e-1}``; for the heteroscedastic loss the pull
``t = (A_pred - A_true) / sigma_A`` with ``sigma_A = A_pred sigma_log`` (linear propagation of the
log-space sigma) as ``pull_mean``, ``pull_std``, ``coverage_1sigma``, ``coverage_2sigma``, and
the test-set pull histogram in the record (``histograms["test_pull"]``, :meth:`final_metrics`).
Once per run (:meth:`final_metrics`): the TwoNN intrinsic dimension
(:func:`hepscaling.metrics.intrinsic_dimension.twonn_dimension`) of the inputs,
``twonn_inputs``, and of the network's internal representation (:meth:`Model.representation`,
e.g. the MLP's last hidden layer), ``twonn_representation``, on the first
:data:`TWONN_POINTS` events of the split. The invariant inputs have dimension
``3 n_f - 5``: the phase space ``d = 3 n_f - 4`` less the rotation about the beam axis.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import ClassVar, Literal

import h5py
import numpy as np
import torch
from pydantic import Field

from hepscaling.data import preprocessing as pre
from hepscaling.errors import UsageError, require_file
from hepscaling.metrics.intrinsic_dimension import twonn_dimension
from hepscaling.models.base import InputKind, InputsSpec, Model
from hepscaling.physics.process import parse_process
from hepscaling.tasks.base import Histograms, Split, Task, TaskConfig, peek_cache, register_task
from hepscaling.tasks.losses import heteroscedastic_nll, mse
from hepscaling.tasks.splits import split_indices

__all__ = ["AmplitudeTask", "AmplitudeTaskConfig", "random_lorentz"]

#: bin edges of the pull histogram stored in heteroscedastic run records
PULL_EDGES = np.linspace(-5.0, 5.0, 41)
REL_ERR_THRESHOLDS = ("1e-3", "1e-2", "1e-1")
#: events of the split on which the intrinsic dimensions are estimated
TWONN_POINTS = 2000


class AmplitudeTaskConfig(TaskConfig):
    """``task:`` section of ``amplitude_regression``."""

    LOSSES: ClassVar[tuple[str, ...]] = ("mse", "heteroscedastic")

    kind: Literal["amplitude_regression"] = "amplitude_regression"
    dataset: str = Field(description="amplitude file: our HDF5, or rows as .npy / 2-D .h5")
    process: str | None = Field(None, description="process string; default: the file's own")
    n_train: int = Field(1000, ge=2, description="D: training events")
    n_val: int = Field(2000, gt=0, description="validation events (fixed)")
    n_test: int = Field(10000, gt=0, description="test events (fixed)")
    split_seed: int = Field(0, ge=0, description="seed of the one shuffle defining all splits")
    augmentation: Literal["none", "rotation", "lorentz"] = "none"
    augment_rapidity: float = Field(1.0, gt=0, description="lorentz: max boost rapidity")


def random_lorentz(n: int, generator: torch.Generator, *, max_rapidity: float | None,
                   device: torch.device) -> torch.Tensor:
    """``n`` random Lorentz matrices float32 ``(n, 4, 4)``: a uniform rotation, then (if
    ``max_rapidity``) a boost of rapidity uniform in ``[0, max_rapidity]`` along a random axis.
    Apply as ``p' = Lambda p`` on ``(E, px, py, pz)`` column vectors."""
    q, r = torch.linalg.qr(torch.randn(n, 3, 3, generator=generator, device=device))
    q = q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1))[:, None, :]  # Haar-uniform O(3)
    q[:, :, 0] *= torch.sign(torch.linalg.det(q))[:, None]  # det +1
    lam = torch.zeros(n, 4, 4, device=device)
    lam[:, 0, 0] = 1.0
    lam[:, 1:, 1:] = q
    if max_rapidity is None:
        return lam
    axis = torch.randn(n, 3, generator=generator, device=device)
    axis = axis / axis.norm(dim=1, keepdim=True)
    eta = max_rapidity * torch.rand(n, generator=generator, device=device)
    ch, sh = torch.cosh(eta), torch.sinh(eta)
    b = torch.zeros(n, 4, 4, device=device)
    b[:, 0, 0] = ch
    b[:, 0, 1:] = sh[:, None] * axis
    b[:, 1:, 0] = sh[:, None] * axis
    b[:, 1:, 1:] = torch.eye(3, device=device) + (ch - 1)[:, None, None] * (
        axis[:, :, None] * axis[:, None, :])
    return b @ lam


@peek_cache
def _peek(path: str) -> tuple[int, str | None]:
    """Particles per event and the recorded process of an amplitude file, without reading it."""
    if path.endswith(".npy"):
        shape = np.load(path, mmap_mode="r").shape
        return (shape[1] - 1) // 4, None
    with h5py.File(path, "r") as f:
        if "momenta" in f:
            provenance = json.loads(f.attrs.get("provenance", "{}"))
            return f["momenta"].shape[1], provenance.get("process")
        arrays = [obj for obj in f.values() if isinstance(obj, h5py.Dataset)]
        return (arrays[0].shape[1] - 1) // 4 if arrays else 0, None


def _particle_layout(process: str | None, k: int, source: str) -> tuple[tuple[int, ...], int]:
    """Type ids ``(k,)`` and number of incoming particles; all distinct without a process."""
    if process is None:
        return tuple(range(k)), 2
    proc = parse_process(process)
    if len(proc.particles) != k:
        raise UsageError(f"{source}: events have {k} particles but process {process!r} has "
                         f"{len(proc.particles)}; set task.process to the right process")
    return pre.type_ids(tuple(p.name for p in proc.particles)), proc.n_initial


@register_task("amplitude_regression", AmplitudeTaskConfig)
class AmplitudeTask(Task):
    """Regression of standardised log |M|^2; data held on ``device`` as float32 tensors."""

    # float32 under ``train.precision: auto``: bfloat16 steps (8 mantissa bits) stall the fit
    # early. Measured (benchmarks/results/precision.md, u u~ > t t~ h, D = 1600, MLP 128 x 4,
    # 3000 steps, 2 seeds): test_mse_log 4.7-4.9e-6 in bf16 vs 3.8-4.0e-6 in fp32 (+23%, the
    # seed spread is 6%), final training loss 2x fp32's; and no faster at that size
    auto_precision = "fp32"

    @classmethod
    def spec_from_config(cls, cfg: AmplitudeTaskConfig, loss: str) -> InputsSpec:
        path = require_file(cfg.dataset, "amplitude file")
        k, recorded = _peek(str(path.resolve()), [path])
        types, _ = _particle_layout(cfg.process or recorded, k, str(path))
        return InputsSpec(n_features=k * (k - 1) // 2, n_particles=k, particle_types=types,
                          n_outputs=2 if loss == "heteroscedastic" else 1)

    def __init__(self, cfg: AmplitudeTaskConfig, *, loss: str, input_kind: InputKind,
                 device: torch.device) -> None:
        from hepscaling.data.amplitudes import read_amplitudes

        data = read_amplitudes(Path(cfg.dataset), process=cfg.process)
        source = str(cfg.dataset)
        types, n_initial = _particle_layout(cfg.process or data.provenance.get("process"),
                                            data.n_particles, source)
        k = data.n_particles
        self.cfg, self.loss_kind, self.input_kind, self.device = cfg, loss, input_kind, device
        self.inputs_spec = InputsSpec(n_features=k * (k - 1) // 2, n_particles=k,
                                      particle_types=types,
                                      n_outputs=2 if loss == "heteroscedastic" else 1)
        self.n_train = cfg.n_train
        index = split_indices(data.n, cfg.n_train, cfg.n_val, cfg.n_test, cfg.split_seed)
        momenta = {s: pre.sort_identical(pre.to_partonic_frame(data.momenta[i], n_initial),
                                         types, n_initial) for s, i in index.items()}
        log_me2 = {s: np.log(data.me2[i]) for s, i in index.items()}
        _, mean, std = pre.standardize(log_me2["train"], log_me2["train"])
        self.log_mean, self.log_std = float(mean), float(std)  # of log|M|^2 on the train set
        self._y = {s: self.tensor((v - mean) / std) for s, v in log_me2.items()}
        if input_kind == "invariants":
            feats = {s: pre.log_invariants(p) for s, p in momenta.items()}
            self._x = {s: self.tensor(pre.standardize(f, feats["train"])[0])
                       for s, f in feats.items()}
        else:
            scale = math.sqrt(float(np.mean(momenta["train"] ** 2)))
            self._x = {s: self.tensor(p / scale) for s, p in momenta.items()}

    def train_batch(self, index: torch.Tensor,
                    generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs ``(B, n_features)`` or ``(B, k, 4)`` and targets ``(B,)`` of ``index``."""
        x = self._x["train"].index_select(0, index)
        if self.input_kind == "momenta" and self.cfg.augmentation != "none":
            lam = random_lorentz(
                x.shape[0], generator, device=self.device,
                max_rapidity=self.cfg.augment_rapidity if self.cfg.augmentation == "lorentz"
                else None)
            x = torch.einsum("bij,bkj->bki", lam, x)  # p'_k = Lambda p_k
        return x, self._y["train"].index_select(0, index)

    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """MSE of channel 0, or the Gaussian NLL with channel 1 = log sigma (scalar)."""
        if self.loss_kind == "heteroscedastic":
            return heteroscedastic_nll(output[:, 0], output[:, 1], target)
        return mse(output[:, 0], target)

    def inputs(self, split: Split | Literal["train"]) -> torch.Tensor:
        """Inputs of a whole split: ``(n, n_features)`` invariants or ``(n, k, 4)`` momenta."""
        return self._x[split]

    @torch.no_grad()
    def evaluate(self, model: Model, split: Split, batch_size: int = 8192) -> dict[str, float]:
        """Metrics on ``split`` (see the module docstring); one host sync."""
        out = self.predict(model, split, batch_size)
        y = self._y[split]
        d = out[:, 0].double() - y.double()  # standardised residual (n,)
        d_log = self.log_std * d  # log A_pred - log A_true
        rel = torch.expm1(d_log).abs()
        values = {"loss": self.loss(out, y), "mse": (d**2).mean(), "mse_log": (d_log**2).mean(),
                  "abs_rel_err_mean": rel.mean()}
        for t in REL_ERR_THRESHOLDS:
            values[f"frac_rel_err_below_{t}"] = (rel < float(t)).double().mean()
        if self.loss_kind == "heteroscedastic":
            pull = self._pull(out, y)
            values.update(pull_mean=pull.mean(), pull_std=pull.std(),
                          coverage_1sigma=(pull.abs() < 1).double().mean(),
                          coverage_2sigma=(pull.abs() < 2).double().mean())
        numbers = torch.stack([v.double() for v in values.values()]).tolist()
        return dict(zip(values, numbers, strict=True))

    def _pull(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Pull ``t = (A_pred - A_true) / sigma_A`` float64 ``(n,)`` with ``sigma_A = A_pred
        sigma_log`` propagated from the predicted log-space width."""
        d_log = self.log_std * (out[:, 0].double() - y.double())  # log A_pred - log A_true
        sigma_log = self.log_std * torch.exp(out[:, 1].double())
        return -torch.expm1(-d_log) / sigma_log

    @torch.no_grad()
    def final_metrics(self, model: Model, split: Split,
                      batch_size: int = 8192) -> tuple[dict[str, float], Histograms]:
        """The intrinsic dimensions ``twonn_inputs`` and (if the model exposes one)
        ``twonn_representation``; for heteroscedastic runs also the histogram ``"pull"`` on
        :data:`PULL_EDGES` (values beyond +-5 counted in the outermost bins)."""
        numbers = self._intrinsic_dimensions(model, split)
        if self.loss_kind != "heteroscedastic":
            return numbers, {}
        pull = self._pull(self.predict(model, split, batch_size), self._y[split])
        clipped = pull.clamp(PULL_EDGES[0], PULL_EDGES[-1]).cpu().numpy()
        counts, _ = np.histogram(clipped, bins=PULL_EDGES)
        return numbers, {"pull": {"edges": PULL_EDGES.tolist(), "counts": counts.tolist()}}

    def _intrinsic_dimensions(self, model: Model, split: Split) -> dict[str, float]:
        """TwoNN dimension of the inputs and of ``model``'s representation of them, on the
        first :data:`TWONN_POINTS` events of ``split``."""
        x = self._x[split][:TWONN_POINTS]
        numbers = {"twonn_inputs": twonn_dimension(x.reshape(len(x), -1).cpu().numpy())}
        was_training = model.training
        model.eval()
        try:
            features = model.representation(x)  # (n, F) or None
        finally:
            model.train(was_training)
        if features is not None:
            numbers["twonn_representation"] = twonn_dimension(features.double().cpu().numpy())
        return numbers
