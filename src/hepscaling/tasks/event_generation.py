"""Event generation: generators of Z -> mu mu + k jets events (task ``event_generation``).

Data: a zmumu file (:mod:`hepscaling.data.events`), the events with exactly ``n_jets`` jets;
splits from :func:`~hepscaling.tasks.splits.split_indices`. An
:class:`~hepscaling.data.event_coordinates.EventCoordinates` map is fitted on the training split
and turns every split into standardised coordinates float32 ``(n, d)``, ``d = 5 + 4 n_jets``.
Models: input kind ``"events"`` (:class:`~hepscaling.models.base.EventGenerator`, e.g. family
``cfm``); the :class:`~hepscaling.models.base.InputsSpec` carries ``n_features = d``, the
``periodic`` mask, ``coordinate_objects`` (one object per muon and jet,
``n_particles = 2 + n_jets``, one ``particle_types`` id per object slot), ``n_condition`` and,
for ``coordinates: objects`` and one multiplicity, ``object_momenta`` (where each object's
four-momentum sits in the coordinates, with the training set's standardisation and momentum
unit, :mod:`hepscaling.tasks.event_momenta`; for ``cfm`` with ``backbone: lgatr``: a model
that reads them, ``ModelConfig.reads_object_momenta``, is refused with ``coordinates: dimuon``
when the config loads).
``n_jets: all`` models every multiplicity in one network (families with
``EventGenerator.all_multiplicities``, e.g. ``event_gpt``; others are refused when the config
loads, :meth:`EventGenerationConfig.check_model`), which then learns the multiplicity rates:
all events of the file are split, one coordinate map per multiplicity ``k`` is fitted on the
training events with ``k`` jets, and an event's coordinates are zero-padded to ``d = 17``;
``spec.lengths = (9, 13, 17)`` and the class ``m = k - 1`` is the model's fourth
input (``(x, condition, generator, m)``).

Training objective. The model computes its own per-event loss
(:meth:`~hepscaling.models.base.EventGenerator.loss`): ``train_batch`` returns the inputs
``(x, condition, generator)`` and per-event weights, ``loss`` is their weighted mean
(``loss: generative`` in the run config).

Systematics (``systematic: true``, the theory-uncertainty trick of the Plehn talk): every time
an event enters a batch a fresh ``a ~ U(0, 30)`` is drawn, the event is weighted by
``w_a(x) = (1 + a ((pT_j1 - 15 GeV) / 100 GeV)^2) / Z(a)`` (``Z(a) = 1 + a <((pT_j1 - 15) /
100)^2>_train`` normalises each ``a``'s density) and the generator is conditioned on
``a / 30`` (``n_condition = 1``, :func:`systematic_condition`). Sampling fixes ``a``; the
evaluation and end-of-run metrics use the nominal ``a = 0``.

Cheap metrics (:meth:`EventGenerationTask.evaluate`): ``loss``, the model's objective on the
whole split with noise from a fixed seed (so evaluations compare).

End-of-run metrics (:meth:`EventGenerationTask.final_metrics`, on the test split, which the
generator never saw):

- where the family has a likelihood: ``nll`` (nats per event, the density of the muon
  three-momenta and jet four-momenta in GeV, the coordinate Jacobian and the uniform azimuth
  included, :meth:`~hepscaling.data.event_coordinates.EventCoordinates.physical_log_prob`) and
  its standard error ``nll_error`` on the first ``n_nll`` test events, and
  ``nll_coordinates`` (nats per event of the standardised coordinates);
- ``n_samples`` events drawn (seed ``sample_seed``), decoded with a seeded uniform azimuth:
  ``frac_<defect>`` for each of
  :data:`~hepscaling.data.event_coordinates.DEFECTS` (non-finite, out of support, jet below
  20 GeV, Delta R < 0.4, jets not pT-ordered); nothing is dropped silently: the events that
  are finite and in support (``frac_usable``), jets re-ordered by pT, make the histograms and
  the classifier sample, cut violations included;
- histograms ``generated_<observable>`` and ``truth_<observable>`` of the observables of
  :mod:`hepscaling.physics.events.observables` (30 bins between the truth's 0.5% and 99.5%
  quantiles; entries outside are not counted); with ``n_jets: all`` per multiplicity,
  ``generated_<k>j_<observable>``, plus ``frac_jets_<k>`` (generated) and
  ``truth_frac_jets_<k>`` (the test split) and the histograms ``generated_n_jets`` and
  ``truth_n_jets``;
- for a Bayesian generator (``bayesian: true``) with ``posterior_draws > 0``: bands
  ``posterior_<observable>`` (:func:`~hepscaling.metrics.ensemble.histogram_band`: per-bin
  mean, std, 68% quantiles of the unit-area histograms) over that many weight draws, each
  sampling ``n_samples`` events with the same seed; an ensemble's band comes from the
  ``generated_<observable>`` histograms of runs that differ in their seed (a sweep's seed
  axis), through the same function;
- with ``classifier: true``: a classifier (:func:`hepscaling.metrics.classifier_weights`, its
  default recipe for ``classifier_epochs`` epochs) between the observables of one half of the
  test truth and as many generated events, and with ``classifier_floor: true`` the same
  recipe between the two disjoint truth halves (the floor)
  (:mod:`hepscaling.tasks.event_generation_metrics`): ``classifier_auc`` and its
  ``classifier_auc_sigma``, ``classifier_log_w_std``, ``classifier_frac_w_off_0p1``, their
  ``_floor`` and ``_excess`` (minus the floor), and the weight histograms
  ``classifier_w_truth``, ``classifier_w_generated``, ``classifier_floor_w`` and the tail
  views ``classifier_tails_<observable>`` (observables of the generated and truth events in
  the weight tails); with ``n_jets: all`` one classifier per multiplicity, keys suffixed
  ``_<k>j``. The full classifier study (reweighted observables, calibration) is the
  ``two_sample_classifier`` task's.

Config (``task:`` section)::

    kind: event_generation
    dataset: data/z.h5      # zmumu file (hepscaling data zmumu)
    n_jets: 1               # 1 | 2 | 3 (| all: models with all_multiplicities)
    coordinates: objects    # objects | dimuon: the muons' coordinate system (the pair mass,
                            # pT, rapidity and decay angles; data.event_coordinates)
    n_train: 10000
    n_val: 2000
    n_test: 10000
    split_seed: 0
    systematic: false       # train on reweighted events conditioned on a
    n_nll: 2000             # test events of the end-of-run NLL
    n_samples: 10000        # events generated at the end of the run
    sample_seed: 0
    classifier: true
    classifier_floor: true  # also the truth-vs-truth classifier (doubles its cost)
    classifier_epochs: 20
    posterior_draws: 0      # Bayesian generators: weight draws for histogram bands
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, ClassVar, Literal

import numpy as np
import torch
from pydantic import Field

from hepscaling.data.event_coordinates import DEFECTS, EventCoordinates
from hepscaling.data.events import read_events
from hepscaling.errors import UsageError
from hepscaling.metrics.ensemble import histogram_band
from hepscaling.models.base import (
    EventGenerator,
    InputKind,
    InputsSpec,
    Model,
    ModelConfig,
    model_class,
)
from hepscaling.models.bayesian import bayesian_kl, weight_draws
from hepscaling.physics import lorentz
from hepscaling.physics.events import MAX_JETS
from hepscaling.physics.events.observables import observable_names
from hepscaling.tasks.base import Histograms, Split, Task, TaskConfig, register_task
from hepscaling.tasks.event_generation_metrics import classifier_precision
from hepscaling.tasks.event_momenta import momentum_unit, object_momenta
from hepscaling.tasks.event_samples import MultiplicityCoordinates, order_jets
from hepscaling.tasks.losses import weighted_mean
from hepscaling.tasks.splits import split_indices

__all__ = ["A_MAX", "EventGenerationConfig", "EventGenerationTask", "systematic_condition",
           "systematic_shape"]

A_MAX = 30.0  # the systematic parameter a is drawn from [0, A_MAX]
_PT_REF, _PT_SCALE = 15.0, 100.0  # GeV, of w = 1 + a ((pT_j1 - 15) / 100)^2
_EVAL_SEED = 0x5EED  # noise of the evaluation losses


class EventGenerationConfig(TaskConfig):
    """``task:`` section of ``event_generation`` (see the module docstring)."""

    LOSSES: ClassVar[tuple[str, ...]] = ("generative",)
    QUIET_DEFAULTS: ClassVar[dict[str, Any]] = {"coordinates": "objects"}

    kind: Literal["event_generation"] = "event_generation"
    dataset: str = Field(description="zmumu event file")
    n_jets: Literal[1, 2, 3, "all"] = Field(1, description="jet multiplicity modelled")
    coordinates: Literal["objects", "dimuon"] = Field(
        "objects", description="the muons' coordinate system (EventCoordinates.system)")
    n_train: int = Field(10000, ge=1, description="D: training events")
    n_val: int = Field(2000, ge=2, description="validation events (fixed)")
    n_test: int = Field(10000, ge=2, description="test events (fixed)")
    split_seed: int = Field(0, ge=0, description="seed of the one shuffle defining all splits")
    systematic: bool = Field(False, description="reweighted training conditioned on a")
    n_nll: int = Field(2000, ge=1, description="test events of the end-of-run NLL")
    n_samples: int = Field(10000, ge=10, description="events generated at the end")
    sample_seed: int = Field(0, ge=0, description="seed of the end-of-run samples")
    classifier: bool = Field(True, description="classifier weights at the end of the run")
    classifier_floor: bool = Field(True, description="the truth-vs-truth floor of that "
                                                     "classifier")
    classifier_epochs: float = Field(20.0, gt=0, description="epochs of that classifier")
    posterior_draws: int = Field(0, ge=0, description="weight draws of a Bayesian generator's "
                                                      "histogram bands")

    def check_model(self, model: ModelConfig) -> None:
        """Only event generators, for ``n_jets: all`` only those modelling every jet
        multiplicity at once, and a network reading each object's four-momentum only with
        ``coordinates: objects``."""
        cls = model_class(model.family)
        if not issubclass(cls, EventGenerator):
            raise ValueError(f"task event_generation feeds event coordinates, not "
                             f"{cls.input_kind!r}; use an event generator family (e.g. cfm)")
        if self.n_jets == "all" and not cls.all_multiplicities:
            raise ValueError(f"model {cls.__name__} generates one jet multiplicity; set "
                             "task.n_jets to 1, 2 or 3 (n_jets: all needs a family drawing the "
                             "multiplicity, e.g. event_gpt)")
        reader = model.reads_object_momenta()
        if reader is not None and self.coordinates != "objects":
            setting, without = reader
            raise ValueError(f"{setting} needs each object's four-momentum, which "
                             f"task.coordinates: {self.coordinates} does not give; set "
                             f"task.coordinates: objects or {without}")


def systematic_shape(momenta: np.ndarray) -> np.ndarray:
    """``((pT_j1 - 15 GeV) / 100 GeV)^2`` float64 ``(n,)`` of events ``momenta`` ``(n, 5, 4)``
    GeV (jet 1 = object 2): the unnormalised systematic weight is ``1 + a`` times it.

    >>> p = np.zeros((1, 5, 4)); p[0, 2] = [120.0, 115.0, 0.0, 0.0]
    >>> systematic_shape(p)
    array([1.])
    """
    return ((lorentz.pt(momenta[:, 2]) - _PT_REF) / _PT_SCALE) ** 2


def systematic_condition(a: float | torch.Tensor, n: int,
                         device: torch.device | str = "cpu") -> torch.Tensor:
    """The condition float32 ``(n, 1)`` of a generator trained with ``systematic: true`` for
    the parameter ``a`` in ``[0, 30]`` (a number, or a tensor ``(n,)``)."""
    a_t = torch.as_tensor(a, dtype=torch.float32, device=device)
    return (a_t / A_MAX).expand(n).reshape(n, 1)


@register_task("event_generation", EventGenerationConfig)
class EventGenerationTask(Task):
    """Generators of one (or every) jet multiplicity's events; coordinates live on ``device``.

    ``train.precision: auto`` trains them in float32: their precision is what they are built
    to measure, and bfloat16's effect on it has not been measured.

    Attributes ``coordinates`` (the fitted :class:`EventCoordinates`; with ``n_jets: all`` the
    3-jet one), ``maps`` (:class:`~hepscaling.tasks.event_samples.MultiplicityCoordinates`, one
    map per modelled multiplicity: encoding, decoding, defects, observables, histograms),
    ``momenta`` (``{split: float64 (n, 5, 4)}`` GeV) and ``n_jets`` (``{split: int64 (n,)}``).
    """

    #: every multiplicity in one model (``n_jets: all``); set from the config in ``__init__``
    every: bool = False

    @classmethod
    def spec_from_config(cls, cfg: TaskConfig, loss: str) -> InputsSpec:
        assert isinstance(cfg, EventGenerationConfig)
        every = cfg.n_jets == "all"
        coords = EventCoordinates(MAX_JETS if every else int(cfg.n_jets), cfg.coordinates)
        lengths = tuple(EventCoordinates(k, cfg.coordinates).d
                        for k in range(1, MAX_JETS + 1)) if every else ()
        return InputsSpec(n_outputs=1, n_features=coords.d, n_particles=2 + coords.n_jets,
                          particle_types=tuple(range(2 + coords.n_jets)),
                          n_condition=1 if cfg.systematic else 0,
                          periodic=tuple(bool(p) for p in coords.periodic),
                          coordinate_objects=tuple(int(o) for o in coords.objects),
                          lengths=lengths, n_train=cfg.n_train,
                          object_momenta=None if every else object_momenta(coords))

    def __init__(self, cfg: EventGenerationConfig, *, loss: str, input_kind: InputKind,
                 device: torch.device) -> None:
        if loss != "generative":
            raise UsageError(f"task event_generation trains with the model's own objective, "
                             f"got loss: {loss}; set loss: generative")
        if input_kind != "events":
            raise UsageError(f"task event_generation feeds event coordinates, not "
                             f"{input_kind!r}; use an event generator family (e.g. cfm)")
        self.cfg, self.device, self.n_train = cfg, device, cfg.n_train
        self.inputs_spec = self.spec_from_config(cfg, loss)
        self.every = cfg.n_jets == "all"
        events = read_events(cfg.dataset)
        multiplicities = range(1, MAX_JETS + 1) if self.every else (int(cfg.n_jets),)
        keep = np.flatnonzero(np.isin(events["n_jets"], multiplicities))
        need = cfg.n_train + cfg.n_val + cfg.n_test
        if need > keep.size:
            raise UsageError(f"{cfg.dataset} has {keep.size} events with {cfg.n_jets} jet(s) "
                             f"but n_train + n_val + n_test = {need}; lower task.n_train / "
                             "n_val / n_test or generate more events")
        index = {s: keep[i] for s, i in split_indices(keep.size, cfg.n_train, cfg.n_val,
                                                     cfg.n_test, cfg.split_seed).items()}
        self.momenta = {s: events["momenta"][i] for s, i in index.items()}
        self.n_jets = {s: events["n_jets"][i] for s, i in index.items()}
        by_jets: dict[int, EventCoordinates] = {}
        for k in multiplicities:
            train = self.momenta["train"][self.n_jets["train"] == k]
            if not len(train):
                raise UsageError(f"{cfg.dataset}: no training events with {k} jet(s) among "
                                 f"n_train = {cfg.n_train}; n_jets: all needs every "
                                 "multiplicity, so raise n_train or use more events")
            by_jets[k] = EventCoordinates(k, cfg.coordinates).fit(train)
        self.maps = MultiplicityCoordinates(by_jets, every=self.every)
        self.coordinates = by_jets[max(multiplicities)]
        if self.inputs_spec.object_momenta is not None:  # the training set's standardisation
            self.inputs_spec = replace(self.inputs_spec, object_momenta=object_momenta(
                self.coordinates, momentum_unit(self.momenta["train"], int(cfg.n_jets))))
        self._x = {s: self.tensor(self.maps.encode(p, self.n_jets[s]))
                   for s, p in self.momenta.items()}
        self._class = {s: self.tensor(k - 1, torch.long) for s, k in self.n_jets.items()}
        shape = systematic_shape(self.momenta["train"])
        self._shape = self.tensor(shape)  # ((pT_j1 - 15) / 100)^2 of the training events
        self._mean_shape = float(np.mean(shape))
        self._ones = torch.ones(cfg.n_train, device=device)

    def condition(self, n: int, a: float = 0.0) -> torch.Tensor | None:
        """The condition ``(n, n_condition)`` for parameter ``a`` (None without one)."""
        return systematic_condition(a, n, self.device) if self.cfg.systematic else None

    def train_batch(self, index: torch.Tensor, generator: torch.Generator
                    ) -> tuple[tuple[torch.Tensor | torch.Generator | None, ...], torch.Tensor]:
        """Inputs ``(x (B, d), condition (B, n_condition) or None, generator)``, with the
        multiplicity classes int64 ``(B,)`` fourth for ``n_jets: all``, and per-event weights
        ``(B,)`` (1 unless ``systematic``, module docstring)."""
        x = self._x["train"].index_select(0, index)
        classes = (self._class["train"].index_select(0, index),) if self.every else ()
        if not self.cfg.systematic:
            return (x, None, generator, *classes), self._ones[:index.shape[0]]
        a = A_MAX * torch.rand(index.shape[0], generator=generator, device=self.device)
        weight = (1.0 + a * self._shape.index_select(0, index)) / (1.0 + a * self._mean_shape)
        condition = systematic_condition(a, index.shape[0], self.device)
        return (x, condition, generator, *classes), weight

    def inputs(self, split: Split | Literal["train"]) -> torch.Tensor | tuple[torch.Tensor, ...]:
        """Coordinates ``(n, d)`` of a split, with the nominal condition ``(n, 1)`` (``a = 0``)
        as a second tensor when ``systematic``."""
        x = self._x[split]
        condition = self.condition(x.shape[0])
        return x if condition is None else (x, condition)

    def _split(self, split: Split) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Coordinates ``(n, d)`` and nominal condition (or None) of ``split``."""
        return self._x[split], self.condition(self._x[split].shape[0])

    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Weighted mean of the per-event losses ``output`` ``(B,)`` with weights ``target``."""
        return weighted_mean(output, target)

    def _classes(self, split: Split, start: int, stop: int) -> dict[str, torch.Tensor]:
        """The ``multiplicity`` keyword of the model's ``loss`` / ``log_prob`` for events
        ``start:stop`` of ``split`` (empty unless ``n_jets: all``)."""
        return {"multiplicity": self._class[split][start:stop]} if self.every else {}

    @torch.no_grad()
    def evaluate(self, model: Model, split: Split, batch_size: int = 8192) -> dict[str, float]:
        """``loss``: the model's objective on ``split`` (nominal condition, noise from a fixed
        seed); one host sync."""
        assert isinstance(model, EventGenerator)
        x, condition = self._split(split)
        generator = torch.Generator(device=self.device).manual_seed(_EVAL_SEED)
        was_training = model.training
        model.eval()
        total = torch.zeros((), device=self.device, dtype=torch.float64)
        for i in range(0, x.shape[0], batch_size):
            c = None if condition is None else condition[i:i + batch_size]
            total += model.loss(x[i:i + batch_size], c, generator=generator,
                                **self._classes(split, i, i + batch_size)).double().sum()
        model.train(was_training)
        return {"loss": float(total) / x.shape[0]}

    def sample_events(self, model: EventGenerator, n: int, *, seed: int, a: float = 0.0,
                      batch_size: int = 8192) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``n`` generated events: coordinates float64 ``(n, d)`` (zero-padded with
        ``n_jets: all``), their momenta ``(n, 5, 4)`` GeV (azimuth drawn with ``seed``, jets
        as generated, not re-ordered) and their jet multiplicities int64 ``(n,)`` (drawn by
        the model with ``n_jets: all``)."""
        generator = torch.Generator(device=self.device).manual_seed(seed)
        parts, classes = [], []
        for i in range(0, n, batch_size):
            m = min(batch_size, n - i)
            condition = self.condition(m, a)
            if self.every:
                part, c = model.sample_with_multiplicity(m, condition=condition,
                                                         generator=generator)
                parts.append(part)
                classes.append(c)
            else:
                parts.append(model.sample(m, condition=condition, generator=generator))
        y = torch.cat(parts).double().cpu().numpy()
        n_jets = (torch.cat(classes).cpu().numpy() + 1 if self.every
                  else np.full(n, self.coordinates.n_jets)).astype(np.int64)
        return y, self.maps.decode(y, n_jets, seed), n_jets

    def final_metrics(self, model: Model, split: Split,
                      batch_size: int = 8192) -> tuple[dict[str, float], Histograms]:
        """NLL, sample defects, multiplicities, observable histograms, posterior bands and
        classifier weights (module docstring)."""
        assert isinstance(model, EventGenerator)
        cfg = self.cfg
        numbers: dict[str, float] = {}
        was_training = model.training
        model.eval()
        numbers.update(self._nll(model, split, batch_size))
        y, generated, n_jets = self.sample_events(model, cfg.n_samples, seed=cfg.sample_seed,
                                                  batch_size=batch_size)
        defects = self.maps.defects(y, generated, n_jets)
        numbers.update({f"frac_{k}": float(np.mean(defects[k])) for k in DEFECTS})
        usable = ~(defects["non_finite"] | defects["out_of_support"])
        numbers["frac_usable"] = float(np.mean(usable))
        truth = self.maps.observables(self.momenta[split], self.n_jets[split])
        sampled = self.maps.observables(order_jets(generated[usable]), n_jets[usable])
        bins = self.maps.bins(truth)
        histograms = {**self.maps.histograms("generated", sampled, bins),
                      **self.maps.histograms("truth", truth, bins)}
        histograms.update(self._posterior(model, bins, batch_size))
        model.train(was_training)
        if self.every:
            edges = [0.5 + k for k in range(MAX_JETS + 1)]
            for label, values in (("generated", n_jets), ("truth", self.n_jets[split])):
                histograms[f"{label}_n_jets"] = {
                    "edges": edges, "counts": np.histogram(values, edges)[0].astype(float).tolist()}
                for k in self.maps.by_jets:
                    key = f"frac_jets_{k}" if label == "generated" else f"truth_frac_jets_{k}"
                    numbers[key] = float(np.mean(values == k))
        if cfg.classifier:
            for k in self.maps.by_jets:
                suffix = f"_{k}j" if self.every else ""
                values, weights = classifier_precision(
                    truth[k], sampled[k], seed=cfg.sample_seed, epochs=cfg.classifier_epochs,
                    floor=cfg.classifier_floor, names=observable_names(k))
                numbers.update({key + suffix: value for key, value in values.items()})
                histograms.update({key + suffix: value for key, value in weights.items()})
        return numbers, histograms

    def _posterior(self, model: EventGenerator, bins: dict[str, np.ndarray],
                   batch_size: int) -> Histograms:
        """``posterior_<key>`` bands (:func:`~hepscaling.metrics.ensemble.histogram_band`)
        over ``posterior_draws`` weight draws of a Bayesian generator, each sampling
        ``n_samples`` events with the seed ``sample_seed`` (so the band shows the weights'
        spread, not sampling noise); none for a deterministic model."""
        cfg = self.cfg
        if not cfg.posterior_draws or bayesian_kl(model) is None:
            return {}
        members = []
        weights = torch.Generator(device=self.device).manual_seed(cfg.sample_seed)
        for _ in weight_draws(model, cfg.posterior_draws, weights):
            y, generated, n_jets = self.sample_events(model, cfg.n_samples,
                                                      seed=cfg.sample_seed,
                                                      batch_size=batch_size)
            defects = self.maps.defects(y, generated, n_jets)
            usable = ~(defects["non_finite"] | defects["out_of_support"])
            members.append(self.maps.histograms(
                "posterior",
                self.maps.observables(order_jets(generated[usable]), n_jets[usable]), bins))
        return {key: histogram_band([m[key] for m in members]) for key in members[0]}

    def _nll(self, model: EventGenerator, split: Split, batch_size: int) -> dict[str, float]:
        """``nll``, ``nll_error``, ``nll_coordinates`` on the first ``n_nll`` events of
        ``split`` (none if the family has no likelihood); with ``n_jets: all`` the density of
        the multiplicity and the momenta, ``-log P(k) - log p(momenta | k)``."""
        n = min(self.cfg.n_nll, self._x[split].shape[0])
        x, condition = self._split(split)
        try:
            log_q = torch.cat([
                model.log_prob(x[i:min(i + batch_size, n)],
                               None if condition is None else condition[i:min(i + batch_size, n)],
                               **self._classes(split, i, min(i + batch_size, n)))
                for i in range(0, n, batch_size)]).detach().double().cpu().numpy()
        except NotImplementedError:
            return {}
        physical = self.maps.physical_log_prob(log_q, self.momenta[split][:n],
                                               self.n_jets[split][:n])
        return {"nll": float(-np.mean(physical)),
                "nll_error": float(np.std(physical) / math.sqrt(n)),
                "nll_coordinates": float(-np.mean(log_q))}
