"""A toy event-generation task with a known density, on the real event_generation code paths.

``toy_events``: coordinates ``(a, b, phi)`` with ``a ~ N(0.5, 0.6^2)``, ``b ~ N(-1, 1.3^2)``
independent of ``a``, and an angle ``phi ~ VonMises(1, kappa = 2)`` (periodic), drawn in
memory. Its differential entropy is analytic (:data:`TOY_ENTROPY`, nats). The task subclasses
:class:`~hepscaling.tasks.event_generation.EventGenerationTask`, so batches, weights and the
evaluation loss are the real ones; only the data and the spec differ.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pytest
import torch
from scipy.special import i0e, i1e

from hepscaling.models.base import InputsSpec
from hepscaling.models.object_momenta import ObjectMomenta
from hepscaling.tasks import base as tasks_base
from hepscaling.tasks.base import TaskConfig
from hepscaling.tasks.event_generation import EventGenerationTask

SIGMAS = (0.6, 1.3)
KAPPA = 2.0
#: entropy of the toy: two Gaussians plus the von Mises angle, nats
TOY_ENTROPY = (sum(0.5 * math.log(2 * math.pi * math.e * s**2) for s in SIGMAS)
               + math.log(2 * math.pi * i0e(KAPPA)) + KAPPA - KAPPA * i1e(KAPPA) / i0e(KAPPA))


def toy_sample(n: int, seed: int) -> np.ndarray:
    """``n`` toy events, float64 ``(n, 3)``."""
    rng = np.random.default_rng(seed)
    phi = np.mod(rng.vonmises(1.0, KAPPA, n) + math.pi, 2 * math.pi) - math.pi
    return np.stack([rng.normal(0.5, SIGMAS[0], n), rng.normal(-1.0, SIGMAS[1], n), phi], 1)


def toy_log_prob(x: np.ndarray) -> np.ndarray:
    """Exact log density of toy events ``x`` ``(n, 3)``, float64 ``(n,)``."""
    gauss = sum(-0.5 * ((x[:, i] - m) / s) ** 2 - math.log(s * math.sqrt(2 * math.pi))
                for i, (m, s) in enumerate(zip((0.5, -1.0), SIGMAS, strict=True)))
    return gauss + KAPPA * (np.cos(x[:, 2] - 1.0) - 1) - math.log(2 * math.pi * i0e(KAPPA))


class ToyEventsConfig(TaskConfig):
    kind: Literal["toy_events"] = "toy_events"
    n_train: int = 4000
    systematic: bool = False


class ToyEventsTask(EventGenerationTask):
    """Toy events (module docstring); 2000 validation and test events."""

    # object momenta (cfm backbone lgatr): object 0 has pT = exp(a), eta = b; object 1 pT = 1,
    # eta = 0 and azimuth phi; both of mass 0.1
    SPEC = InputsSpec(n_outputs=1, n_features=3, n_particles=2, particle_types=(0, 1),
                      periodic=(False, False, True), coordinate_objects=(0, 0, 1),
                      object_momenta=ObjectMomenta(
                          log_pt=(0, -1), eta=(1, -1), dphi=(-1, 2), log_m2=(-1, -1),
                          pt_shift=(0.0, 0.0), mass=(0.1, 0.1), m2_eps=0.0, mean=(0.0,) * 3,
                          std=(1.0,) * 3))

    @classmethod
    def spec_from_config(cls, cfg, loss):
        return cls.SPEC

    def __init__(self, cfg, *, loss, input_kind, device):
        self.cfg, self.device, self.n_train = cfg, device, cfg.n_train
        self.inputs_spec = self.SPEC
        sizes = {"train": cfg.n_train, "val": 2000, "test": 2000}
        self.raw = {s: toy_sample(n, seed) for seed, (s, n) in enumerate(sizes.items())}
        self._x = {s: self.tensor(x) for s, x in self.raw.items()}
        self._ones = torch.ones(cfg.n_train, device=device)

    def final_metrics(self, model, split, batch_size=8192):
        """``nll`` (nats, with ``nll_error``) of the first 1000 test events and ``kl``, the
        mean of exact minus model log density on them (with ``kl_error``)."""
        log_q = model.log_prob(self._x[split][:1000]).double().numpy()
        gap = toy_log_prob(self.raw[split][:1000]) - log_q
        return {"nll": float(-log_q.mean()), "nll_error": float(log_q.std() / math.sqrt(1000)),
                "kl": float(gap.mean()), "kl_error": float(gap.std() / math.sqrt(1000))}, {}


def register_toy_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the ``toy_events`` task for the current test."""
    monkeypatch.setitem(tasks_base._REGISTRY, "toy_events", (ToyEventsTask, ToyEventsConfig))
