"""Toy amplitude files for training tests, written with h5py / numpy directly.

Process ``u u~ > g g g`` (massless, central RAMBO events with a random longitudinal boost) and
a toy ``|M|^2 = s (1/s_23 + 1/s_24 + 1/s_34)`` with ``s_ij = 2 p_i.p_j`` over the three gluons:
Lorentz invariant and symmetric under exchanging the gluons, like a real ``|M|^2``.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

from helpers.kinematics import central_events, dot

__all__ = ["PROCESS", "SQRT_S", "toy_me2", "write_toy_amplitudes"]

PROCESS = "u u~ > g g g"
SQRT_S = 500.0


def toy_me2(p: np.ndarray) -> np.ndarray:
    """Toy ``|M|^2`` of ``(n, 5, 4)`` momenta, ``(n,)``."""
    s = 2 * dot(p[:, 0], p[:, 1])
    return s * sum(1.0 / (2 * dot(p[:, i], p[:, j])) for i, j in ((2, 3), (2, 4), (3, 4)))


def _boost_z(p: np.ndarray, rapidity: np.ndarray) -> np.ndarray:
    ch, sh = np.cosh(rapidity)[:, None], np.sinh(rapidity)[:, None]
    out = p.copy()
    out[..., 0] = ch * p[..., 0] + sh * p[..., 3]
    out[..., 3] = sh * p[..., 0] + ch * p[..., 3]
    return out


def write_toy_amplitudes(path: Path, n: int = 600, seed: int = 0, layout: str = "h5",
                         nan_row: int | None = None) -> Path:
    """Write ``n`` toy events; ``layout``: ``"h5"`` (ours), ``"npy"`` or ``"rows_h5"`` (public
    row layout); ``nan_row`` puts a NaN into that event's momenta."""
    p = central_events(n, SQRT_S, (0.0, 0.0, 0.0), seed=seed)
    me2 = toy_me2(p)
    p = _boost_z(p, np.random.default_rng(seed + 1).uniform(-1, 1, n))
    if nan_row is not None:
        p[nan_row, 2, 1] = np.nan
    rows = np.concatenate([p.reshape(n, -1), me2[:, None]], axis=1)
    if layout == "npy":
        np.save(path, rows)
    elif layout == "rows_h5":
        with h5py.File(path, "w") as f:
            f["events"] = rows
    else:
        with h5py.File(path, "w") as f:
            f["momenta"], f["me2"] = p, me2
            f.attrs["provenance"] = json.dumps({"process": PROCESS, "n": n, "seed": seed})
            f.attrs["n_complete"] = n
    return path


def toy_config(dataset: Path, **sections) -> dict:
    """A small run config on ``dataset`` (400 train / 200 val / 200 test events, MLP 32 x 2,
    60 steps); keyword arguments replace or update whole sections, e.g. ``train={"lr": 1}``."""
    config = {
        "seed": 0, "device": "cpu",
        "task": {"kind": "amplitude_regression", "dataset": str(dataset), "n_train": 400,
                 "n_val": 200, "n_test": 200},
        "model": {"family": "mlp", "width": 32, "depth": 2},
        "loss": "mse",
        "train": {"batch_size": 64, "steps": 60, "lr": 3e-3, "warmup_steps": 5,
                  "eval_every": 20},
    }
    for key, value in sections.items():
        config[key] = {**config[key], **value} if isinstance(value, dict) else value
    return config
