"""Synthetic sweep of ``event_generation`` run records whose classifier precision follows a
known law (laws, report and CLI tests of the generator study).

Per run of width ``w`` (``N = 3 w^2 + 40 w`` parameters) and ``D`` training events, the excess
of the classifier AUC over its truth-vs-truth floor is ``(D_C / D)^ALPHA_D + (N_C / N)^ALPHA_N``
(:data:`LAW`) times log-normal noise; the floor is ``0.5`` plus Gaussian noise of
:data:`SIGMA`, and ``classifier_auc = floor + excess``. The spread of ``log w`` has the same
shape scaled by :data:`LOG_W_SCALE` over a floor of :data:`LOG_W_FLOOR`; the weight
histograms are those of log-normal weights of that spread; the tail views of
:data:`TAIL_OBSERVABLES` are Poisson counts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hepscaling.metrics.weights import TAIL_VIEW, weight_histogram
from hepscaling.records import RunRecord, config_hash, write_record

#: the excess law: (D_C / D)^ALPHA_D + (N_C / N)^ALPHA_N
LAW = {"D_C": 20.0, "ALPHA_D": 0.5, "N_C": 200.0, "ALPHA_N": 0.4}
SIZES = (100, 320, 1000, 3200)
WIDTHS = (32, 64, 128, 320)
SIGMA = 0.005  # standard error of the synthetic AUCs
LOG_W_SCALE, LOG_W_FLOOR = 3.0, 0.05
#: observables of the recorded tail views (classifier_tails_<name>)
TAIL_OBSERVABLES = ("pt_j1", "m_mumu")


def n_params(width: int) -> int:
    """The synthetic parameter count of a generator of ``width``."""
    return 3 * width * width + 40 * width


def excess(d: float, width: int) -> float:
    """The noise-free AUC excess of :data:`LAW`."""
    return (LAW["D_C"] / d) ** LAW["ALPHA_D"] + (LAW["N_C"] / n_params(width)) ** LAW["ALPHA_N"]


def _config(n_train: int, width: int, seed: int, n_jets: int | str) -> dict:
    family = "cfm" if n_jets != "all" else "event_gpt"
    return {"seed": seed, "device": "cpu", "loss": "generative",
            "task": {"kind": "event_generation", "dataset": "data/z.h5", "n_jets": n_jets,
                     "n_train": n_train, "n_val": 100, "n_test": 1000, "sample_seed": seed},
            "model": {"family": family, "width": width, "depth": 3},
            "train": {"batch_size": 256, "steps": 100, "lr": 1e-3}}


def _classifier(rng: np.random.Generator, d: int, width: int, suffix: str,
                measured: float | None = None) -> tuple[dict[str, float], dict]:
    """Metrics and weight histograms of one multiplicity (keys with ``suffix``); ``measured``
    replaces the AUC excess (e.g. a run at or below its floor)."""
    true = excess(d, width) * np.exp(0.03 * rng.normal())
    true = true if measured is None else measured
    floor = 0.5 + SIGMA * rng.normal()
    spread = LOG_W_SCALE * true + LOG_W_FLOOR
    values = {"classifier_auc": floor + true, "classifier_auc_floor": floor,
              "classifier_auc_excess": true, "classifier_auc_sigma": SIGMA,
              "classifier_auc_floor_sigma": SIGMA,
              "classifier_log_w_std": spread, "classifier_log_w_std_floor": LOG_W_FLOOR,
              "classifier_log_w_std_excess": spread - LOG_W_FLOOR}
    histograms = {"classifier_w_truth": weight_histogram(np.exp(spread * rng.normal(size=500))),
                  "classifier_w_generated": weight_histogram(
                      np.exp(spread * rng.normal(size=500))),
                  "classifier_floor_w": weight_histogram(
                      np.exp(LOG_W_FLOOR * rng.normal(size=500)))}
    for name in TAIL_OBSERVABLES:  # the observables in the weight tails: some shape
        counts = rng.poisson(50, size=(3, 10)).astype(float)
        histograms[f"classifier_tails_{name}"] = {
            "edges": np.linspace(0, 100, 11).tolist(),
            **{key: c.tolist() for key, c in zip(TAIL_VIEW, counts, strict=True)}}
    return ({f"test_{k}{suffix}": float(v) for k, v in values.items()},
            {f"test_{k}{suffix}": v for k, v in histograms.items()})


def write_generator_sweep(root: Path, *, seeds: int = 2, sizes: tuple[int, ...] = SIZES,
                          widths: tuple[int, ...] = WIDTHS, n_jets: int | str = 1,
                          excess_at: dict[tuple[int, int, int], float] | None = None) -> Path:
    """Write a D scan (width 128) and an N scan (``widths`` at the largest D), ``seeds`` seeds,
    under ``root/runs``; ``n_jets: "all"`` writes event_gpt records with the metrics of each
    multiplicity suffixed ``_<k>j``; ``excess_at`` sets the AUC excess of the runs
    ``(D, width, seed)`` (every multiplicity). Returns ``root``."""
    rng = np.random.default_rng(17)
    points = [(d, 128) for d in sizes] + [(max(sizes), w) for w in widths if w != 128]
    suffixes = ("_1j", "_2j", "_3j") if n_jets == "all" else ("",)
    for d, width in points:
        for seed in range(seeds):
            config = _config(d, width, seed, n_jets)
            metrics: dict[str, float] = {"test_loss": 1.0, "val_loss": 1.0}
            histograms: dict = {}
            for suffix in suffixes:
                numbers, weights = _classifier(rng, d, width, suffix,
                                               (excess_at or {}).get((d, width, seed)))
                metrics.update(numbers)
                histograms.update(weights)
            n = n_params(width)
            record = RunRecord(run_id=config_hash(config), status="done", config=config,
                               code_version="test", seed=seed, n_params=n, n_train=d,
                               flops=6.0 * n * 100 * 256, flops_per_sample=6.0 * n, steps=100,
                               samples_seen=25600, epochs=25600 / d, metrics=metrics,
                               histograms=histograms)
            write_record(record, root / "runs" / record.run_id)
    return root
