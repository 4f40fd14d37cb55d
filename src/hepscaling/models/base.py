"""The model interface and the family registry every trainable network plugs into.

A model family is a :class:`Model` subclass plus a pydantic :class:`ModelConfig` subclass
(the ``model:`` section of a run config), registered under its ``family`` name::

    class MLPConfig(ModelConfig):
        family: Literal["mlp"] = "mlp"
        width: int = 128

    @register_model("mlp", MLPConfig)
    class MLP(Model):
        input_kind = "invariants"
        def __init__(self, cfg: MLPConfig, spec: InputsSpec): ...

Families live in their own modules and are imported on first use through
``FAMILY_MODULES`` (so heavy optional dependencies such as lloca or lgatr are only imported
when a config asks for them).

Inputs. A task describes what it feeds in an :class:`InputsSpec` (shapes only) and the model
declares the input kind it consumes:

- ``"invariants"`` / ``"high_level"``: float32 ``(B, spec.n_features)``, standardised flat
  features (amplitudes: logs of all pairwise Minkowski products ``p_i.p_j``; jets: the
  high-level observables of :mod:`hepscaling.physics.jets.observables`);
- ``"momenta"``: float32 ``(B, spec.n_particles, 4)``, ``(E, px, py, pz)`` in the partonic
  centre-of-mass frame divided by one scalar scale (so Lorentz transformations act linearly),
  with one type id per particle in ``spec.particle_types``;
- ``"constituents"``: float32 ``(B, spec.n_particles, 5 + spec.n_particle_features)`` jet
  constituents (mask, four-momentum in GeV, per-particle features);
- ``"tokens"``: int64 ``(B, L)``, ``L <= spec.n_particles``, ids in ``[0, spec.vocab_size)``
  whose last three are START, STOP and PAD (jet tokens of :mod:`hepscaling.data.tokens`);
  output next-token logits ``(B, L, spec.vocab_size)``;
- ``"events"``: float32 ``(B, spec.n_features)`` standardised event coordinates
  (:mod:`hepscaling.data.event_coordinates`: ``d = 5 + 4 k`` for ``k`` jets; coordinate ``i``
  belongs to object ``spec.coordinate_objects[i]`` and is an angle in ``[-pi, pi)`` where
  ``spec.periodic[i]``), with a condition float32 ``(B, spec.n_condition)`` or None. Models of
  this kind are :class:`EventGenerator` s: their output is their per-event training loss.

A model reads every field it needs with :meth:`InputsSpec.need`, which names the field and the
family in a one-line :class:`~hepscaling.errors.UsageError` when the task does not provide it.

A model may take several inputs: when :meth:`Task.train_batch
<hepscaling.tasks.base.Task.train_batch>` returns a tuple, the loop calls ``model(*inputs)``.
It may add a term to the training loss (:meth:`Model.extra_loss`, e.g. the KL divergence of
Bayesian layers). A :class:`GenerativeModel` can also draw samples.

Training a generator of continuous events. An :class:`EventGenerator` defines its own
objective: :meth:`EventGenerator.loss` ``(x, condition, generator) -> (B,)`` is the per-event
loss (flow matching: the velocity regression at a random time; autoregressive models: the
negative log-likelihood), drawing any randomness it needs (times, noise) from ``generator``.
Its ``forward`` *is* that loss, so the one training loop stays unchanged: the task's
``train_batch`` returns the inputs ``(x, condition, generator)`` (the loop's seeded generator,
so a resumed run draws the same noise) and per-event weights as the target, and the task's
``loss`` is the weighted mean of the model output (:mod:`hepscaling.tasks.event_generation`).
A family with :attr:`EventGenerator.all_multiplicities` models every jet multiplicity at once
(``spec.lengths`` non-empty): ``x`` is zero-padded beyond ``spec.lengths[m]`` for an event of
multiplicity class ``m``, and the classes int64 ``(B,)`` are a fourth input
(``model(x, condition, generator, multiplicity)``) and the ``multiplicity`` keyword of
``loss`` and ``log_prob``; :meth:`EventGenerator.sample_with_multiplicity` draws them.

Output: float32 ``(B, spec.n_outputs)``; for regression channel 0 is the prediction and, with
the heteroscedastic loss, channel 1 is ``log sigma``; for classification the class logits.
"""

