"""Fast stand-ins for the training loop, importable by sweep worker processes.

``fake_run`` writes a ``running`` record, optionally sleeps, then a ``done`` record whose
metric is a fixed function of the config; seeds pick misbehaviour: 13 raises, 66 kills its
worker process with ``os._exit(3)``, 7 diverges. The directory of the config's
``task.dataset`` (the file itself need not exist) is the fake's control directory, when it
exists: ``fake.json`` there may set ``{"sleep": seconds}`` per run and ``{"hold": [seeds]}``
(runs of these seeds append their run id to ``held.txt``, then wait ``HOLD_SECONDS``: in
flight until a test kills their sweep); each started run appends its pid to ``pids.txt`` and
each finished run appends ``run_id pid`` to ``ledger.txt``, so tests can count executions.
(Workers inherit a forkserver's environment, so environment variables set by a test would
not reach them.)
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from hepscaling.records import RunRecord, utc_now, write_record
from hepscaling.train.identity import data_digest, identity_hash

RAISES, CRASHES, DIVERGES = 13, 66, 7
FLOPS_PER_SAMPLE_PER_WIDTH = 1000.0
HOLD_SECONDS = 60.0  # far longer than a test takes to kill a sweep holding runs


def tiny_base(dataset: str | Path) -> dict:
    """A run config that trains in well under a second: MLP 8x2, 100 events, 10 steps."""
    return {"device": "cpu",
            "task": {"kind": "amplitude_regression", "dataset": str(dataset), "n_train": 100,
                     "n_val": 50, "n_test": 50},
            "model": {"family": "mlp", "width": 8, "depth": 2},
            "train": {"steps": 10, "batch_size": 16, "warmup_steps": 2, "eval_every": 5}}


def fake_spec(dataset: str | Path = "/nonexistent/toy.h5", **axes):
    """A sweep of :func:`tiny_base` over ``axes`` (default: 2 widths x 2 seeds)."""
    from hepscaling.sweeps.spec import parse_spec

    return parse_spec({"name": "t", "base": tiny_base(dataset),
                       "axes": axes or {"model.width": [8, 16], "seed": [0, 1]}})


def fake_flops_per_step(config: dict) -> float:
    """A stand-in FLOP count per optimiser step: effective batch x width x depth x 1000."""
    batch = min(config["train"]["batch_size"], config["task"]["n_train"])
    return FLOPS_PER_SAMPLE_PER_WIDTH * batch * config["model"]["width"] * config["model"]["depth"]


def fake_metric(config: dict) -> float:
    """The fake final MSE: a fixed function of D, width and seed."""
    return 1.0 / config["task"]["n_train"] + 1.0 / config["model"]["width"] + 1e-3 * config["seed"]


def fake_val_loss(config: dict) -> float:
    """The fake validation loss: a floor 1 / D approached as (0.5 / steps)^2, plus 1e-4 per
    seed (so convergence ladders have known verdicts)."""
    return (1.0 / config["task"]["n_train"] + (0.5 / config["train"]["steps"]) ** 2
            + 1e-4 * config["seed"])


def _append(config: dict, name: str, line: str) -> None:
    control = Path(config["task"]["dataset"]).parent
    if control.is_dir():
        with open(control / name, "a") as f:
            f.write(line + "\n")


def _control(config: dict) -> dict:
    path = Path(config["task"]["dataset"]).parent / "fake.json"
    return json.loads(path.read_text()) if path.exists() else {}


def fake_run(config: dict, run_dir: Path) -> RunRecord:
    """Pretend to train: records running, then done (or misbehaves, see the module doc)."""
    run_id = identity_hash(config)
    steps = config["train"]["steps"]
    fields = dict(run_id=run_id, config=config, code_version="fake", seed=config["seed"],
                  data_digest=data_digest(config["task"]["dataset"]) or "",
                  n_train=config["task"]["n_train"], steps=steps, started_at=utc_now(),
                  flops=steps * fake_flops_per_step(config),
                  environment={var: os.environ.get(var, "") for var in
                               ("OMP_NUM_THREADS", "CUDA_VISIBLE_DEVICES")})
    write_record(RunRecord(status="running", **fields), run_dir)
    _append(config, "pids.txt", str(os.getpid()))
    print(f"fake training of {run_id}")
    control = _control(config)
    if config["seed"] in control.get("hold", ()):
        _append(config, "held.txt", run_id)
        time.sleep(HOLD_SECONDS)
    time.sleep(control.get("sleep", 0.0))
    if config["seed"] == RAISES:
        raise RuntimeError("fake failure")
    if config["seed"] == CRASHES:
        os._exit(3)
    status = "diverged" if config["seed"] == DIVERGES else "done"
    record = RunRecord(status=status, metrics={"mse": fake_metric(config),
                                               "val_loss": fake_val_loss(config)},
                       finished_at=utc_now(), **fields)
    write_record(record, run_dir)
    _append(config, "ledger.txt", f"{run_id} {os.getpid()}")
    return record
