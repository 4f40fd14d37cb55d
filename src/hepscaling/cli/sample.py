"""``hepscaling sample``: draw from a trained generator run into a file of the truth's layout.

Jet generators (task ``jet_generation``) give a jet file; event generators (task
``event_generation``) give a zmumu event file. Both load the run the same way (:func:`_run`:
record, config and checkpoint; :func:`_restored`: the model with its weights).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hepscaling.errors import UsageError

if TYPE_CHECKING:
    from hepscaling.data.tokens import JetTokenizer
    from hepscaling.models.base import EventGenerator, GenerativeModel, InputKind, InputsSpec
    from hepscaling.records import RunRecord
    from hepscaling.tasks.event_generation import EventGenerationTask
    from hepscaling.train.config import RunConfig

__all__ = ["sample", "sample_run"]


def _run(run_dir: Path) -> tuple[RunRecord, RunConfig, InputKind, dict[str, Any]]:
    """The record, config, model input kind and checkpoint state of the generator run in
    ``run_dir`` (one-line errors for a non-generator or an untrained run)."""
    import torch

    from hepscaling.models.base import GenerativeModel, model_class
    from hepscaling.records import read_record
    from hepscaling.train.checkpoint import load_checkpoint
    from hepscaling.train.config import load_config

    record = read_record(run_dir)
    family = str(record.config.get("model", {}).get("family"))
    cls = model_class(family)
    if not issubclass(cls, GenerativeModel):
        raise UsageError(f"run {record.run_id} trained model family {family!r}, which cannot "
                         "sample; choose the run of a generator (e.g. jet_gpt, cfm)")
    cfg = load_config(record.config)
    state = load_checkpoint(run_dir, record.run_id, torch.device("cpu"))
    if state is None:
        raise UsageError(f"{run_dir} holds no checkpoint; train the run first "
                         "(hepscaling train ... --out RUN_DIR)")
    return record, cfg, cls.input_kind, state


def _restored(cfg: RunConfig, spec: InputsSpec,
              state: dict[str, Any]) -> tuple[GenerativeModel, int]:
    """The generator of ``cfg`` for ``spec`` with the checkpoint's weights (the best state when
    the run kept one, else the last), and that state's step."""
    import torch

    from hepscaling.models.base import GenerativeModel, build_model

    model = build_model(cfg.model, spec, device=torch.device("cpu"))
    assert isinstance(model, GenerativeModel)
    best = state["best"].get("state")
    model.load_state_dict(best if best is not None else state["model"])
    step = int(state["best"]["step"]) if best is not None else int(state["step"])
    return model, step


def sample_run(run_dir: Path, n: int, out: Path, *, seed: int = 0, temperature: float = 1.0,
               top_k: int | None = None, condition: float | None = None,
               batch_size: int = 1000) -> dict[str, Any]:
    """Draw ``n`` jets or events from the generator of ``run_dir`` and write them to ``out``.

    Jets (``jet_gpt``): :func:`~hepscaling.data.samples.write_generated_jets`, with
    ``temperature`` and ``top_k``. A finished run needs only its checkpoint and record: the
    record holds the fitted tokenizer (:func:`~hepscaling.tasks.generation.recorded_tokenizer`);
    an unfinished run refits it on the same training split of its dataset, which must then be
    present. The provenance's ``tokenizer`` is the whole fitted tokenizer
    (:meth:`~hepscaling.data.tokens.JetTokenizer.params`), so the file decodes and re-encodes
    without the run.

    Events (event generators; the run's dataset must be present: the coordinates are refitted
    on the same training split): the events that are finite, in support and pass the cuts
    (jet pT > 20 GeV, Delta R > 0.4), jets ordered by pT, go to
    :func:`~hepscaling.data.samples.write_generated_events`; the others are counted per defect
    (:data:`~hepscaling.data.event_coordinates.DEFECTS`) in the provenance, never dropped
    silently. ``condition``: the systematic parameter ``a`` of a run trained with
    ``task.systematic`` (default 0, the nominal).

    Returns the provenance written (``generated_by``).
    """
    import torch

    from hepscaling.models.base import EventGenerator
    from hepscaling.tasks.base import build_task
    from hepscaling.tasks.event_generation import EventGenerationConfig, EventGenerationTask
    from hepscaling.tasks.generation import (
        JetGenerationConfig,
        JetGenerationTask,
        recorded_tokenizer,
    )

    if temperature <= 0:
        raise UsageError(f"--temperature must be positive, got {temperature:g}; use 1 for the "
                         "model's own distribution")
    record, cfg, input_kind, state = _run(run_dir)
    made = {"run_id": record.run_id, "run_dir": str(run_dir), "seed": seed}
    device = torch.device("cpu")
    if isinstance(cfg.task, EventGenerationConfig):
        if temperature != 1.0 or top_k is not None:
            raise UsageError("--temperature and --top-k apply to token generators (jet_gpt); "
                             "leave them out for an event generator")
        task = build_task(cfg.task, loss=cfg.loss, input_kind=input_kind, device=device)
        assert isinstance(task, EventGenerationTask)
        model, made["checkpoint_step"] = _restored(cfg, task.inputs_spec, state)
        assert isinstance(model, EventGenerator)  # the models of input kind "events"
        return _sample_events(task, model, n, out, made, condition, batch_size)
    if not isinstance(cfg.task, JetGenerationConfig):
        raise UsageError(f"task {cfg.task.kind!r} of run {record.run_id} has no token decoder "
                         "or event coordinates; sample a jet_generation or event_generation run")
    if condition is not None:
        raise UsageError(f"--condition applies to event generators trained with "
                         f"task.systematic; run {record.run_id} is a jet generator")
    tokenizer = recorded_tokenizer(cfg.task, record.histograms)
    if tokenizer is None:  # an unfinished run: refit on its training split
        jet_task = build_task(cfg.task, loss=cfg.loss, input_kind=input_kind, device=device)
        assert isinstance(jet_task, JetGenerationTask)
        tokenizer = jet_task.tokenizer
    model, made["checkpoint_step"] = _restored(
        cfg, JetGenerationTask.spec_from_config(cfg.task, cfg.loss), state)
    return _sample_jets(tokenizer, model, n, out, made, temperature, top_k, batch_size)


