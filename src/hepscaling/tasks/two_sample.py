"""Two-sample classification: tell a reference sample from a candidate (task
``two_sample_classifier``), the precision control of generators (arXiv:2305.16774).

A classifier with one logit ``z`` learns ``p = sigmoid(z)`` = P(reference | x) on balanced
classes, so ``w(x) = p / (1 - p)`` estimates ``p_reference(x) / p_candidate(x)``
(:mod:`hepscaling.metrics.weights`). Reference = truth (held out from any generator's
training), candidate = generated events; a truth-vs-truth run on two disjoint truth files sets
the statistical floor.

Features, float ``(n, d)`` per sample, from two HDF5 files:

- ``array: NAME``: the float dataset ``NAME`` ``(n, d)`` of each file, used as it is (any
  features computed elsewhere; the :func:`hepscaling.metrics.classifier_weights` API writes
  its arrays this way); its attribute ``names`` (JSON list of ``d`` strings), when present,
  names the features, and must then be the same in both files;
- ``n_jets: K``: zmumu event files (:mod:`hepscaling.data.events`); the events with exactly K
  jets, their ``observables`` (:mod:`hepscaling.physics.events.observables`; default: all
  defined for K jets).

Both samples are split alike by :func:`~hepscaling.tasks.splits.split_indices` (``n_train``,
``n_val``, ``n_test`` events *per sample*, so every split is balanced; D = ``2 n_train``),
features standardised with the mean and std of the training events of both samples. Label 1 =
reference, 0 = candidate; loss ``binary_cross_entropy``; models of input kind
``invariants`` or ``high_level`` (families ``mlp``, ``mlp_mup``, ``hl_dense``).

Cheap metrics (:meth:`TwoSampleTask.evaluate`): ``loss`` (BCE, nats; ``ln 2`` = no
separation) and ``auc`` (ROC AUC of ``z``; 0.5 = indistinguishable).

End-of-run metrics (:meth:`TwoSampleTask.final_metrics`, test split): ``auc_sigma``, the
standard error of the test AUC at the test size (:func:`~hepscaling.metrics.roc.
auc_standard_error`); per sample ``s`` in ``reference``, ``candidate``: the tail fractions
``<s>_frac_w_lt_0p1``, ``_lt_0p5``, ``_gt_2``, ``_gt_10``, ``<s>_frac_w_off_0p1`` (fraction
of ``|w - 1| > 0.1``), ``<s>_log_w_std`` (spread of log w) and ``<s>_mean_w``
(``candidate_mean_w`` should be 1: the reweighted candidate keeps its normalisation), the
expected ``calibration_error``; histograms ``w_<s>`` (log-binned weights), ``calibration``
(reliability curve) and, per feature ``f`` (:attr:`TwoSampleTask.names`), ``feature_<f>``
(:func:`feature_histogram`): on :data:`FEATURE_BINS` bins over the central 99% of the
reference test events, ``counts``/``errors`` of the reference, ``candidate``/
``candidate_errors``, ``reweighted``/``reweighted_errors`` (candidate events weighted by
``w``: matches the reference where the classifier learned the ratio), and ``<s>_<tail>`` (the
events of sample ``s`` in each weight tail ``w_lt_0p1``, ``w_lt_0p5``, ``w_gt_2``,
``w_gt_10``: where the candidate over- or under-populates).

Config (``task:`` section)::

    kind: two_sample_classifier
    reference: data/truth.h5   # HDF5 file of the reference sample (truth)
    candidate: data/gen.h5     # HDF5 file of the candidate sample (generated)
    array: null                # name of a float (n, d) dataset in both files ...
    n_jets: null               # ... or: zmumu files, this exclusive jet multiplicity (1-3)
    observables: null          # zmumu: observable names (default: all for n_jets)
    n_train: 10000             # training events per sample
    n_val: 2000                # validation events per sample (fixed)
    n_test: 10000              # test events per sample (fixed)
    split_seed: 0
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import ClassVar, Literal

import h5py
import numpy as np
import torch
from pydantic import Field, model_validator

from hepscaling.data.preprocessing import standardize
from hepscaling.errors import UsageError, require_file
from hepscaling.metrics.roc import auc_standard_error, roc_auc
from hepscaling.metrics.weights import (
    TAILS_HIGH,
    TAILS_LOW,
    calibration_curve,
    deviation_fraction,
    log_weight_spread,
    quantile_edges,
    tail_fractions,
    weight_histogram,
    weighted_histogram,
    weights_from_probabilities,
)
from hepscaling.models.base import InputKind, InputsSpec, Model
from hepscaling.tasks.base import Histograms, Split, Task, TaskConfig, register_task
from hepscaling.tasks.losses import binary_cross_entropy
from hepscaling.tasks.splits import split_indices

__all__ = ["FEATURE_BINS", "SAMPLES", "TAILS", "TwoSampleConfig", "TwoSampleTask",
           "check_features", "feature_histogram", "logit_weights"]

#: the two samples, in label order 1, 0
SAMPLES: tuple[str, str] = ("reference", "candidate")
#: bins of the per-feature histograms
FEATURE_BINS = 40
#: the weight tails of the per-feature histograms: name -> mask of the weights (n,)
TAILS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    **{f"w_lt_{t:g}".replace(".", "p"): functools.partial(np.greater, t) for t in TAILS_LOW},
    **{f"w_gt_{t:g}".replace(".", "p"): functools.partial(np.less, t) for t in TAILS_HIGH}}


class TwoSampleConfig(TaskConfig):
    """``task:`` section of ``two_sample_classifier`` (see the module docstring)."""

    LOSSES: ClassVar[tuple[str, ...]] = ("binary_cross_entropy",)
    DATA_FILES: ClassVar[tuple[str, ...]] = ("reference", "candidate")

    kind: Literal["two_sample_classifier"] = "two_sample_classifier"
    reference: str = Field(description="HDF5 file of the reference sample (truth)")
    candidate: str = Field(description="HDF5 file of the candidate sample (generated)")
    array: str | None = Field(None, description="float (n, d) dataset of both files")
    n_jets: int | None = Field(None, ge=1, le=3, description="zmumu files: jet multiplicity")
    observables: tuple[str, ...] | None = Field(None, description="zmumu: observable names")
    n_train: int = Field(10000, ge=1, description="training events per sample")
    n_val: int = Field(2000, ge=1, description="validation events per sample (fixed)")
    n_test: int = Field(10000, ge=1, description="test events per sample (fixed)")
    split_seed: int = Field(0, ge=0, description="seed of the shuffle defining the splits")

    @model_validator(mode="after")
    def _one_source(self) -> TwoSampleConfig:
        if (self.array is None) == (self.n_jets is None):
            raise ValueError("set exactly one of task.array (features stored in the files) "
                             "and task.n_jets (zmumu event files)")
        if self.observables is not None:
            from hepscaling.physics.events.observables import observable_names

            if self.n_jets is None:
                raise ValueError("task.observables needs zmumu files: set task.n_jets")
            allowed = observable_names(self.n_jets)
            unknown = [o for o in self.observables if o not in allowed]
            if unknown or not self.observables:
                raise ValueError(f"observable(s) {unknown} not defined for {self.n_jets} "
                                 f"jet(s); choose from {', '.join(allowed)}")
        return self

    def names(self) -> tuple[str, ...] | None:
        """The zmumu observables used (None for stored features)."""
        if self.n_jets is None:
            return None
        from hepscaling.physics.events.observables import observable_names

        return self.observables or observable_names(self.n_jets)


def check_features(reference: np.ndarray, candidate: np.ndarray,
                   sources: tuple[str, str] = SAMPLES) -> None:
    """Raise a one-line :class:`UsageError` unless ``reference`` ``(n, d)`` and ``candidate``
    ``(m, d)`` are non-empty, finite, real 2-d arrays of the same width ``d``; ``sources``
    names them in the message."""
    for x, source in zip((reference, candidate), sources, strict=True):
        if x.ndim != 2 or not x.shape[0] or not x.shape[1] or x.dtype.kind not in "fiu":
            raise UsageError(f"{source}: features must be a non-empty real (n, d) array, got "
                             f"shape {x.shape} ({x.dtype})")
        bad = ~np.isfinite(x).all(axis=1)
        if bad.any():
            raise UsageError(f"{source}: features of event {int(np.flatnonzero(bad)[0])} are "
                             f"NaN or infinite ({int(bad.sum())} such events); drop or fix "
                             "them first")
    if reference.shape[1] != candidate.shape[1]:
        raise UsageError(f"{sources[0]} has {reference.shape[1]} features per event but "
                         f"{sources[1]} has {candidate.shape[1]}; compute the same features "
                         "for both samples")


def _read(cfg: TwoSampleConfig, path: str) -> np.ndarray:
    """Features float64 ``(n, d)`` of the file ``path`` (module docstring)."""
    names = cfg.names()
    if names is None:
        require_file(path, "sample file")
        with h5py.File(path, "r") as f:
            if cfg.array not in f:
                raise UsageError(f"{path} has no dataset {cfg.array!r} (task.array); it holds "
                                 f"{', '.join(f) or 'nothing'}")
            return np.asarray(f[cfg.array][()], dtype=np.float64)
    from hepscaling.data.events import read_events
    from hepscaling.physics.events.observables import event_observables

    events = read_events(path)
    return event_observables(events["momenta"][events["n_jets"] == cfg.n_jets], names)


def _stored_names(path: str, array: str, width: int) -> tuple[str, ...] | None:
    """The ``names`` attribute (JSON list of ``width`` strings) of dataset ``array`` of
    ``path``, or None without one."""
    with h5py.File(path, "r") as f:
        text = f[array].attrs.get("names")
    if text is None:
        return None
    names = tuple(json.loads(text))
    if len(names) != width:
        raise UsageError(f"{path}: {array!r} has {width} features but its names attribute "
                         f"lists {len(names)}; rewrite the file")
    return names


def feature_names(cfg: TwoSampleConfig, width: int) -> tuple[str, ...]:
    """The names of the ``width`` features: the zmumu observables, the ``names`` attribute
    of stored arrays (UsageError when the two files name different features), else ``x0``,
    ``x1``, ..."""
    names = cfg.names()
    if names is not None:
        return names
    ref, cand = (_stored_names(path, str(cfg.array), width) for path in (cfg.reference,
                                                                          cfg.candidate))
    if ref is not None and cand is not None and ref != cand:
        differ = [f"{a}/{b}" for a, b in zip(ref, cand, strict=True) if a != b]
        raise UsageError(f"{cfg.reference} and {cfg.candidate} hold different features "
                         f"({', '.join(differ[:3])}); compute the same features for both")
    return ref or cand or tuple(f"x{i}" for i in range(width))


def feature_histogram(reference: np.ndarray, candidate: np.ndarray, w_reference: np.ndarray,
                      w_candidate: np.ndarray) -> dict[str, list[float]]:
    """The ``feature_<f>`` histogram of one feature (module docstring): the feature's values
    float ``(n,)`` and ``(m,)`` of the two samples' test events and their weights ``w``."""
    edges = quantile_edges(reference, FEATURE_BINS)
    out = weighted_histogram(reference, edges)
    for key, x, weights in (("candidate", candidate, None),
                            ("reweighted", candidate, w_candidate)):
        h = weighted_histogram(x, edges, weights)
        out[key], out[f"{key}_errors"] = h["counts"], h["errors"]
    for sample, x, w in (("reference", reference, w_reference),
                         ("candidate", candidate, w_candidate)):
        for tail, inside in TAILS.items():
            out[f"{sample}_{tail}"] = weighted_histogram(x[inside(w)], edges)["counts"]
    return out


