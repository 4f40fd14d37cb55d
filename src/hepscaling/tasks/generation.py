"""Jet generation: next-token modelling of tokenized jet constituents (task ``jet_generation``).

Data: a jet file of :mod:`hepscaling.data.jets`, optionally restricted to some ``classes``;
splits from :func:`~hepscaling.tasks.splits.split_indices`. A
:class:`~hepscaling.data.tokens.JetTokenizer` (grid ``tokenizer``, ``max_constituents`` = T)
is fitted on the training split only and encodes every split into int64 ``(n, T + 2)``
sequences ``[START, c_1, ..., c_k, STOP, PAD...]``. Training pairs are ``tokens[:, :-1]`` (input,
``T + 1`` positions) and ``tokens[:, 1:]`` (targets): the loss is the mean next-token
cross-entropy over real targets, the STOP token included and PAD excluded (START is never a
target). Models: input kind ``"tokens"`` (family ``jet_gpt``).

Cheap metrics (:meth:`JetGenerationTask.evaluate`, every ``eval_every``): ``loss`` (nats per
token) and ``nll_per_jet`` (nats per jet, summed over its tokens).

End-of-run metrics (:meth:`JetGenerationTask.final_metrics`, on the test split):

- ``n_params_total`` (embeddings included; the record's N is the non-embedding count);
  baselines ``baseline_uniform = ln(V0 + 1)`` (every possible
  target equally likely) and ``baseline_unigram`` (a zero-parameter model: per-position
  token frequencies of the training split, add-one smoothed);
- histograms ``position_loss`` and ``position_loss_unigram``: mean loss per target position
  (edges ``0 .. T + 1``; ``nan`` where no jet has a target);
- ``n_samples`` jets drawn from the model (temperature 1, no top-k, seed ``sample_seed``),
  decoded, and their ``observables`` (keys of
  :data:`~hepscaling.physics.jets.observables.CONSTITUENT_OBSERVABLES`) standardised with the
  mean and std of the decoded test truth: ``swd`` and ``swd_error`` (sliced Wasserstein
  distance, p = 1, over ``swd_batches`` disjoint batches) against the decoded
  (encoded-then-decoded) test truth, and ``w1_<observable>`` (1-d W1, standardised);
  with their floors at the same sample size: ``*_truth`` (decoded validation vs decoded test
  truth) and ``*_tokenization`` (decoded vs continuous test truth, the hardest T);
- histograms ``generated_<observable>`` and ``truth_<observable>`` (20 bins between the truth's
  1% and 99% quantiles), and ``tokenizer_<axis>`` (the fitted grid: ``edges``, training
  ``counts`` and ``centroids``).

Config (``task:`` section)::

    kind: jet_generation
    dataset: data/jets.h5
    n_train: 10000
    n_val: 2000
    n_test: 2000
    split_seed: 0
    classes: null             # e.g. [Tbqq]; default: every jet in the file
    tokenizer: default        # coarse | default | fine | paper
    max_constituents: 64      # T
    observables: [mass, pt, multiplicity, tau21, tau32]
    n_samples: 1000           # jets sampled for the end-of-run distances
    swd_batches: 5
    n_projections: 128
    sample_seed: 0
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import numpy as np
import torch
from pydantic import Field, field_validator

from hepscaling.data.jets import LABELS, label_name, read_jets
from hepscaling.data.preprocessing import standardize
from hepscaling.data.tokens import AXES, MODELLED_FIELDS, PRESETS, JetTokenizer
from hepscaling.errors import UsageError
from hepscaling.metrics.wasserstein import sliced_wasserstein_batches, wasserstein_1d
from hepscaling.models.base import GenerativeModel, InputKind, InputsSpec, Model
from hepscaling.physics.jets.observables import CONSTITUENT_OBSERVABLES, constituent_observables
from hepscaling.tasks.base import Histograms, Split, Task, TaskConfig, register_task
from hepscaling.tasks.losses import token_cross_entropy
from hepscaling.tasks.splits import split_indices

__all__ = ["JetGenerationConfig", "JetGenerationTask", "recorded_tokenizer"]

_LOGIT_BUDGET = 2**24  # evaluation batches hold at most this many logits (64 MB in float32)


class JetGenerationConfig(TaskConfig):
    """``task:`` section of ``jet_generation`` (see the module docstring)."""

    LOSSES: ClassVar[tuple[str, ...]] = ("cross_entropy",)

    kind: Literal["jet_generation"] = "jet_generation"
    dataset: str = Field(description="jet HDF5 file")
    n_train: int = Field(10000, ge=1, description="D: training jets")
    n_val: int = Field(2000, ge=2, description="validation jets (fixed)")
    n_test: int = Field(2000, ge=2, description="test jets (fixed)")
    split_seed: int = Field(0, ge=0, description="seed of the one shuffle defining all splits")
    classes: tuple[str, ...] | None = Field(None, description="labels to keep, e.g. [Tbqq]")
    tokenizer: str = Field("default", description="token grid: " + " | ".join(PRESETS))
    max_constituents: int = Field(64, ge=1, description="T: hardest constituents modelled")
    observables: tuple[str, ...] = Field(("mass", "pt", "multiplicity", "tau21", "tau32"),
                                         description="observables of the distances")
    n_samples: int = Field(1000, ge=2, description="jets sampled at the end of the run")
    swd_batches: int = Field(5, ge=1, description="disjoint batches of the SWD error")
    n_projections: int = Field(128, ge=1, description="SWD slices")
    sample_seed: int = Field(0, ge=0, description="seed of the end-of-run samples")

    @field_validator("tokenizer")
    @classmethod
    def _grid(cls, value: str) -> str:
        if value not in PRESETS:
            raise ValueError(f"unknown tokenizer grid {value!r}; choose from {', '.join(PRESETS)}")
        return value

    @field_validator("observables")
    @classmethod
    def _observables(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [v for v in value if v not in CONSTITUENT_OBSERVABLES]
        if unknown or not value:
            raise ValueError(f"unknown observable(s) {unknown}; choose from "
                             f"{', '.join(CONSTITUENT_OBSERVABLES)}")
        return value

    @field_validator("classes")
    @classmethod
    def _classes(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("give at least one jet class, or leave classes out for all")
        return tuple(label_name(v) for v in value)




@register_task("jet_generation", JetGenerationConfig)
class JetGenerationTask(Task):
    """Next-token modelling of tokenized jets; the token sequences live on ``device``."""

    auto_precision = "bf16"  # token probabilities tolerate bfloat16 steps (float32 weights)

    @classmethod
    def spec_from_config(cls, cfg: TaskConfig, loss: str) -> InputsSpec:
        assert isinstance(cfg, JetGenerationConfig)
        tok = JetTokenizer(cfg.tokenizer, max_constituents=cfg.max_constituents)
        return InputsSpec(n_outputs=tok.vocab_size, vocab_size=tok.vocab_size,
                          n_particles=cfg.max_constituents + 1)

    def __init__(self, cfg: JetGenerationConfig, *, loss: str, input_kind: InputKind,
                 device: torch.device) -> None:
        if loss != "cross_entropy":
            raise UsageError(f"task jet_generation trains with loss: cross_entropy, got loss: "
                             f"{loss}; set loss: cross_entropy")
        if input_kind != "tokens":
            raise UsageError(f"task jet_generation feeds token sequences, not {input_kind!r}; "
                             "use model family jet_gpt")
        self.cfg, self.device = cfg, device
        self.inputs_spec = self.spec_from_config(cfg, loss)
        self.n_train = cfg.n_train
        arrays = read_jets(cfg.dataset, fields=(*MODELLED_FIELDS, "label"))
        keep = (np.flatnonzero(np.isin(arrays["label"], [LABELS.index(c) for c in cfg.classes]))
                if cfg.classes else np.arange(arrays["label"].size))
        index = {s: keep[i] for s, i in split_indices(keep.size, cfg.n_train, cfg.n_val,
                                                     cfg.n_test, cfg.split_seed).items()}
        self.jets = {s: {k: arrays[k][i] for k in MODELLED_FIELDS} for s, i in index.items()}
        self.tokenizer = JetTokenizer(cfg.tokenizer, max_constituents=cfg.max_constituents)
        self.tokenizer.fit(self.jets["train"])
        self.tokens = {s: self.tokenizer.encode(j) for s, j in self.jets.items()}
        self._t = {s: self.tensor(t, torch.long) for s, t in self.tokens.items()}

    def train_batch(self, index: torch.Tensor,
                    generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs int64 ``(B, T + 1)`` and next-token targets int64 ``(B, T + 1)``."""
        tokens = self._t["train"].index_select(0, index)
        return tokens[:, :-1], tokens[:, 1:]

    def inputs(self, split: Split | Literal["train"]) -> torch.Tensor:
        """Input sequences of a whole split, int64 ``(n, T + 1)``."""
        return self._t[split][:, :-1]

    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy per real target token (STOP included, PAD excluded)."""
        return token_cross_entropy(output, target, ignore=self.tokenizer.pad)

    @torch.no_grad()
    def _token_nll(self, model: Model, split: Split, batch_size: int) -> np.ndarray:
        """Per-target negative log-likelihood, float64 ``(n, T + 1)`` nats, ``nan`` at PAD."""
        width = self.inputs_spec.n_particles * self.inputs_spec.vocab_size
        batch_size = max(1, min(batch_size, _LOGIT_BUDGET // width))
        tokens = self._t[split]
        was_training = model.training
        model.eval()
        parts = []
        for i in range(0, tokens.shape[0], batch_size):
            chunk = tokens[i:i + batch_size]
            log_p = torch.log_softmax(model(chunk[:, :-1]).double(), dim=-1)  # (b, T + 1, V)
            parts.append(-log_p.gather(-1, chunk[:, 1:, None])[..., 0])
        model.train(was_training)
        nll = torch.cat(parts)
        return torch.where(tokens[:, 1:] == self.tokenizer.pad, torch.nan, nll).cpu().numpy()

    def evaluate(self, model: Model, split: Split, batch_size: int = 8192) -> dict[str, float]:
        """``loss`` (nats per target token) and ``nll_per_jet`` (nats per jet); one sync."""
        nll = self._token_nll(model, split, batch_size)
        return {"loss": float(np.nanmean(nll)),
                "nll_per_jet": float(np.nansum(nll) / nll.shape[0])}

    def _unigram_nll(self, split: Split) -> np.ndarray:
        """Per-target NLL float64 ``(n, T + 1)`` of the per-position unigram of the training
        split (add-one smoothed over the V0 + 1 possible targets), ``nan`` at PAD."""
        tok = self.tokenizer
        v0 = tok.n_particle_tokens  # column of STOP; particles keep their ids

        def column(t: np.ndarray) -> np.ndarray:
            return np.where(t == tok.stop, v0, np.where(t == tok.pad, 0, t))

        train = self.tokens["train"][:, 1:]
        positions = np.broadcast_to(np.arange(train.shape[1]), train.shape)
        counts = np.ones((train.shape[1], v0 + 1))
        real = train != tok.pad
        np.add.at(counts, (positions[real], column(train)[real]), 1.0)
        log_p = np.log(counts / counts.sum(axis=1, keepdims=True))
        target = self.tokens[split][:, 1:]
        pad = target == tok.pad
        nll = -log_p[np.arange(target.shape[1])[None, :], column(target)]
        return np.where(pad, np.nan, nll)

    def final_metrics(self, model: Model, split: Split,
                      batch_size: int = 8192) -> tuple[dict[str, float], Histograms]:
        """Baselines, per-position losses and the physics distances (module docstring)."""
        edges = [float(i) for i in range(self.inputs_spec.n_particles + 1)]
        nll, unigram = self._token_nll(model, split, batch_size), self._unigram_nll(split)
        numbers = {"baseline_uniform": math.log(self.tokenizer.n_particle_tokens + 1),
                   "baseline_unigram": float(np.nanmean(unigram))}
        hists: Histograms = {
            name: {"edges": edges, "counts": _nanmean_columns(x).tolist()}
            for name, x in (("position_loss", nll), ("position_loss_unigram", unigram))}
        for axis, name in enumerate(AXES):
            hists[f"tokenizer_{name}"] = {
                "edges": self.tokenizer.edges[axis].astype(float).tolist(),
                "counts": self.tokenizer.counts[axis].astype(float).tolist(),
                "centroids": self.tokenizer.centroids[axis].astype(float).tolist()}
        numbers["n_params_total"] = float(model.n_params())  # the record's N leaves out embeddings
        if isinstance(model, GenerativeModel):
            distances, observed = self._distances(model, split)
            numbers.update(distances)
            hists.update(observed)
        return numbers, hists

    def _distances(self, model: GenerativeModel,
                   split: Split) -> tuple[dict[str, float], Histograms]:
        """SWD and W1 of sampled vs decoded truth, with both floors (module docstring)."""
        cfg, tok = self.cfg, self.tokenizer
        other: Split = "val" if split == "test" else "test"
        generator = torch.Generator(device=self.device).manual_seed(cfg.sample_seed)
        sampled = model.sample(cfg.n_samples, generator=generator).cpu().numpy()
        names = cfg.observables
        n = min(cfg.n_samples, cfg.n_val, cfg.n_test)
        truth = constituent_observables(tok.decode(self.tokens[split]), names)
        samples = {
            "": constituent_observables(tok.decode(sampled), names),
            "_truth": constituent_observables(tok.decode(self.tokens[other]), names),
        }
        values, mask = tok.hardest(self.jets[split])
        raw = {"part_mask": mask, **{k: values[..., i] for i, k in enumerate(AXES)}}
        samples["_tokenization"] = constituent_observables(raw, names)
        numbers: dict[str, float] = {}
        reference = standardize(truth, truth)[0]
        for suffix, x in samples.items():
            a = standardize(x, truth)[0]
            same = x.shape[0] if suffix == "_tokenization" else n  # same jets: all of them
            swd, error = sliced_wasserstein_batches(
                a[:same], reference[:same], min(cfg.swd_batches, same),
                n_projections=cfg.n_projections, seed=cfg.sample_seed)
            numbers[f"swd{suffix}"], numbers[f"swd{suffix}_error"] = swd, error
            for j, name in enumerate(names):
                numbers[f"w1_{name}{suffix}"] = wasserstein_1d(a[:same, j], reference[:same, j])
        hists: Histograms = {}
        for j, name in enumerate(names):
            low, high = np.quantile(truth[:, j], [0.01, 0.99])
            bins = np.linspace(low, high, 21)
            if bins[-1] <= bins[0]:
                bins = np.linspace(bins[0] - 0.5, bins[0] + 0.5, 21)
            for label, x in (("generated", samples[""]), ("truth", truth)):
                hists[f"{label}_{name}"] = {
                    "edges": bins.tolist(),
                    "counts": np.histogram(x[:, j], bins)[0].astype(float).tolist()}
        return numbers, hists


def recorded_tokenizer(cfg: JetGenerationConfig,
                       histograms: Mapping[str, Mapping[str, Any]]) -> JetTokenizer | None:
    """The tokenizer a finished run of config ``cfg`` fitted, read back exactly from its
    record's histograms (the loop stores :meth:`JetGenerationTask.final_metrics` histograms
    as ``test_<name>``: ``test_tokenizer_<axis>`` with ``edges``, ``counts`` and
    ``centroids``); None when the record holds none (a run that has not finished).

    No data file is read, so a run samples from its checkpoint and record alone.
    """
    keys = [f"test_tokenizer_{name}" for name in AXES]
    if not all(key in histograms for key in keys):
        return None
    stored = [histograms[key] for key in keys]
    tok = JetTokenizer(cfg.tokenizer, max_constituents=cfg.max_constituents)
    return tok.restore([h["edges"] for h in stored], [h["centroids"] for h in stored],
                       [h["counts"] for h in stored])


def _nanmean_columns(x: np.ndarray) -> np.ndarray:
    """Column means of ``x`` ``(n, k)`` ignoring ``nan``; ``nan`` for an all-``nan`` column."""
    count = np.sum(~np.isnan(x), axis=0)
    total = np.nansum(x, axis=0)
    return np.divide(total, count, out=np.full(x.shape[1], np.nan), where=count > 0)
