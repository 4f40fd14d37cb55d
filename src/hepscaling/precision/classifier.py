"""Classifier weights between two arrays, trained by the one loop: the public
:func:`hepscaling.metrics.classifier_weights`.

``classifier_weights(reference, candidate)`` writes the two feature arrays to an HDF5 file
each, trains the ``two_sample_classifier`` task (:mod:`hepscaling.tasks.two_sample`) with
:func:`hepscaling.train.loop.run_training` in a run directory (temporary, or kept in
``workdir``), and returns the test AUC, the run record and
``w(x) = p_reference(x) / p_candidate(x)`` for any points.

Why this package sits here. Training is the loop's job, and the loop sits above the tasks,
which import the numbers-only :mod:`hepscaling.metrics` (ROC AUC, weight summaries). A metrics
module that trains would close a cycle metrics -> train -> tasks -> metrics. So the trainer is
this top-level package, in the layer above ``train`` (beside ``sweeps`` and ``report``), and
``hepscaling.metrics`` re-exports it through a module-level ``__getattr__`` that imports it only
when ``classifier_weights`` is first looked up -- after the package and its importers have
loaded, so the numeric metrics never pull in the loop. The import-linter contracts in
``pyproject.toml`` state exactly this: ``hepscaling.precision`` is a layer above
``hepscaling.train``, the one lazy edge ``hepscaling.metrics -> hepscaling.precision`` is the
only allowed way up out of ``metrics``, and the metrics modules import no training, tasks,
files or physics.

Recipe (defaults; the discriminator-metric classifier of arXiv:2305.16774): MLP 4 x 256,
LeakyReLU(0.1), BCE, Adam (AdamW without weight decay) lr 1e-3 with warmup and cosine decay,
batch 1024, 20 epochs; classes balanced by using ``min(n, m)`` events of each sample, of which
``test_fraction`` are the test set (AUC) and ``val_fraction`` the validation set.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import torch

from hepscaling.errors import UsageError
from hepscaling.models.base import Model, build_model, model_class
from hepscaling.records import RunRecord
from hepscaling.tasks.base import build_task
from hepscaling.tasks.two_sample import TwoSampleTask, check_features, logit_weights
from hepscaling.train.checkpoint import load_checkpoint
from hepscaling.train.config import load_config
from hepscaling.train.loop import run_training

__all__ = ["DEFAULT_MODEL", "DEFAULT_TRAIN", "ClassifierWeights", "classifier_weights"]

#: ``model:`` section of the default classifier
DEFAULT_MODEL: dict[str, Any] = {"family": "mlp", "width": 256, "depth": 4,
                                 "activation": "leaky_relu"}
#: ``train:`` section of the default classifier (``eval_every``: 10 evaluations unless given)
DEFAULT_TRAIN: dict[str, Any] = {"batch_size": 1024, "epochs": 20, "lr": 1e-3,
                                 "schedule": "cosine", "warmup_steps": 100, "grad_clip": None}
_ARRAY = "features"  # the dataset name in the feature files
_EVALUATIONS = 10


@dataclass(frozen=True)
class ClassifierWeights:
    """A trained reference-vs-candidate classifier.

    Attributes
    ----------
    auc : ROC AUC on the held-out test events (0.5: indistinguishable samples).
    record : the run record (``metrics``: ``test_loss``, ``test_auc``, tails, spreads,
        ``test_calibration_error``; ``histograms``: weights and calibration; see
        :mod:`hepscaling.tasks.two_sample`).
    """

    auc: float
    record: RunRecord
    _model: Model
    _task: TwoSampleTask

    def weights(self, x: np.ndarray, batch_size: int = 65536) -> np.ndarray:
        """``w(x) = p_reference(x) / p_candidate(x)`` float64 ``(k,)`` of the points ``x``
        (float ``(k, d)``, the features of the training arrays); clipped to
        ``[1e-6, 1e6]`` (:mod:`hepscaling.metrics.weights`)."""
        x = np.asarray(x)
        check_features(x, x[:1], ("x", "x"))
        if x.shape[1] != self._task.inputs_spec.n_features:
            raise UsageError(f"x has {x.shape[1]} features per point, the classifier was "
                             f"trained on {self._task.inputs_spec.n_features}")
        with torch.no_grad():
            logits = torch.cat([self._model(self._task.standardised(x[i:i + batch_size]))[:, 0]
                                for i in range(0, len(x), batch_size)])
        return logit_weights(logits)


def _write(path: Path, x: np.ndarray, names: Sequence[str] | None) -> str:
    with h5py.File(path, "w") as f:
        f[_ARRAY] = x
        if names is not None:
            f[_ARRAY].attrs["names"] = json.dumps(list(names))
    return str(path)


def classifier_weights(reference: np.ndarray, candidate: np.ndarray, *, seed: int = 0,
                       model: Mapping[str, Any] | None = None,
                       train: Mapping[str, Any] | None = None, test_fraction: float = 0.2,
                       val_fraction: float = 0.1, threads: int | None = None,
                       progress: bool | None = False, names: Sequence[str] | None = None,
                       workdir: str | os.PathLike | None = None) -> ClassifierWeights:
    """Train a classifier between ``reference`` (float ``(n, d)``) and ``candidate``
    (``(m, d)``) through the training loop and return its :class:`ClassifierWeights`.

    Parameters
    ----------
    reference, candidate : the two samples' features (rows = events, same ``d``, finite);
        any units, they are standardised.
    seed : seed of the splits, the initialisation and the batch order.
    model : keys replacing those of :data:`DEFAULT_MODEL` (e.g. ``{"width": 64}``).
    train : keys replacing those of :data:`DEFAULT_TRAIN` (e.g. ``{"epochs": 5}``).
    test_fraction, val_fraction : shares of the ``min(n, m)`` events per sample held out for
        the test AUC and for validation.
    threads : torch CPU threads during training (None: unchanged).
    progress : show the loop's progress bar.
    names : the ``d`` features' names (default ``x0``, ``x1``, ...), used by the record's
        per-feature histograms ``test_feature_<name>``.
    workdir : keep the two feature files (``reference.h5``, ``candidate.h5``) and the run
        directory (``run/``: record, checkpoint, log) here; the same call again returns the
        finished run (default: a temporary directory, removed).

    Raises
    ------
    UsageError
        one line: arrays of other shapes or widths, NaN or infinite features, too few events.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> cw = classifier_weights(rng.normal(size=(2000, 2)), rng.normal(size=(2000, 2)),
    ...                         model={"width": 16, "depth": 1}, train={"epochs": 1})
    >>> abs(cw.auc - 0.5) < 0.1, cw.weights(np.zeros((3, 2))).shape
    (True, (3,))
    """
    reference, candidate = np.asarray(reference), np.asarray(candidate)
    check_features(reference, candidate)
    if names is not None and len(names) != reference.shape[1]:
        raise UsageError(f"{len(names)} names for {reference.shape[1]} features; name each "
                         "feature once")
    if not (0 < test_fraction < 1 and 0 < val_fraction < 1 and test_fraction + val_fraction < 1):
        raise UsageError(f"need 0 < test_fraction, val_fraction and their sum < 1, got "
                         f"{test_fraction} and {val_fraction}")
    n = min(len(reference), len(candidate))
    n_test, n_val = math.ceil(test_fraction * n), math.ceil(val_fraction * n)
    n_train = n - n_test - n_val
    if n_train < 1:
        raise UsageError(f"{n} events per sample leave none for training; pass more events")
    train_cfg = {**DEFAULT_TRAIN, **(train or {})}
    if "eval_every" not in train_cfg and train_cfg.get("epochs") is not None:
        steps = math.ceil(train_cfg["epochs"] * 2 * n_train / train_cfg["batch_size"])
        train_cfg["eval_every"] = max(1, steps // _EVALUATIONS)
    with contextlib.ExitStack() as stack:
        work = Path(workdir) if workdir is not None else Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="hepscaling-classifier-")))
        work.mkdir(parents=True, exist_ok=True)
        task = {"kind": "two_sample_classifier", "array": _ARRAY,
                "reference": _write(work / "reference.h5", reference, names),
                "candidate": _write(work / "candidate.h5", candidate, names),
                "n_train": n_train, "n_val": n_val, "n_test": n_test, "split_seed": seed}
        cfg = load_config({"seed": seed, "device": "cpu", "task": task,
                           "model": {**DEFAULT_MODEL, **(model or {})},
                           "loss": "binary_cross_entropy", "train": train_cfg})
        record = run_training(cfg, work / "run", progress=progress, threads=threads)
        if record.status != "done":
            raise UsageError(f"the classifier diverged: {record.error}")
        device = torch.device("cpu")
        built = build_task(cfg.task, loss=cfg.loss,
                           input_kind=model_class(cfg.model.family).input_kind, device=device)
        net = build_model(cfg.model, built.inputs_spec, device=device)
        state = load_checkpoint(work / "run", record.run_id, device)
        assert state is not None and isinstance(built, TwoSampleTask)  # a finished run
    best = state["best"].get("state")
    net.load_state_dict(best if best is not None else state["model"])
    net.eval()
    return ClassifierWeights(float(record.metrics["test_auc"] or math.nan), record, net, built)
