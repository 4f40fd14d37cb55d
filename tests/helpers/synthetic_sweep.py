"""Synthetic sweep directories of run records with known scaling laws (laws/report/CLI tests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hepscaling.records import RunRecord, config_hash, write_record

#: Known D-exponents per process of the synthetic amplitude sweep.
ALPHA = {"u u~ > t t~ h": 0.6, "u u~ > z g g g": 0.35}
SIZES = (100, 300, 1000, 3000, 10000, 30000)
#: Variance of ln |M|^2 of the synthetic datasets: ``test_mse_log = LOG_VARIANCE * test_mse``.
LOG_VARIANCE = 0.25
#: Pull-histogram bin edges of the heteroscedastic runs.
PULL_EDGES = np.linspace(-5.0, 5.0, 41)
#: Joint-law parameters of :func:`write_joint_sweep`.
JOINT = {"E": 0.01, "A": 30.0, "alpha": 0.5, "B": 50.0, "beta": 0.4}
#: Repetition-law parameters per model width of :func:`write_repetition_sweep`.
REPETITION = {64: {"x_c": 300.0, "alpha": 0.5, "k": 0.01, "r_star": 5.0},
              128: {"x_c": 100.0, "alpha": 0.35, "k": 0.005, "r_star": 15.0}}
#: Unique-data sizes and epochs of :func:`write_repetition_sweep` (below one pass to >> R*).
REPETITION_U = (1000, 3000, 10000, 30000, 100000)
REPETITION_EPOCHS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 64.0, 256.0)


def _config(process: str, n_train: int, width: int, seed: int, loss: str) -> dict:
    dataset = f"data/{process[6:].replace(' ', '')}.h5"
    return {"seed": seed, "device": "cpu", "loss": loss,
            "task": {"kind": "amplitude_regression", "dataset": dataset,
                     "process": process, "n_train": n_train, "n_val": 100, "n_test": 100},
            "model": {"family": "mlp", "width": width, "depth": 3},
            "train": {"batch_size": 64, "steps": 100, "lr": 1e-3}}


def write_sweep(root: Path, *, seeds: int = 2, noise: float = 0.03, heteroscedastic: bool = True,
                bad_runs: bool = True, sizes: tuple[int, ...] = SIZES,
                with_process: bool = True) -> Path:
    """Write a D-sweep (two processes, ``sizes``, ``seeds`` seeds each) under ``root/runs``.

    Loss: ``test_mse = (300 / D)^alpha + 1e-4`` times log-normal noise, and ``test_mse_log =
    LOG_VARIANCE * test_mse`` (the MSE in units of ln |M|^2); heteroscedastic runs
    also carry pull and coverage metrics. With ``bad_runs`` one diverged and one failed run
    are added. ``with_process=False`` leaves ``task.process`` out of the configs (the process is
    then unknown: the dataset paths do not exist). Returns ``root``.
    """
    rng = np.random.default_rng(123)
    for process, alpha in ALPHA.items():
        for d in sizes:
            for seed in range(seeds):
                loss = "heteroscedastic" if heteroscedastic and seed == 0 else "mse"
                config = _config(process, d, 64, seed, loss)
                if not with_process:
                    del config["task"]["process"]
                mse = ((300 / d) ** alpha + 1e-4) * np.exp(noise * rng.normal())
                metrics = {"test_mse": float(mse), "test_mse_log": float(LOG_VARIANCE * mse),
                           "test_abs_rel_err_mean": float(np.sqrt(mse))}
                if loss == "heteroscedastic":
                    metrics.update(test_pull_mean=float(0.1 * rng.normal()),
                                   test_pull_std=float(1 + 0.1 * rng.normal()),
                                   test_coverage_1sigma=0.68, test_coverage_2sigma=0.95)
                    pulls = np.clip(rng.normal(size=500), -5, 5)
                    histograms = {"test_pull": {"edges": PULL_EDGES.tolist(), "counts":
                                                np.histogram(pulls, PULL_EDGES)[0].tolist()}}
                else:
                    histograms = {}
                _write(root, config, "done", d, metrics, histograms=histograms)
    if bad_runs:
        _write(root, _config("u u~ > t t~ h", 50000, 64, 0, "mse"), "diverged", 50000, {},
               error="non-finite loss at step 10")
        _write(root, _config("u u~ > t t~ h", 70000, 64, 0, "mse"), "failed", 70000, {},
               error="RuntimeError: out of memory")
    return root


def _write(root: Path, config: dict, status: str, d: int, metrics: dict,
           error: str | None = None, histograms: dict | None = None) -> None:
    run_id = config_hash(config)
    n_params = 64 * 64 * 2 + 64 * 14
    record = RunRecord(run_id=run_id, status=status, config=config, code_version="test",
                       seed=config["seed"], n_params=n_params, n_train=d,
                       flops=6.0 * n_params * 100 * 64, flops_per_sample=6.0 * n_params,
                       steps=100, samples_seen=6400, epochs=6400 / d, metrics=metrics,
                       histograms=histograms or {}, error=error)
    write_record(record, root / "runs" / run_id)


def write_joint_sweep(root: Path, *, noise: float = 0.005) -> Path:
    """Write an N x D grid (4 widths x 4 training sizes, one seed, one epoch) whose test_mse
    follows ``E + A / N^alpha + B / D^beta`` with :data:`JOINT` (``test_mse_log``: the same
    times :data:`LOG_VARIANCE`); ``C = 6 N D``."""
    rng = np.random.default_rng(7)
    p = JOINT
    for width in (16, 32, 64, 128):
        for d in (1000, 4000, 16000, 64000):
            config = _config("u u~ > t t~ h", d, width, 0, "mse")
            n = 2 * width * width + 20 * width
            loss = (p["E"] + p["A"] * n ** -p["alpha"] + p["B"] * d ** -p["beta"]) * \
                np.exp(noise * rng.normal())
            record = RunRecord(run_id=config_hash(config), status="done", config=config,
                               code_version="test", seed=0, n_params=n, n_train=d,
                               flops=6.0 * n * d, flops_per_sample=6.0 * n, steps=d // 64,
                               samples_seen=d, epochs=1.0,
                               metrics={"test_mse": float(loss),
                                        "test_mse_log": float(LOG_VARIANCE * loss)})
            write_record(record, root / "runs" / record.run_id)
    return root


def write_repetition_sweep(root: Path, *, noise: float = 0.01,
                           epochs: tuple[float, ...] = REPETITION_EPOCHS) -> Path:
    """Write a unique-data x epochs grid (:data:`REPETITION_U` x ``epochs``, one seed) for each
    width of :data:`REPETITION`, training length set by ``train.epochs``, whose ``val_loss``
    follows ``(x_c / D')^alpha + k`` with ``D' = U min(E, 1) + U R* (1 - exp(-max(E - 1, 0) /
    R*))`` (written out here, independently of the library) times log-normal noise."""
    rng = np.random.default_rng(11)
    for width, p in REPETITION.items():
        for u in REPETITION_U:
            for e in epochs:
                config = _config("u u~ > t t~ h", u, width, 0, "mse")
                config["train"] = {"batch_size": 64, "epochs": e, "lr": 1e-3}
                r = max(e - 1.0, 0.0)
                d_eff = u * min(e, 1.0) + u * p["r_star"] * (1.0 - np.exp(-r / p["r_star"]))
                loss = ((p["x_c"] / d_eff) ** p["alpha"] + p["k"]) * np.exp(noise * rng.normal())
                n = 2 * width * width + 20 * width
                seen = round(u * e)
                record = RunRecord(run_id=config_hash(config), status="done", config=config,
                                   code_version="test", seed=0, n_params=n, n_train=u,
                                   flops=6.0 * n * seen, flops_per_sample=6.0 * n,
                                   steps=-(-seen // 64), samples_seen=seen, epochs=e,
                                   metrics={"val_loss": float(loss)})
                write_record(record, root / "runs" / record.run_id)
    return root


#: Widths of :func:`write_isoflop_sweep` (N = width^2, about a factor 2 apart).
ISOFLOP_WIDTHS = tuple(round(8 * 2 ** (k / 2)) for k in range(17))
#: Its compute budgets (FLOPs) and its window of samples processed per run (the steps limits).
ISOFLOP_BUDGETS = tuple(10.0 ** np.arange(8.0, 14.01, 0.5))
ISOFLOP_SAMPLES = (1e5, 1e7)


def write_isoflop_sweep(root: Path, *, joint: dict[str, float] = JOINT, noise: float = 0.01,
                        seeds: int = 2, d: int = 100000) -> Path:
    """Write a fixed-D IsoFLOP sweep: per budget of :data:`ISOFLOP_BUDGETS` the widths whose
    samples processed S = C / (6 N) (steps x batch 64, repeated passes over ``d`` samples) lie
    in :data:`ISOFLOP_SAMPLES`, ``seeds`` seeds each, ``test_mse_log`` following
    ``E + A / N^alpha + B / S^beta`` with ``joint`` times log-normal ``noise``; the known
    optimum is ``N*(C) ~ C^(beta / (alpha + beta))``."""
    rng = np.random.default_rng(11)
    p = joint
    for c in ISOFLOP_BUDGETS:
        for width in ISOFLOP_WIDTHS:
            n = width * width
            steps = round(c / (6.0 * n * 64))
            samples = steps * 64
            if not ISOFLOP_SAMPLES[0] <= samples <= ISOFLOP_SAMPLES[1]:
                continue
            for seed in range(seeds):
                config = _config("u u~ > t t~ h", d, width, seed, "mse")
                config["train"]["steps"] = steps
                loss = (p["E"] + p["A"] * n ** -p["alpha"] + p["B"] * samples ** -p["beta"]) \
                    * np.exp(noise * rng.normal())
                record = RunRecord(run_id=config_hash(config), status="done", config=config,
                                   code_version="test", seed=seed, n_params=n, n_train=d,
                                   flops=6.0 * n * samples, flops_per_sample=6.0 * n,
                                   steps=steps, samples_seen=samples, epochs=samples / d,
                                   metrics={"test_mse_log": float(loss)})
                write_record(record, root / "runs" / record.run_id)
    return root