def _sample_jets(tokenizer: JetTokenizer, model: GenerativeModel, n: int, out: Path,
                 made: dict[str, Any], temperature: float, top_k: int | None,
                 batch_size: int) -> dict[str, Any]:
    import torch

    from hepscaling.data.samples import write_generated_jets
    from hepscaling.models.jet_gpt import JetGPT

    assert isinstance(model, JetGPT)  # the one family of input kind "tokens"
    generator = torch.Generator().manual_seed(made["seed"])
    tokens = torch.cat([model.sample(min(batch_size, n - i), generator=generator,
                                     temperature=temperature, top_k=top_k)
                        for i in range(0, n, batch_size)])
    generated_by = {**made, "temperature": temperature, "top_k": top_k,
                    "tokenizer": tokenizer.params()}
    write_generated_jets(out, tokenizer.decode(tokens.numpy()), generated_by)
    return generated_by


def _sample_events(task: EventGenerationTask, model: EventGenerator, n: int, out: Path,
                   made: dict[str, Any], condition: float | None,
                   batch_size: int) -> dict[str, Any]:
    import numpy as np

    from hepscaling.data.event_coordinates import DEFECTS
    from hepscaling.data.samples import write_generated_events
    from hepscaling.tasks.event_generation import A_MAX
    from hepscaling.tasks.event_samples import order_jets

    systematic = bool(task.cfg.systematic)
    if condition is not None and not systematic:
        raise UsageError(f"run {made['run_id']} was not trained with task.systematic; leave "
                         "out --condition")
    a = 0.0 if condition is None else condition
    if not 0.0 <= a <= A_MAX:
        raise UsageError(f"--condition a = {a:g} lies outside the trained range [0, "
                         f"{A_MAX:g}]; choose a in it")
    y, momenta, n_jets = task.sample_events(model, n, seed=made["seed"], a=a,
                                            batch_size=batch_size)
    defects = task.maps.defects(y, momenta, n_jets)
    dropped = (defects["non_finite"] | defects["out_of_support"]
               | defects["jet_pt_below_min"] | defects["delta_r_below_min"])
    kept = order_jets(momenta[~dropped])
    generated_by = {**made, "condition_a": a if systematic else None, "n_drawn": n,
                    "n_jets": task.cfg.n_jets,
                    "defects": {k: int(np.count_nonzero(defects[k])) for k in DEFECTS},
                    "n_dropped": int(np.count_nonzero(dropped))}
    write_generated_events(out, kept, n_jets[~dropped], generated_by)
    return generated_by


def sample(
    run_dir: Annotated[Path, typer.Argument(help="Run directory of a trained generator.")],
    n: Annotated[int, typer.Option("-n", min=1, help="Jets or events to draw.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (.h5).")],
    seed: Annotated[int, typer.Option("--seed", min=0, help="Sampling seed.")] = 0,
    temperature: Annotated[float, typer.Option(
        "--temperature", help="Jets: softmax temperature (> 0).")] = 1.0,
    top_k: Annotated[int | None, typer.Option(
        "--top-k", min=1, help="Jets: keep the k most probable tokens per step (default: all).")
    ] = None,
    condition: Annotated[float | None, typer.Option(
        "--condition", help="Events: systematic parameter a in \\[0, 30] of a run trained "
                            "with task.systematic (default 0).")] = None,
) -> None:
    """Draw N jets or events from the generator of RUN_DIR into a file of the truth's layout
    (with provenance).

    Jet runs write a jet file; scaling runs are scored at temperature 1 without top-k. Event
    runs write a zmumu event file of the events that pass the cuts; the others (NaN, out of
    support, jet pT below 20 GeV, Delta R below 0.4) are counted, printed and kept in the
    provenance.

    Example: hepscaling sample runs/cfm -n 10000 --out gen.h5
    """
    made = sample_run(run_dir, n, out, seed=seed, temperature=temperature, top_k=top_k,
                      condition=condition)
    if "defects" in made:
        problems = ", ".join(f"{k} {v}" for k, v in made["defects"].items() if v) or "none"
        a = "" if made["condition_a"] is None else f", a = {made['condition_a']:g}"
        typer.echo(f"{n} events drawn from run {made['run_id']} (step "
                   f"{made['checkpoint_step']}, seed {seed}{a}); {n - made['n_dropped']} "
                   f"written -> {out}; defects: {problems}")
        return
    typer.echo(f"{n} jets from run {made['run_id']} (step {made['checkpoint_step']}, seed "
               f"{seed}, temperature {temperature:g}, top-k {top_k or 'off'}) -> {out}")
