"""A toy event density with an exact log density, trained through the one loop.

Task ``toy_density`` (generated in memory, no files): three coordinates, the second an angle,

    x0 ~ N(0, 1),   x1 | x0 ~ vonMises(loc = x0, kappa = 4),   x2 | x1 ~ N(x1 / 2, 1 / 4),

and, with ``fractions``, a multiplicity class ``m`` ~ Categorical(fractions) first, keeping
``m + 1`` coordinates (the rest zero). :func:`log_density` is the exact ``log p`` per event, so
the paired difference ``NLL_model - NLL_true`` on the same test events estimates
``KL(p || model) >= 0``; :func:`entropy` is the exact differential entropy. Register the task for
one test with :func:`register_toy_density`.
"""

from __future__ import annotations

import math
from typing import Literal

import pytest
import torch
from scipy import special

from hepscaling.models.base import InputsSpec
from hepscaling.tasks import base as tasks_base
from hepscaling.tasks.base import Task, TaskConfig
from hepscaling.tasks.losses import weighted_mean

KAPPA = 4.0
PERIODIC = (False, True, False)


class ToyDensityConfig(TaskConfig):
    kind: Literal["toy_density"] = "toy_density"
    n_train: int = 4000
    n_test: int = 4000
    fractions: tuple[float, ...] | None = None
    seed: int = 0


def draw(n: int, fractions: tuple[float, ...] | None,
         generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``n`` events float64 ``(n, 3)`` and classes int64 ``(n,)`` (None without fractions)."""
    x0 = torch.randn(n, generator=generator, dtype=torch.float64)
    vm = torch.distributions.VonMises(torch.zeros(()), torch.tensor(KAPPA))
    torch.manual_seed(int(torch.randint(0, 2**31, (1,), generator=generator)))
    x1 = (x0 + vm.sample((n,)).double() + math.pi) % (2 * math.pi) - math.pi
    x2 = 0.5 * x1 + 0.5 * torch.randn(n, generator=generator, dtype=torch.float64)
    x = torch.stack([x0, x1, x2], dim=1)
    if fractions is None:
        return x, None
    label = torch.multinomial(torch.tensor(fractions), n, replacement=True, generator=generator)
    x = torch.where(torch.arange(3) < label[:, None] + 1, x, 0.0)
    return x, label


def log_density(x: torch.Tensor, label: torch.Tensor | None,
                fractions: tuple[float, ...] | None) -> torch.Tensor:
    """Exact ``log p`` per event, float64 ``(n,)`` nats."""
    x = x.double()
    terms = torch.stack([
        -0.5 * x[:, 0] ** 2 - 0.5 * math.log(2 * math.pi),
        KAPPA * torch.cos(x[:, 1] - x[:, 0]) - math.log(2 * math.pi * special.i0(KAPPA)),
        -2.0 * (x[:, 2] - 0.5 * x[:, 1]) ** 2 - math.log(0.5) - 0.5 * math.log(2 * math.pi),
    ], dim=1)
    if label is None or fractions is None:
        return terms.sum(dim=1)
    real = torch.arange(3) < label[:, None] + 1
    log_fractions = torch.log(torch.tensor(fractions, dtype=torch.float64))
    return (terms * real).sum(dim=1) + log_fractions[label]


def entropy(fractions: tuple[float, ...] | None = None) -> float:
    """Exact differential entropy (nats per event)."""
    per = [0.5 * math.log(2 * math.pi * math.e),
           math.log(2 * math.pi * special.i0(KAPPA))
           - KAPPA * special.i1(KAPPA) / special.i0(KAPPA),
           0.5 * math.log(2 * math.pi * math.e * 0.25)]
    if fractions is None:
        return sum(per)
    return sum(f * (sum(per[:m + 1]) - math.log(f)) for m, f in enumerate(fractions))


class ToyDensityTask(Task):
    """The toy density (module docstring) in the event-generator contract: inputs
    ``(x, None, generator[, multiplicity])``, unit weights as targets."""

    @classmethod
    def spec_from_config(cls, cfg: ToyDensityConfig, loss: str) -> InputsSpec:
        lengths = (1, 2, 3) if cfg.fractions else ()
        return InputsSpec(n_features=3, periodic=PERIODIC, lengths=lengths,
                          n_train=cfg.n_train)

    def __init__(self, cfg: ToyDensityConfig, *, loss, input_kind, device) -> None:
        self.cfg, self.device, self.n_train = cfg, device, cfg.n_train
        self.inputs_spec = self.spec_from_config(cfg, loss)
        g = torch.Generator().manual_seed(cfg.seed)
        self.data = {s: draw(n, cfg.fractions, g) for s, n in
                     (("train", cfg.n_train), ("val", cfg.n_test), ("test", cfg.n_test))}

    def inputs(self, split):
        return self.data[split][0].float()

    def train_batch(self, index, generator):
        x, label = self.data["train"]
        inputs = (x[index].float(), None, generator)
        return (inputs if label is None else (*inputs, label[index])), torch.ones(len(index))

    def loss(self, output, target):
        return weighted_mean(output, target)

    @torch.no_grad()
    def _nll(self, model, split) -> torch.Tensor:
        x, label = self.data[split]
        model.eval()
        nll = model.loss(x.float(), None, multiplicity=label).double()
        model.train()
        return nll

    def evaluate(self, model, split, batch_size=8192):
        return {"loss": self._nll(model, split).mean().item()}

    def final_metrics(self, model, split, batch_size=8192):
        """``kl``: the paired estimate ``<NLL_model - NLL_true>`` of ``KL(p || model)`` on the
        split, with its standard error ``kl_error``."""
        x, label = self.data[split]
        diff = self._nll(model, split) + log_density(x, label, self.cfg.fractions)
        return {"kl": diff.mean().item(),
                "kl_error": (diff.std() / math.sqrt(diff.numel())).item()}, {}


def register_toy_density(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register ``toy_density`` for the current test."""
    monkeypatch.setitem(tasks_base._REGISTRY, "toy_density", (ToyDensityTask, ToyDensityConfig))


def toy_density_config(model: dict, task: dict | None = None, **train) -> dict:
    """A run config of the toy density (seed 0, cpu, 200 steps of 128, lr 1e-2 cosine)."""
    return {"seed": 0, "device": "cpu", "loss": "generative",
            "task": {"kind": "toy_density", **(task or {})}, "model": model,
            "train": {"batch_size": 128, "steps": 200, "lr": 1e-2, "warmup_steps": 10,
                      "eval_every": 200, **train}}