from __future__ import annotations

import importlib
from abc import ABCMeta, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import torch
from torch import nn

from hepscaling.config_section import ConfigSection
from hepscaling.errors import UsageError
from hepscaling.models.object_momenta import ObjectMomenta

__all__ = [
    "FAMILY_MODULES",
    "EventGenerator",
    "GenerativeModel",
    "InputKind",
    "InputsSpec",
    "Model",
    "ModelConfig",
    "build_model",
    "model_class",
    "model_config_class",
    "model_families",
    "register_model",
]

InputKind = Literal["invariants", "momenta", "constituents", "high_level", "tokens", "events"]

# family name -> module that registers it (imported lazily on first lookup)
FAMILY_MODULES: dict[str, str] = {
    "mlp": "hepscaling.models.mlp",
    "mlp_mup": "hepscaling.models.mlp",
    "transformer": "hepscaling.models.transformer",
    "lloca": "hepscaling.models.lloca",
    "lgatr": "hepscaling.models.lgatr",
    "part": "hepscaling.models.part", "hl_dense": "hepscaling.models.hl_dense",
    "jet_gpt": "hepscaling.models.jet_gpt",
    "cfm": "hepscaling.models.cfm",
    "event_gpt": "hepscaling.models.event_gpt",
}

_REGISTRY: dict[str, tuple[type[Model], type[ModelConfig]]] = {}


_FIELD_MEANING = {
    "n_outputs": "network outputs per sample",
    "n_features": "flat features per sample, input (B, n_features)",
    "n_particles": "particle / constituent / token slots per sample",
    "particle_types": "one integer type id per particle slot",
    "n_particle_features": "per-particle features F of the constituent input (B, P, 5 + F)",
    "vocab_size": "size of the discrete token vocabulary",
    "n_condition": "conditioning features per sample",
    "periodic": "which flat features are angles in [-pi, pi)",
    "coordinate_objects": "the object (particle) of each flat feature",
    "lengths": "features per multiplicity class of a variable-length event",
    "n_train": "training samples D (normalises per-sample terms such as a Bayesian KL)",
    "object_momenta": "where each object's four-momentum sits in the flat features",
}


@dataclass(frozen=True)
class InputsSpec:
    """What a task feeds a model (shapes only; no data). Every field is optional: a task sets
    those its inputs have, a model reads those it needs through :meth:`need`.

    Attributes
    ----------
    n_outputs : network outputs per sample (1 for MSE, 2 for heteroscedastic regression, the
        number of classes for classification); output float32 ``(B, n_outputs)``.
    n_features : flat features per sample, input float32 ``(B, n_features)`` (amplitudes: the
        ``k (k - 1) / 2`` log invariants; jets: the high-level observables).
    n_particles : particle / constituent / token slots per sample ``k`` (momenta
        ``(B, k, 4)``, constituents ``(B, k, 5 + F)``).
    particle_types : ``(k,)`` integer type ids in process order; identical particles share an
        id (for type embeddings).
    n_particle_features : per-particle features ``F`` of the constituent input
        ``(B, k, 5 + F)`` (channels ``5:``).
    vocab_size : number of distinct token ids of a discrete (int64 ``(B, T)``) input.
    n_condition : conditioning features per sample, float32 ``(B, n_condition)``.
    periodic : ``(n_features,)`` bools, true for features that are angles in ``[-pi, pi)``
        (event coordinates: the azimuth differences).
    coordinate_objects : ``(n_features,)`` object index of each feature (event coordinates:
        0 = mu+, 1 = mu-, 2.. = jets), so a model can group them into one token per object.
    lengths : features of each multiplicity class of a variable-length event, increasing, the
        last ``n_features`` (an event of class ``m`` zero-padded beyond ``lengths[m]``); empty
        for a fixed length.
    n_train : the training-set size ``D``, for terms a model normalises per training sample
        (the KL of a Bayesian layer in :meth:`Model.extra_loss`).
    object_momenta : how each object's four-momentum follows from the flat features
        (:class:`~hepscaling.models.object_momenta.ObjectMomenta`; event coordinates of the
        ``objects`` system), or None where the features do not determine it object by object.
    """

    n_outputs: int = 1
    n_features: int = 0
    n_particles: int = 0
    particle_types: tuple[int, ...] = ()
    n_particle_features: int = 0
    vocab_size: int = 0
    n_condition: int = 0
    periodic: tuple[bool, ...] = ()
    coordinate_objects: tuple[int, ...] = ()
    lengths: tuple[int, ...] = ()
    n_train: int = 0
    object_momenta: ObjectMomenta | None = None

    def need(self, name: str, family: str) -> Any:
        """The field ``name``, which model ``family`` needs; a one-line :class:`UsageError`
        when the task did not provide it (zero or empty)."""
        if name not in _FIELD_MEANING:
            raise ValueError(f"InputsSpec has no field {name!r}; "
                             f"one of {', '.join(_FIELD_MEANING)}")
        value = getattr(self, name)
        if not value:
            raise UsageError(
                f"model family {family!r} needs {name} ({_FIELD_MEANING[name]}), which this "
                f"task does not provide; choose a task whose inputs have it or another family"
            )
        return value


