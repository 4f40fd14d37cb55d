"""The one training loop: every run (regression now, classification and generation later).

``run_training(config, run_dir)`` validates the config, loads the task's data onto the device,
builds the model, and trains with AdamW under a warmup + cosine / WSD / constant schedule and
gradient clipping. Every ``eval_every`` steps (and at the last step) it evaluates on the
validation set, appends the curves, writes ``run.log``, the record (status ``running``) and an
atomic checkpoint. At the end the test set is evaluated, the task's expensive
:meth:`~hepscaling.tasks.base.Task.final_metrics` run once (numbers and histograms recorded as
``test_<name>``), and the record gets status ``done``.

Step: ``inputs, target = task.train_batch(...)``; the model is called as ``model(*inputs)`` when
the task hands it a tuple (models with several inputs), else ``model(inputs)``; the training
loss is ``task.loss(output, target)`` plus :meth:`~hepscaling.models.base.Model.extra_loss`
when the model contributes one (e.g. the KL divergence of Bayesian layers).

Stopping: ``completed`` (planned steps done), ``early_stopping`` (validation loss not improved
for ``early_stopping_patience`` evaluations; the best model is restored for the test metrics) or
``diverged`` (non-finite training or validation loss; status ``diverged``, no test metrics).
Any other error writes status ``failed`` with the message and re-raises.

Precision (``train.precision``, :mod:`hepscaling.train.mixed_precision`): the forward pass runs
under bfloat16 autocast for ``bf16`` (weights, gradients, optimiser state and the loss stay
float32); evaluations always run in float32.

Speed: the data live on the device as tensors, batches are slices of a seeded permutation, the
training loss is accumulated on the device, the host syncs only at evaluations, and AdamW runs
fused (one kernel per parameter group). Profiled (torch.profiler, one CPU thread), a float32 MLP
step spends ~75-80% in matmuls, ~15% in the activation and its gradient, and a few % in the
optimiser, clipping and Python. ``train.compile: true`` runs the training steps' model through
``torch.compile`` (:mod:`hepscaling.train.compilation`; the record's ``compile_time`` is the
part of ``wall_time`` spent compiling); off by default, as it pays only for some models
(README, "Where the step time goes").
Resuming: a run directory holding a checkpoint of the same run id continues from it and ends
with the same metrics and curves (except wall time) as an uninterrupted run; a run directory
whose record is already ``done`` or ``diverged`` is returned as is. The run id counts the
dataset by its identity, not its path (:func:`hepscaling.train.config.run_id`), so a moved run
directory stays finished, and a run on regenerated data with other settings is not.

One process at a time: the run holds the lock ``run_dir/.run.lock``
(:func:`hepscaling.locks.directory_lock`; released by the system even after ``kill -9``) and,
holding it, removes the temporary files a killed checkpoint or record write left behind.
A run directory holding another run is refused, unless that attempt holds no result: a record
``failed`` (or ``running``, killed before its first checkpoint) with no checkpoint, e.g. a
usage error found before training; the corrected run then replaces it.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from hepscaling.errors import UsageError
from hepscaling.locks import directory_lock
from hepscaling.models.base import build_model, model_class
from hepscaling.progress import progress as progress_bar
from hepscaling.provenance import code_version, environment
from hepscaling.records import (
    CHECKPOINT_NAME,
    LOG_NAME,
    RECORD_NAME,
    RunRecord,
    logging_to,
    read_record,
    utc_now,
    write_record,
)
from hepscaling.tasks.base import build_task, task_class
from hepscaling.train.checkpoint import load_checkpoint, save_checkpoint
from hepscaling.train.compilation import CompileClock, compile_errors, training_forward
from hepscaling.train.config import RunConfig, load_config, run_id
from hepscaling.train.device import resolve_device
from hepscaling.train.flops import TRAIN_FLOPS_FACTOR, effective_batch_size, resolve_steps
from hepscaling.train.identity import config_data_digest
from hepscaling.train.mixed_precision import autocast, resolve_precision
from hepscaling.train.schedules import schedule_factor

__all__ = ["RUN_LOCK_NAME", "run_training"]

#: the lock file of a run directory (see the module docstring)
RUN_LOCK_NAME = ".run.lock"

log = logging.getLogger(__name__)
Callback = Callable[[int, dict[str, float]], None]


def run_training(config: RunConfig | dict[str, Any] | str | os.PathLike,
                 run_dir: str | os.PathLike, *, progress: bool | None = None,
                 callback: Callback | None = None, threads: int | None = None) -> RunRecord:
    """Train one config in ``run_dir`` (created if needed) and return its record.

    Parameters
    ----------
    config : a :class:`RunConfig`, a dict or a YAML path (validated by ``load_config``).
    run_dir : the run directory: ``record.json``, ``checkpoint.pt`` and ``run.log`` go here.
    progress : show a progress bar on stderr (None: only on a terminal).
    callback : called as ``callback(step, metrics)`` after every evaluation and checkpoint
        (``metrics``: ``train_loss`` and the ``val_*`` values); an exception raised by it stops
        the run like a crash (status ``failed``; the checkpoint allows resuming).
    threads : CPU threads for torch during this run (restored afterwards; recorded in the
        record); None keeps torch's setting. Use 1 when several runs share a machine:
        oversubscribed cores are far slower (:func:`hepscaling.train.threads.default_threads`).

    Returns
    -------
    The final :class:`RunRecord` (status ``done`` or ``diverged``).

    Raises
    ------
    UsageError
        invalid config or data (the record, if the config was valid, says ``failed``), a
        ``run_dir`` holding the record or checkpoint of another run (left untouched), or one
        in use by another process.
    """
    cfg = load_config(config)
    run_dir = Path(run_dir)
    with directory_lock(run_dir, RUN_LOCK_NAME, what="run directory",
                        fix="wait for the other run to finish (or stop it), or use another "
                            "--out"):
        _remove_temporaries(run_dir)
        previous = _previous(cfg, run_dir)
        if previous is not None:
            return previous
        return _run(cfg, run_dir, progress, callback, threads)


def _remove_temporaries(run_dir: Path) -> None:
    """Delete what a write killed between its temporary file and the rename left behind."""
    for name in (CHECKPOINT_NAME, RECORD_NAME):
        for tmp in run_dir.glob(f".{name}.*.tmp"):
            tmp.unlink(missing_ok=True)


def _previous(cfg: RunConfig, run_dir: Path) -> RunRecord | None:
    """The finished record of this run in ``run_dir``, or None when there is work to do.

    Raises :class:`UsageError` if ``run_dir`` holds another run with a result; an attempt
    without one (see the module docstring) is removed.
    """
    if not (run_dir / RECORD_NAME).exists():
        return None
    previous, rid = read_record(run_dir), run_id(cfg)
    if previous.run_id == rid:
        return previous if previous.status in ("done", "diverged") else None
    checkpoint = run_dir / CHECKPOINT_NAME
    if previous.status in ("failed", "running") and not checkpoint.exists():
        log.info("replacing attempt %s (%s, no checkpoint) by run %s", previous.run_id,
                 previous.status, rid)
        (run_dir / RECORD_NAME).unlink()
        return None
    if previous.config == cfg.resolved():
        files = ", ".join(str(getattr(cfg.task, key)) for key in cfg.task.DATA_FILES)
        raise UsageError(f"{run_dir} holds run {previous.run_id!r} of this config trained on "
                         f"other data: {files} has changed since (data "
                         f"{previous.data_digest or 'unknown'} -> "
                         f"{config_data_digest(cfg.resolved())}); use a fresh --out directory")
    raise UsageError(f"{run_dir} holds run {previous.run_id!r} of another config (this one is "
                     f"{rid!r}); use a fresh --out directory")


def _run(cfg: RunConfig, run_dir: Path, progress: bool | None, callback: Callback | None,
         threads: int | None) -> RunRecord:
    """Write the ``running`` record and train under the ``threads`` setting."""
    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    record = RunRecord(run_id=run_id(cfg), status="running", config=cfg.resolved(),
                       code_version=code_version(), seed=cfg.seed,
                       data_digest=config_data_digest(cfg.resolved()) or "",
                       n_train=cfg.task.n_train, threads=torch.get_num_threads(),
                       started_at=utc_now(), environment=environment())
    try:
        write_record(record, run_dir)
        with logging_to(run_dir / LOG_NAME):
            try:
                with compile_errors(cfg.train.compile, cfg.model.family):
                    return _train(cfg, record, run_dir, progress, callback)
            except Exception as exc:
                record.status, record.stop_reason = "failed", "failed"
                record.error, record.finished_at = f"{type(exc).__name__}: {exc}", utc_now()
                write_record(record, run_dir)
                log.error("failed: %s", record.error)
                raise
    finally:
        torch.set_num_threads(previous_threads)


def _train(cfg: RunConfig, record: RunRecord, run_dir: Path, progress: bool | None,
           callback: Callback | None) -> RunRecord:
    tc = cfg.train
    device = resolve_device(cfg.device)
    precision = resolve_precision(tc.precision, task_class(cfg.task.kind), device)
    record.device, record.precision = str(device), precision
    forward_precision = autocast(device, precision)  # bf16: matmuls in bfloat16
    torch.manual_seed(cfg.seed)
    task = build_task(cfg.task, loss=cfg.loss, input_kind=model_class(cfg.model.family).input_kind,
                      device=device)
    model = build_model(cfg.model, task.inputs_spec, device=device)
    n_train = task.n_train
    batch = effective_batch_size(tc, n_train)
    flops_per_sample = TRAIN_FLOPS_FACTOR * model.forward_flops()
    total = resolve_steps(tc, n_train, flops_per_sample)
    record.n_params, record.n_train = model.n_params_scaling(), n_train
    record.flops_per_sample = flops_per_sample
    optimizer = torch.optim.AdamW(model.param_groups(tc.lr, tc.weight_decay), betas=tc.betas,
                                  fused=True)  # one kernel per step on CPU and CUDA
    peak_lrs = [group["lr"] for group in optimizer.param_groups]
    factor = schedule_factor(tc.schedule, total, tc.warmup_steps, tc.decay_fraction,
                             tc.schedule_scale)
    generator = torch.Generator(device=device).manual_seed(cfg.seed)

    # training state: everything a checkpoint must restore
    step, order, position = 0, torch.empty(0, dtype=torch.long, device=device), n_train
    curves: dict[str, list[float | None]] = {}
    best = {"loss": math.inf, "step": 0, "bad_evals": 0, "state": None}
    stop_reason, wall_before, cpu_before, compile_before = "", 0.0, 0.0, 0.0
    state = load_checkpoint(run_dir, record.run_id, device)
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["generator"].cpu())
        step, order, position = state["step"], state["order"], state["position"]
        curves, best, stop_reason = state["curves"], state["best"], state["stop_reason"]
        wall_before, compile_before = state["wall_time"], state.get("compile_time", 0.0)
        cpu_before = state.get("cpu_time", 0.0)
        log.info("resumed from step %d", step)
    else:
        log.info("start: N=%d D=%d steps=%d batch=%d device=%s precision=%s",
                 record.n_params, n_train, total, batch, device, precision)

    forward = training_forward(model, tc.compile)
    clock = CompileClock(device, tc.compile)
    t0, c0 = time.perf_counter(), time.process_time()
    loss_sum, n_losses = torch.zeros((), device=device), 0
    model.train()
    with progress_bar(f"train {record.run_id}", total, completed=step, enabled=progress) as bar:
        while step < total and not stop_reason:
            clock.start()
            if position + batch > n_train:  # new epoch: a fresh seeded permutation
                order, position = torch.randperm(n_train, generator=generator, device=device), 0
            index = order[position:position + batch]
            position += batch
            lr_factor = factor(step)
            for group, peak in zip(optimizer.param_groups, peak_lrs, strict=True):
                group["lr"] = peak * lr_factor
            x, y = task.train_batch(index, generator)
            with forward_precision:
                output = forward(*x) if isinstance(x, tuple) else forward(x)
            loss = task.loss(output.float(), y)
            if (extra := model.extra_loss()) is not None:
                loss = loss + extra
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if tc.grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), tc.grad_clip)
            optimizer.step()
            clock.stop()
            loss_sum += loss.detach()
            n_losses += 1
            step += 1
            if step % tc.eval_every and step != total:
                continue

            # evaluation point: the only host syncs of the loop
            train_loss = (loss_sum / n_losses).item()
            loss_sum.zero_()
            n_losses = 0
            val = task.evaluate(model, "val", tc.eval_batch_size)
            wall = wall_before + time.perf_counter() - t0
            cpu = cpu_before + time.process_time() - c0
            point = {"step": step, "flops": step * batch * flops_per_sample,
                     "samples": step * batch, "epochs": step * batch / n_train,
                     "lr": tc.lr * lr_factor, "wall_time": wall, "train_loss": train_loss,
                     **{f"val_{k}": v for k, v in val.items()}}
            for key, value in point.items():
                curves.setdefault(key, []).append(value if math.isfinite(value) else None)
            if not (math.isfinite(train_loss) and math.isfinite(val["loss"])):
                stop_reason = "diverged"
            elif val["loss"] < best["loss"]:
                best.update(loss=val["loss"], step=step, bad_evals=0)
                if tc.early_stopping_patience is not None:
                    best["state"] = {k: v.detach().clone() for k, v in model.state_dict().items()}
            else:
                best["bad_evals"] += 1
                if tc.early_stopping_patience and best["bad_evals"] >= tc.early_stopping_patience:
                    stop_reason = "early_stopping"
            save_checkpoint({"run_id": record.run_id, "model": model.state_dict(),
                             "optimizer": optimizer.state_dict(),
                             "generator": generator.get_state(), "step": step, "order": order,
                             "position": position, "curves": curves, "best": best,
                             "stop_reason": stop_reason, "wall_time": wall, "cpu_time": cpu,
                             "compile_time": compile_before + clock.seconds}, run_dir)
            record.compile_time = compile_before + clock.seconds
            _update(record, step, batch, n_train, wall, cpu, curves)
            write_record(record, run_dir)
            log.info(" ".join(f"{k}={v:.6g}" for k, v in point.items()))
            bar.advance(step % tc.eval_every or tc.eval_every)
            if callback is not None:
                callback(step, {k: v for k, v in point.items() if k == "train_loss" or
                                k.startswith("val_")})

    wall = wall_before + time.perf_counter() - t0
    cpu = cpu_before + time.process_time() - c0
    record.compile_time = compile_before + clock.seconds
    _update(record, step, batch, n_train, wall, cpu, curves)
    record.stop_reason = stop_reason or "completed"
    record.metrics = {"planned_steps": float(total), "best_step": float(best["step"]),
                      "best_val_loss": best["loss"] if math.isfinite(best["loss"]) else None}
    if stop_reason == "diverged":
        record.status = "diverged"
        record.error = (f"non-finite loss at step {step} (train.lr = {tc.lr:g}); lower the "
                        "learning rate" + (" or set train.grad_clip" if tc.grad_clip is None
                                           else ""))
    else:
        if best["state"] is not None:
            model.load_state_dict(best["state"])
        final_val = task.evaluate(model, "val", tc.eval_batch_size)
        test = task.evaluate(model, "test", tc.eval_batch_size)
        record.metrics.update({f"val_{k}": v for k, v in final_val.items()})
        record.metrics.update({f"test_{k}": v for k, v in test.items()})
        numbers, histograms = task.final_metrics(model, "test", tc.eval_batch_size)
        record.metrics.update({f"test_{k}": v for k, v in numbers.items()})
        record.histograms = {f"test_{k}": v for k, v in histograms.items()}
        record.status = "done"
    record.finished_at = utc_now()
    write_record(record, run_dir)
    log.info("%s (%s) after %d steps, %.1f s", record.status, record.stop_reason, step, wall)
    return record


def _update(record: RunRecord, step: int, batch: int, n_train: int, wall: float, cpu: float,
            curves: dict[str, list[float | None]]) -> None:
    """Refresh the counters and curves of ``record`` after ``step`` steps."""
    record.steps, record.samples_seen = step, step * batch
    record.epochs, record.flops = step * batch / n_train, step * batch * record.flops_per_sample
    record.wall_time, record.cpu_time, record.curves = wall, cpu, curves
