"""Shared pieces of the tests of the momentum-token families (transformer, lloca, lgatr).

Events are ``g g > t t~ h``-like 2 -> 3 kinematics from :func:`.kinematics.central_events`
(k = 5 particles, type ids ``(0, 0, 1, 2, 3)``), divided by a fixed scale as the task does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from helpers.amplitude_files import write_toy_amplitudes
from helpers.kinematics import central_events
from hepscaling.models.base import InputsSpec, Model, build_model
from hepscaling.records import RunRecord
from hepscaling.train.loop import run_training

SQRT_S = 1000.0  # GeV
MASSES = (173.0, 173.0, 125.0)  # t, t~, h
SCALE = 300.0  # GeV, momenta are fed to the networks as p / SCALE
TYPES = (0, 0, 1, 2, 3)


def spec(n_outputs: int = 1) -> InputsSpec:
    """Inputs of a k = 5 process with two identical incoming particles."""
    return InputsSpec(n_features=10, n_particles=5, particle_types=TYPES, n_outputs=n_outputs)


def events(n: int, seed: int) -> np.ndarray:
    """float64 ``(n, 5, 4)`` GeV, centre-of-mass frame."""
    return central_events(n, SQRT_S, MASSES, seed)


def build(config: dict, n_outputs: int = 1, seed: int = 0, device: str | None = None) -> Model:
    """Seeded :func:`build_model` on the test spec."""
    torch.manual_seed(seed)
    return build_model(config, spec(n_outputs), device=device)


def as_invariant_function(model: Model) -> Callable[[np.ndarray], np.ndarray]:
    """``(n, 5, 4)`` GeV float64 -> ``(n,)`` output channel 0, evaluated in float64."""
    model = model.double().eval()

    def func(momenta: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model(torch.from_numpy(momenta / SCALE))[:, 0].numpy()

    return func


def flop_count(model: Model, n_events: int) -> int:
    """``FlopCounterMode`` total of one forward pass on ``n_events`` events (math attention)."""
    x = torch.from_numpy(events(n_events, seed=5) / SCALE).float()
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), counter:
        model(x)
    return counter.get_total_flops()


def n_params_of_width(family: str, width: int, **extra) -> int:
    """N of ``family`` at ``width`` (built on the meta device, no memory)."""
    return build({"family": family, "width": width, **extra}, device="meta").n_params()


def train_on_toy_amplitudes(model: dict, tmp_path: Path, steps: int = 60,
                            lr: float = 1e-2) -> RunRecord:
    """Train ``model`` through :func:`run_training` on 200 toy ``u u~ > g g g`` events.

    Runs single-threaded: for these tiny models thread synchronisation on the shared test
    machine costs more than it gains (the previous thread count is restored).
    """
    dataset = write_toy_amplitudes(tmp_path / "toy.h5", n=400)
    config = {
        "seed": 0, "device": "cpu", "model": model,
        "task": {"kind": "amplitude_regression", "dataset": str(dataset), "n_train": 200,
                 "n_val": 100, "n_test": 100},
        "train": {"batch_size": 64, "steps": steps, "lr": lr, "warmup_steps": 5,
                  "eval_every": steps // 3},
    }
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return run_training(config, tmp_path / "run", progress=False)
    finally:
        torch.set_num_threads(threads)
