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

Inputs. A task offers two input kinds and the model declares which one it consumes:

- ``"invariants"``: float32 ``(B, spec.n_invariants)``, standardised features
  (for amplitudes: logs of all pairwise Minkowski products ``p_i.p_j``);
- ``"momenta"``: float32 ``(B, spec.n_particles, 4)``, ``(E, px, py, pz)`` in the partonic
  centre-of-mass frame divided by one scalar scale (so Lorentz transformations act linearly).

Output: float32 ``(B, spec.n_outputs)``; for regression channel 0 is the prediction and, with
the heteroscedastic loss, channel 1 is ``log sigma``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import torch
from pydantic import BaseModel, ConfigDict
from torch import nn

from hepscaling.errors import UsageError

__all__ = [
    "FAMILY_MODULES",
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

InputKind = Literal["invariants", "momenta", "constituents", "high_level"]

# family name -> module that registers it (imported lazily on first lookup)
FAMILY_MODULES: dict[str, str] = {
    "mlp": "hepscaling.models.mlp",
    "mlp_mup": "hepscaling.models.mlp",
    "transformer": "hepscaling.models.transformer",
    "lloca": "hepscaling.models.lloca",
    "lgatr": "hepscaling.models.lgatr",
    "part": "hepscaling.models.part", "hl_dense": "hepscaling.models.hl_dense",
}

_REGISTRY: dict[str, tuple[type[Model], type[ModelConfig]]] = {}


@dataclass(frozen=True)
class InputsSpec:
    """What a task feeds a model (shapes only; no data).

    Attributes
    ----------
    n_invariants : features per event of the ``"invariants"`` input.
    n_particles : particles per event ``k`` of the ``"momenta"`` input ``(B, k, 4)``.
    particle_types : ``(k,)`` integer type ids in process order; identical particles share an
        id (for token embeddings).
    n_outputs : network outputs per event (1 for MSE, 2 for heteroscedastic regression).
    """

    n_invariants: int
    n_particles: int
    particle_types: tuple[int, ...]
    n_outputs: int = 1


class ModelConfig(BaseModel):
    """Base of every family's ``model:`` config section: unknown keys fail, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    family: str


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
        """N: the number of trainable parameters."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

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
