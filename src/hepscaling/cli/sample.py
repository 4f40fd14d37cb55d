"""``hepscaling sample``: draw jets from a trained generator run into a jet file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hepscaling.errors import UsageError

__all__ = ["sample", "sample_run"]


def sample_run(run_dir: Path, n: int, out: Path, *, seed: int = 0, temperature: float = 1.0,
               top_k: int | None = None, batch_size: int = 1000) -> dict[str, Any]:
    """Draw ``n`` jets from the generator of ``run_dir`` (its checkpoint; the best state when
    the run kept one) and write them to ``out``
    (:func:`~hepscaling.data.samples.write_generated_jets`).

    A finished run needs only its checkpoint and record: the record holds the fitted
    tokenizer (:func:`~hepscaling.tasks.generation.recorded_tokenizer`). A run without one
    (not finished) refits it on the same training split of its dataset, which must then be
    present. Returns the provenance written (``generated_by``), whose ``tokenizer`` is the
    whole fitted tokenizer (:meth:`~hepscaling.data.tokens.JetTokenizer.params`), so the
    file decodes and re-encodes without the run.
    """
    import torch

    from hepscaling.data.samples import write_generated_jets
    from hepscaling.models.base import GenerativeModel, build_model, model_class
    from hepscaling.models.jet_gpt import JetGPT
    from hepscaling.records import read_record
    from hepscaling.tasks.base import build_task
    from hepscaling.tasks.generation import (
        JetGenerationConfig,
        JetGenerationTask,
        recorded_tokenizer,
    )
    from hepscaling.train.checkpoint import load_checkpoint
    from hepscaling.train.config import load_config

    if temperature <= 0:
        raise UsageError(f"--temperature must be positive, got {temperature:g}; use 1 for the "
                         "model's own distribution")
    record = read_record(run_dir)
    family = str(record.config.get("model", {}).get("family"))
    cls = model_class(family)
    if not issubclass(cls, GenerativeModel):
        raise UsageError(f"run {record.run_id} trained model family {family!r}, which cannot "
                         "sample; choose the run of a generator (e.g. jet_gpt)")
    cfg = load_config(record.config)
    device = torch.device("cpu")
    state = load_checkpoint(run_dir, record.run_id, device)
    if state is None:
        raise UsageError(f"{run_dir} holds no checkpoint; train the run first "
                         "(hepscaling train ... --out RUN_DIR)")
    if not isinstance(cfg.task, JetGenerationConfig):
        raise UsageError(f"task {cfg.task.kind!r} of run {record.run_id} has no token decoder; "
                         "sample a jet_generation run")
    tokenizer = recorded_tokenizer(cfg.task, record.histograms)
    if tokenizer is None:  # an unfinished run: refit on its training split
        task = build_task(cfg.task, loss=cfg.loss, input_kind=cls.input_kind, device=device)
        assert isinstance(task, JetGenerationTask)
        tokenizer = task.tokenizer
    spec = JetGenerationTask.spec_from_config(cfg.task, cfg.loss)
    model = build_model(cfg.model, spec, device=device)
    assert isinstance(model, JetGPT)  # the one family of input kind "tokens"
    best = state["best"].get("state")
    model.load_state_dict(best if best is not None else state["model"])
    step = int(state["best"]["step"]) if best is not None else int(state["step"])
    generator = torch.Generator(device=device).manual_seed(seed)
    tokens = torch.cat([model.sample(min(batch_size, n - i), generator=generator,
                                     temperature=temperature, top_k=top_k)
                        for i in range(0, n, batch_size)])
    generated_by = {"run_id": record.run_id, "run_dir": str(run_dir), "checkpoint_step": step,
                    "seed": seed, "temperature": temperature, "top_k": top_k,
                    "tokenizer": tokenizer.params()}
    write_generated_jets(out, tokenizer.decode(tokens.numpy()), generated_by)
    return generated_by


def sample(
    run_dir: Annotated[Path, typer.Argument(help="Run directory of a trained generator.")],
    n: Annotated[int, typer.Option("-n", min=1, help="Jets to draw.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output jet file (.h5).")],
    seed: Annotated[int, typer.Option("--seed", min=0, help="Sampling seed.")] = 0,
    temperature: Annotated[float, typer.Option(
        "--temperature", help="Softmax temperature (> 0).")] = 1.0,
    top_k: Annotated[int | None, typer.Option(
        "--top-k", min=1, help="Keep the k most probable tokens per step (default: all).")
    ] = None,
) -> None:
    """Draw N jets from the generator of RUN_DIR into a jet file (with provenance).

    Scaling runs are scored at temperature 1 without top-k; other settings are recorded in the
    file's provenance (run id, checkpoint step, seed, temperature, top-k).

    Example: hepscaling sample runs/gpt -n 10000 --out gen.h5
    """
    made = sample_run(run_dir, n, out, seed=seed, temperature=temperature, top_k=top_k)
    typer.echo(f"{n} jets from run {made['run_id']} (step {made['checkpoint_step']}, seed "
               f"{seed}, temperature {temperature:g}, top-k {top_k or 'off'}) -> {out}")