def _width(cfg: TwoSampleConfig) -> int:
    """Features per event without loading them."""
    names = cfg.names()
    if names is not None:
        return len(names)
    with h5py.File(require_file(cfg.reference, "sample file"), "r") as f:
        shape: tuple[int, ...] = f[cfg.array].shape if cfg.array in f else ()
    if len(shape) != 2:
        raise UsageError(f"{cfg.reference}: task.array {cfg.array!r} must name a 2-d (n, d) "
                         f"dataset, found shape {shape or 'none'}")
    return int(shape[1])


def logit_weights(logit: torch.Tensor) -> np.ndarray:
    """Weights ``w = p / (1 - p)``, ``p = sigmoid(logit)`` (float ``(n,)``), as float64
    ``(n,)`` (clipped, :func:`~hepscaling.metrics.weights.weights_from_probabilities`)."""
    return weights_from_probabilities(torch.sigmoid(logit.double()).cpu().numpy())


@register_task("two_sample_classifier", TwoSampleConfig)
class TwoSampleTask(Task):
    """Reference (label 1) vs candidate (label 0) on standardised features, on ``device``.

    Attributes ``mean``, ``std``: float64 ``(d,)``, the standardisation of the features;
    ``names``: the features' names (:func:`feature_names`).
    """

    auto_precision = "bf16"  # a classifier's probabilities tolerate bfloat16 steps

    @classmethod
    def spec_from_config(cls, cfg: TaskConfig, loss: str) -> InputsSpec:
        assert isinstance(cfg, TwoSampleConfig)
        return InputsSpec(n_outputs=1, n_features=_width(cfg))

    def __init__(self, cfg: TwoSampleConfig, *, loss: str, input_kind: InputKind,
                 device: torch.device) -> None:
        if input_kind not in ("invariants", "high_level"):
            raise UsageError(f"task two_sample_classifier takes flat features (families mlp, "
                             f"mlp_mup, hl_dense), not input kind {input_kind!r}")
        self.cfg, self.device, self.n_train = cfg, device, 2 * cfg.n_train
        reference, candidate = (_read(cfg, getattr(cfg, s)) for s in SAMPLES)
        check_features(reference, candidate, (cfg.reference, cfg.candidate))
        self.inputs_spec = InputsSpec(n_outputs=1, n_features=reference.shape[1])
        self.names = feature_names(cfg, reference.shape[1])
        splits = [split_indices(len(x), cfg.n_train, cfg.n_val, cfg.n_test, cfg.split_seed)
                  for x in (reference, candidate)]
        train = np.concatenate([reference[splits[0]["train"]], candidate[splits[1]["train"]]])
        _, self.mean, self.std = standardize(train[:1], train)
        self._x, self._y = {}, {}
        self._test = (reference[splits[0]["test"]], candidate[splits[1]["test"]])  # raw
        for split in ("train", "val", "test"):
            ref, cand = reference[splits[0][split]], candidate[splits[1][split]]
            self._x[split] = self.standardised(np.concatenate([ref, cand]))
            self._y[split] = self.tensor(np.repeat([1.0, 0.0], [len(ref), len(cand)]))

    def standardised(self, x: np.ndarray) -> torch.Tensor:
        """Features ``x`` float ``(k, d)`` standardised as the training events, float32 on the
        device."""
        return self.tensor((x - self.mean) / self.std)

    def train_batch(self, index: torch.Tensor,
                    generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Features ``(B, d)`` and float labels ``(B,)`` (1 = reference) of ``index``."""
        return self._x["train"].index_select(0, index), self._y["train"].index_select(0, index)

    def inputs(self, split: Split | Literal["train"]) -> torch.Tensor:
        """Standardised features of a whole split, ``(2 n_split, d)``: reference first."""
        return self._x[split]

    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Binary cross-entropy of the logits ``output[:, 0]`` against ``target`` ``(B,)``."""
        return binary_cross_entropy(output[:, 0], target)

    def _logits(self, model: Model, split: Split,
                batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        """Float64 logits ``(2 n,)`` and bool ``is_reference`` ``(2 n,)`` of ``split``."""
        both = torch.stack([self.predict(model, split, batch_size)[:, 0].double(),
                            self._y[split].double()]).cpu().numpy()
        return both[0], both[1] == 1.0

    @torch.no_grad()
    def evaluate(self, model: Model, split: Split, batch_size: int = 8192) -> dict[str, float]:
        """``loss`` (BCE, nats) and ``auc`` on ``split``; one host sync."""
        z, is_ref = self._logits(model, split, batch_size)
        # -log sigmoid(z) = logaddexp(0, -z) for references; -log sigmoid(-z) for candidates
        loss = float(np.mean(np.logaddexp(0.0, np.where(is_ref, -z, z))))
        return {"loss": loss, "auc": roc_auc(z, is_ref)}

    @torch.no_grad()
    def final_metrics(self, model: Model, split: Split,
                      batch_size: int = 8192) -> tuple[dict[str, float], Histograms]:
        """The AUC's standard error; weight tails, spreads, means and histograms per sample;
        the calibration; per-feature histograms (plain, reweighted, in the tails; test split
        only)."""
        z, is_ref = self._logits(model, split, batch_size)
        p = torch.sigmoid(torch.from_numpy(z)).numpy()
        w = weights_from_probabilities(p)
        numbers = {"auc_sigma": auc_standard_error(roc_auc(z, is_ref), int(is_ref.sum()),
                                                   int((~is_ref).sum()))}
        histograms: Histograms = {}
        for sample, mask in zip(SAMPLES, (is_ref, ~is_ref), strict=True):
            numbers.update({f"{sample}_{k}": v for k, v in tail_fractions(w[mask]).items()})
            numbers[f"{sample}_frac_w_off_0p1"] = deviation_fraction(w[mask])
            numbers[f"{sample}_log_w_std"] = log_weight_spread(w[mask])
            numbers[f"{sample}_mean_w"] = float(np.mean(w[mask]))
            histograms[f"w_{sample}"] = weight_histogram(w[mask])
        histograms["calibration"], numbers["calibration_error"] = calibration_curve(p, is_ref)
        if split == "test":
            reference, candidate = self._test
            for i, name in enumerate(self.names):
                histograms[f"feature_{name}"] = feature_histogram(
                    reference[:, i], candidate[:, i], w[is_ref], w[~is_ref])
        return numbers, histograms

