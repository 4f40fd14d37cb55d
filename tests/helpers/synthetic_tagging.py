"""A synthetic jet-tagging sweep: two input representations over an N x D grid whose AUC and
validation loss follow known laws (report and CLI tests of the ceilings by representation)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hepscaling.records import RunRecord, config_hash, write_record

#: Per family: joint ceiling ``AUC = a_inf - A / N^alpha - B / D^beta`` and parameters per width.
CEILING = {"part": {"a_inf": 0.985, "A": 1.0, "alpha": 0.4, "B": 1.0, "beta": 0.45},
           "hl_dense": {"a_inf": 0.97, "A": 0.5, "alpha": 0.5, "B": 0.8, "beta": 0.5}}
WIDTHS = (16, 32, 64, 128)
SIZES = (250, 700, 2000, 5000, 15000)


def write_tagging_sweep(root: Path, *, noise: float = 0.01) -> Path:
    """Write ``len(CEILING) x len(WIDTHS) x len(SIZES)`` done runs under ``root/runs``.

    ``test_auc_macro`` follows :data:`CEILING` with log-normal noise on the shortfall
    ``1 - AUC``; ``val_loss = 0.2 + 5 / N^0.3 + 8 / D^0.4`` (same noise). Returns ``root``.
    """
    rng = np.random.default_rng(5)
    for family, p in CEILING.items():
        for width in WIDTHS:
            n = 10 * width * width
            for d in SIZES:
                config = {"seed": 0, "device": "cpu", "loss": "cross_entropy",
                          "task": {"kind": "jet_tagging", "dataset": "data/qcdw.h5",
                                   "n_train": d, "n_val": 1000, "n_test": 4000},
                          "model": {"family": family, "width": width, "depth": 2},
                          "train": {"batch_size": 128, "steps": 1200, "lr": 1e-3}}
                short = (p["A"] * n ** -p["alpha"] + p["B"] * d ** -p["beta"]
                         + 1.0 - p["a_inf"]) * np.exp(noise * rng.normal())
                loss = (0.2 + 5.0 * n ** -0.3 + 8.0 * d ** -0.4) * np.exp(noise * rng.normal())
                steps = 1200
                record = RunRecord(run_id=config_hash(config), status="done", config=config,
                                   code_version="test", seed=0, n_params=n, n_train=d,
                                   flops=6.0 * n * steps * 128, flops_per_sample=6.0 * n,
                                   steps=steps, samples_seen=steps * 128,
                                   epochs=steps * 128 / d,
                                   metrics={"test_auc_macro": float(1.0 - short),
                                            "val_loss": float(loss)})
                write_record(record, root / "runs" / record.run_id)
    return root
