"""A synthetic jet-generation N-sweep of run records with a known log law, SWD and window."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hepscaling.records import RunRecord, config_hash, write_record

#: Widths of the sweep and the non-embedding N of each (2 decades).
WIDTHS = (16, 32, 64, 128, 256, 512)
#: Per-position loss: the first WINDOW positions improve with N (log-like), the others never.
POSITIONS, WINDOW = 12, 4
#: Unigram baseline per position (nats).
UNIGRAM = 7.0


def n_params(width: int) -> int:
    """Non-embedding-like N of a width: ``12 w^2`` over 2.4 decades."""
    return 12 * width * width


def position_loss(n: float) -> np.ndarray:
    """Noise-free per-position loss float64 (POSITIONS,) at N = ``n``: positions below WINDOW
    fall like ``6 - 0.3 ln(N / 3e3)``, the others sit at the unigram."""
    out = np.full(POSITIONS, UNIGRAM)
    out[:WINDOW] = 6.0 - 0.3 * np.log(n / 3e3)
    return out


def loss_curve(flops: float, final: float, points: int = 10) -> dict[str, list[float]]:
    """Record curves of a run that spends ``flops`` and ends at loss ``final``: ``points``
    evaluations at equal steps, ``val_loss = final + 0.5 (flops / C - 1)`` at compute C."""
    c = flops * np.arange(1, points + 1) / points
    return {"step": list(map(float, range(1, points + 1))), "flops": c.tolist(),
            "val_loss": (final + 0.5 * (flops / c - 1.0)).tolist()}


def write_jet_sweep(root: Path, *, seeds: int = 3, noise: float = 0.005,
                    observables: bool = False) -> Path:
    """Records of a jet_generation N-sweep under ``root``: ``test_loss`` and ``val_loss`` (mean
    of :func:`position_loss` plus seed noise, a log law in N), ``test_baseline_unigram``,
    ``test_swd = 0.01 + (val_loss - 5.5)^2`` (monotone in the loss) and the
    ``test_position_loss`` histogram; with ``observables`` also the ``test_generated_mass`` and
    ``test_truth_mass`` histograms and the ``test_w1_mass`` distances with their floors.
    Every record has ``flops`` and ``val_loss`` curves (:func:`loss_curve`). Returns ``root``."""
    rng = np.random.default_rng(7)
    for width in WIDTHS:
        for seed in range(seeds):
            n = n_params(width)
            curve = position_loss(n) + noise * rng.normal(size=POSITIONS)
            loss = float(curve.mean())
            val = loss + noise * rng.normal()
            config = {"seed": seed, "task": {"kind": "jet_generation", "n_train": 10000},
                      "model": {"family": "jet_gpt", "width": width, "depth": 2}}
            metrics = {"test_loss": loss, "val_loss": val, "test_baseline_unigram": UNIGRAM,
                       "test_swd": 0.01 + (val - 5.5) ** 2}
            hist = {"test_position_loss": {"edges": list(map(float, range(POSITIONS + 1))),
                                           "counts": curve.tolist()}}
            if observables:
                edges = np.linspace(0.0, 200.0, 21).tolist()
                for label in ("generated", "truth"):
                    counts = rng.poisson(50, 20).astype(float).tolist()
                    hist[f"test_{label}_mass"] = {"edges": edges, "counts": counts}
                metrics |= {"test_w1_mass": 0.1, "test_w1_mass_truth": 0.03,
                            "test_w1_mass_tokenization": 0.04}
            run_id = config_hash(config)
            flops = 6.0 * n * 1e6
            record = RunRecord(run_id=run_id, status="done", config=config, code_version="t",
                               seed=seed, n_params=n, n_train=10000, flops=flops,
                               metrics=metrics, histograms=hist, curves=loss_curve(flops, val))
            write_record(record, root / run_id)
    return root