class ModelConfig(ConfigSection):
    """Base of every family's ``model:`` config section: unknown keys fail, values are frozen;
    knobs added to a family after its runs were identified go in ``QUIET_DEFAULTS``
    (:class:`hepscaling.config_section.ConfigSection`)."""

    family: str

    def reads_object_momenta(self) -> tuple[str, str] | None:
        """Whether this network reads each object's four-momentum from the inputs
        (:attr:`InputsSpec.object_momenta`, which only some task settings give; checked when a
        run config loads): the setting that makes it (e.g. ``"model.backbone: lgatr"``) and
        one that does without (e.g. ``"model.backbone: transformer"``); ``None`` if it does
        not."""
        return None


class Model(nn.Module):
    """Base class of all networks trained by :func:`hepscaling.train.loop.run_training`.

    Subclasses set ``input_kind``, implement ``forward`` and :meth:`forward_flops`, and may
    override :meth:`param_groups` (muP uses it for per-layer learning rates).
    """

    input_kind: ClassVar[InputKind] = "invariants"

    def forward_flops(self) -> float:
        """Analytic forward FLOPs per sample (2 x multiply-accumulates of the matmuls)."""
        raise NotImplementedError

    def n_params(self) -> int:
        """The number of trainable parameters."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def n_params_scaling(self) -> int:
        """N of the scaling laws, the run record's ``n_params``: all trainable parameters
        unless a family counts otherwise (the jet GPT leaves out its embeddings, as Kaplan et
        al. do)."""
        return self.n_params()

    def representation(self, inputs: torch.Tensor) -> torch.Tensor | None:
        """The internal representation of ``inputs`` the readout sees, float32 ``(B, F)`` (for
        the intrinsic-dimension estimate of :mod:`hepscaling.metrics.intrinsic_dimension`),
        or None (the default) when the family does not expose one."""
        return None

    def extra_loss(self) -> torch.Tensor | None:
        """A scalar the loop adds to the task's training loss (e.g. the KL divergence of
        Bayesian layers, already divided by D), or None (the default) for no extra term."""
        return None

    def param_groups(self, lr: float, weight_decay: float) -> list[dict[str, Any]]:
        """AdamW parameter groups: weight decay on matrices (ndim >= 2) only.

        Each group carries its own ``lr``; schedules multiply every group's ``lr``.
        """
        params = [p for p in self.parameters() if p.requires_grad]
        decay = [p for p in params if p.ndim >= 2]
        no_decay = [p for p in params if p.ndim < 2]
        groups = [{"params": decay, "lr": lr, "weight_decay": weight_decay},
                  {"params": no_decay, "lr": lr, "weight_decay": 0.0}]
        return [g for g in groups if g["params"]]


class GenerativeModel(Model, metaclass=ABCMeta):
    """A model that can draw samples; its training objective is set by its task and input kind.

    Subclasses implement :meth:`sample`, and :meth:`log_prob` when the density is tractable.
    """

    @abstractmethod
    def sample(self, n: int, *, condition: torch.Tensor | None = None,
               generator: torch.Generator) -> torch.Tensor:
        """``n`` samples drawn with ``generator`` (on the model's device), optionally given
        ``condition`` float32 ``(n, spec.n_condition)``; shape and units per the input kind."""

    def log_prob(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        """Log density of the samples ``x``, float ``(n,)``; raises unless the family has a
        tractable likelihood."""
        raise NotImplementedError(f"{type(self).__name__} has no tractable likelihood "
                                  "(log_prob); compare its samples instead")


class EventGenerator(GenerativeModel):
    """A generator of continuous event coordinates (input kind ``"events"``, module
    docstring): float32 ``x`` ``(B, d)`` standardised coordinates, periodic ones in radians.

    Subclasses implement :meth:`loss` (their training objective), :meth:`sample` (returning
    float32 ``(n, d)``, periodic coordinates in ``[-pi, pi)``) and, if tractable,
    :meth:`log_prob` (nats, density of the standardised coordinates; the task adds the
    Jacobian to physical momenta). A family that models every jet multiplicity in one network
    (a stop token) sets :attr:`all_multiplicities`.
    """

    input_kind = "events"
    #: models events of any jet multiplicity at once (``task.n_jets: all``)
    all_multiplicities: ClassVar[bool] = False

    @abstractmethod
    def loss(self, x: torch.Tensor, condition: torch.Tensor | None = None, *,
             generator: torch.Generator | None = None) -> torch.Tensor:
        """Per-event training loss, float ``(B,)`` of events ``x`` float32 ``(B, d)`` given
        ``condition`` ``(B, n_condition)`` (None without one); random draws (times, noise)
        come from ``generator`` (None: torch's global generator)."""

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """The per-event training loss :meth:`loss`, float ``(B,)`` (how the loop trains an
        event generator, see the module docstring)."""
        return self.loss(x, condition, generator=generator)

    def sample_with_multiplicity(self, n: int, *, condition: torch.Tensor | None = None,
                                 generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` events float32 ``(n, d)`` (zero beyond each event's length) and their
        multiplicity classes int64 ``(n,)`` (indices into ``spec.lengths``); families with
        :attr:`all_multiplicities` only."""
        raise NotImplementedError(f"{type(self).__name__} models one jet multiplicity; it "
                                  "does not draw multiplicities")


def register_model(name: str,
                   config_cls: type[ModelConfig]) -> Callable[[type[Model]], type[Model]]:
    """Class decorator registering a :class:`Model` subclass under ``name`` with its config."""

    def decorate(cls: type[Model]) -> type[Model]:
        _REGISTRY[name] = (cls, config_cls)
        return cls

    return decorate


def model_families() -> list[str]:
    """Names of all known model families (registered or importable)."""
    return sorted(set(FAMILY_MODULES) | set(_REGISTRY))


def _lookup(family: str) -> tuple[type[Model], type[ModelConfig]]:
    if family not in _REGISTRY and family in FAMILY_MODULES:
        try:
            importlib.import_module(FAMILY_MODULES[family])
        except ModuleNotFoundError as exc:
            raise UsageError(
                f"model family {family!r} needs module {exc.name!r}, which is not installed "
                "(pip install 'hepscaling[equivariant]' for lloca / lgatr)"
            ) from exc
    if family not in _REGISTRY:
        raise UsageError(
            f"unknown model family {family!r}; choose one of {', '.join(model_families())}"
        )
    return _REGISTRY[family]


def model_class(family: str) -> type[Model]:
    """The :class:`Model` subclass registered as ``family`` (UsageError if unknown)."""
    return _lookup(family)[0]


def model_config_class(family: str) -> type[ModelConfig]:
    """The config class registered for ``family`` (UsageError if unknown)."""
    return _lookup(family)[1]


def build_model(cfg: ModelConfig | dict[str, Any], inputs_spec: InputsSpec,
                device: torch.device | str | None = None) -> Model:
    """Build the network described by ``cfg`` for inputs ``inputs_spec``.

    ``device="meta"`` builds it without allocating memory (enough for :meth:`Model.n_params`
    and :meth:`Model.forward_flops`). Parameter initialisation uses torch's global RNG, so
    seed it first for reproducible weights.
    """
    if isinstance(cfg, dict):
        cfg = model_config_class(str(cfg.get("family"))).model_validate(cfg)
    cls = model_class(cfg.family)
    if device is None:
        return cls(cfg, inputs_spec)
    with torch.device(device):
        return cls(cfg, inputs_spec)
