"""The sweep plan: a spec expanded into the exact list of fully resolved, validated run configs.

Each planned run's config is the deep merge of the spec's ``base`` with one point of the axes
(an axis value that is a mapping is merged into the config at the axis path, so
``model: {width: 64}`` keeps the base ``model.family``), with ``"@name"`` dataset references
replaced by the absolute path of ``OUT/data/<name>.h5`` (or of the entry's ``path:``, a file
made elsewhere), then validated and normalised by the
run-config model. The run id is :func:`hepscaling.train.identity.identity_hash` of that
normalised dict (the dataset counted by the digest of its provenance, not by its path), so the
same point on the same data always maps to the same run directory ``OUT/runs/<run_id>``, also
after ``OUT`` was moved or copied elsewhere; points that resolve to the same config are planned
once.

IsoFLOP rounding rule: a run with budget ``C`` whose optimiser step costs ``F`` FLOPs (effective
batch size ``min(batch_size, D)`` x training FLOPs per sample) trains
``steps = floor(C / F + 1/2)`` steps, written explicitly as ``train.steps`` (any length in the
base is replaced); its compute
``steps * F`` differs from ``C`` by at most half a step's FLOPs. Pairs with fewer than
``isoflop.min_steps`` or more than ``isoflop.max_steps`` steps are left out of the plan and
listed in :attr:`Plan.skipped`, each with its reason.

Convergence ladders (a spec with ``converge:``): the axis points that differ only in their
seeds form one ladder. Its first rung is their configs as merged (``train.steps`` = S); rung
``k`` trains ``round(S x factor^k)`` steps, up to ``converge.max_steps``. A rung is planned
once every run of the rung below has a validation loss and
:func:`hepscaling.laws.convergence.length_verdict` on their means (rungs 0..k) says not
converged, so the plan grows as runs finish (:func:`make_plan` with ``loss_of``; the runner
re-plans until it stops growing). :attr:`Plan.ladders` says where each ladder stands
(:func:`ladder_state`).

The plan is saved atomically as ``OUT/sweep.json`` so ``hepscaling sweep status`` knows the
planned set without the spec.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hepscaling.errors import UsageError
from hepscaling.laws.convergence import length_verdict
from hepscaling.laws.sweep import SEED_COLUMNS
from hepscaling.records import atomic_write_text, utc_now
from hepscaling.sweeps.spec import ConvergeSpec, IsoFlopSpec, SweepSpec

__all__ = [
    "PLAN_NAME",
    "Plan",
    "PlannedRun",
    "dataset_path",
    "dataset_paths",
    "default_flops_per_step",
    "default_validate",
    "expand_points",
    "isoflop_steps",
    "ladder_state",
    "load_plan",
    "make_plan",
    "merge_point",
    "rung_steps",
    "spec_changes",
]

PLAN_NAME = "sweep.json"
Validator = Callable[[dict[str, Any]], dict[str, Any]]
FlopsPerStep = Callable[[dict[str, Any]], float]
#: the validation loss of a run id, ``None`` while it has none (not finished)
LossOf = Callable[[str], float | None]
#: axis keys of replicas (the fits' seed columns): a ladder climbs all seeds of a point together
_SEED_AXES = tuple(column.removeprefix("config.") for column in SEED_COLUMNS)
_NO_LENGTH = {"train.steps": None, "train.epochs": None, "train.flops": None}


@dataclass(frozen=True)
class PlannedRun:
    """One run of the plan: its id, resolved config, axis values and (IsoFLOP) budget."""

    run_id: str
    config: dict[str, Any]
    point: dict[str, Any]
    budget: float | None = None


@dataclass(frozen=True)
class Plan:
    """The planned runs of a sweep, in spec order, plus what was left out and why."""

    name: str
    runs: tuple[PlannedRun, ...]
    spec: dict[str, Any]
    skipped: tuple[dict[str, Any], ...] = ()
    duplicates: int = 0
    ladders: tuple[dict[str, Any], ...] = ()
    created_at: str = field(default_factory=utc_now)

    @property
    def run_ids(self) -> list[str]:
        """Run ids in plan order."""
        return [r.run_id for r in self.runs]

    def save(self, out: str | os.PathLike) -> Path:
        """Atomically write the plan as ``out/sweep.json``."""
        data = asdict(self)
        return atomic_write_text(Path(out) / PLAN_NAME, json.dumps(data, indent=1, default=str))


def load_plan(out: str | os.PathLike) -> Plan:
    """Read ``out/sweep.json``; :class:`UsageError` if ``out`` holds no sweep."""
    path = Path(out) / PLAN_NAME
    if not path.is_file():
        raise UsageError(f"no sweep plan {path} (run 'hepscaling sweep run SPEC --out {out}' "
                         "first, or pass the --out directory of a sweep)")
    try:
        data = json.loads(path.read_text())
        runs = tuple(PlannedRun(**r) for r in data.pop("runs"))
        return Plan(runs=runs, **{k: tuple(v) if k in ("skipped", "ladders") else v
                                  for k, v in data.items()})
    except (ValueError, TypeError, KeyError) as exc:
        raise UsageError(f"malformed sweep plan {path}: {exc} (delete it and re-run "
                         "'hepscaling sweep run' to re-plan; finished runs are kept)") from exc


def dataset_path(out: str | os.PathLike, name: str) -> Path:
    """Absolute path of the sweep's own dataset ``name``: ``OUT/data/<name>.h5``."""
    return (Path(out) / "data" / f"{name}.h5").resolve()


def dataset_paths(spec: SweepSpec, out: str | os.PathLike) -> dict[str, Path]:
    """Absolute path of each dataset of ``spec``: its ``path:`` if given (a file made
    elsewhere), else :func:`dataset_path`."""
    return {name: Path(ds.path).resolve() if ds.path else dataset_path(out, name)
            for name, ds in spec.datasets.items()}


def spec_changes(old: Any, new: Any, prefix: str = "") -> list[str]:
    """The dotted keys, sorted, whose values differ between two spec dicts (``Plan.spec``)."""
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return [] if old == new else [prefix or "<spec>"]
    changed = []
    for key in sorted(set(old) | set(new), key=str):
        changed += spec_changes(old.get(key), new.get(key), f"{prefix}{key}.")
    return [key.rstrip(".") for key in changed]


def expand_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """The axis points of ``spec`` (grid: Cartesian product, list: zipped), in spec order.

    Each point maps axis key -> value; no axes give a single empty point.
    """
    keys = list(spec.axes)
    if spec.mode == "list":
        combos = zip(*spec.axes.values(), strict=True)
    else:
        combos = itertools.product(*spec.axes.values())
    return [dict(zip(keys, values, strict=True)) for values in combos]


def _set_path(config: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = config
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    if isinstance(value, dict):
        if not isinstance(node.get(leaf), dict):
            node[leaf] = {}
        for key, sub in value.items():
            _set_path(node[leaf], key, sub)
    else:
        node[leaf] = copy.deepcopy(value)


def _dotted(point: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for key, value in point.items():
        path = f"{prefix}{key}"
        keys |= _dotted(value, path + ".") if isinstance(value, dict) else {path}
    return keys


def merge_point(base: dict[str, Any], point: dict[str, Any]) -> dict[str, Any]:
    """Deep merge of ``base`` and ``point`` (dotted key -> value); neither is modified.

    A point that sets one training length (``train.steps``, ``train.epochs`` or
    ``train.flops``) clears the base's other ones, so an axis over epochs works on a base
    that sets steps.
    """
    config = copy.deepcopy(base)
    given = _dotted(point)
    if given & set(_NO_LENGTH):
        point = {**{k: None for k in _NO_LENGTH if k not in given}, **point}
    for key, value in point.items():
        _set_path(config, key, value)
    return config


def _resolve_refs(obj: Any, datasets: dict[str, Path], where: str) -> Any:
    if isinstance(obj, dict):
        return {k: _resolve_refs(v, datasets, f"{where}.{k}") for k, v in obj.items()}
    if isinstance(obj, list):
        return [_resolve_refs(v, datasets, where) for v in obj]
    if isinstance(obj, str) and obj.startswith("@"):
        name = obj[1:]
        if name not in datasets:
            known = ", ".join(f"@{n}" for n in datasets) or "none defined"
            raise UsageError(f"{where.lstrip('.')}: unknown dataset reference {obj!r} "
                             f"(datasets: {known}); add it under 'datasets:' or fix the name")
        return str(datasets[name])
    return obj


def default_validate(config: dict[str, Any]) -> dict[str, Any]:
    """Validate with ``RunConfig`` and return its resolved JSON-able dict (defaults filled)."""
    from hepscaling.train.config import load_config

    return load_config(config).resolved()


def default_flops_per_step(config: dict[str, Any]) -> float:
    """Analytic training FLOPs of one optimiser step of a resolved run config."""
    from hepscaling.train.config import load_config
    from hepscaling.train.flops import effective_batch_size, training_flops_per_sample

    cfg = load_config(config)
    batch = effective_batch_size(cfg.train, cfg.task.n_train)
    return float(batch * training_flops_per_sample(cfg))


def isoflop_steps(budget: float, flops_per_step: float) -> int:
    """Steps that spend ``budget`` FLOPs: ``floor(budget / flops_per_step + 1/2)``."""
    return math.floor(budget / flops_per_step + 0.5)


def _steps_out_of_range(steps: int, isoflop: IsoFlopSpec) -> str:
    """Why an IsoFLOP pair of ``steps`` steps is left out of the plan ('' if it is not)."""
    if steps < isoflop.min_steps:
        return f"fewer than isoflop.min_steps = {isoflop.min_steps} steps"
    if isoflop.max_steps is not None and steps > isoflop.max_steps:
        return f"more than isoflop.max_steps = {isoflop.max_steps} steps"
    return ""


def _validated(validate: Validator, config: dict[str, Any], point: dict[str, Any],
               source: str) -> dict[str, Any]:
    where = f"base + axes {json.dumps(point, default=str)}" if point else "base"
    try:
        return validate(config)
    except UsageError as exc:
        raise UsageError(f"{source}: {where}: {exc} (fix it in 'base:' or 'axes:')") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "<top>"
        raise UsageError(f"{source}: {where}: invalid config: {loc}: {err['msg']} "
                         "(fix it in 'base:' or 'axes:')") from exc


def rung_steps(first: int, converge: ConvergeSpec) -> list[int]:
    """The lengths of a convergence ladder starting at ``first`` steps: ``round(first x
    factor^k)`` up to ``converge.max_steps``.

    >>> rung_steps(1500, ConvergeSpec(factor=4, max_steps=100000))
    [1500, 6000, 24000, 96000]

    Raises
    ------
    UsageError
        Fewer than two rungs fit below ``max_steps`` (nothing to compare).
    """
    steps = [first]
    while (longer := round(first * converge.factor ** len(steps))) <= converge.max_steps:
        steps.append(longer)
    if len(steps) < 2:
        raise UsageError(f"converge: the ladder from train.steps = {first} has a single rung "
                         f"below converge.max_steps = {converge.max_steps}; raise max_steps to "
                         f"at least {round(first * converge.factor)} or lower train.steps")
    return steps


def ladder_state(steps: Sequence[int], rung_losses: Sequence[Sequence[float | None]],
                 tolerance: float) -> tuple[str, bool]:
    """Where a ladder of lengths ``steps`` stands from the validation losses of its runs on
    the rungs planned so far (``rung_losses[k]``: one per seed; ``None`` while a run has not
    finished, NaN if it ended without a loss), and whether it climbs to the next rung.

    >>> ladder_state([10, 20, 40], [[0.5, 0.7], [0.2, None]], 0.1)
    ('running rung 2 of 3 (20 steps)', False)
    >>> ladder_state([10, 20, 40], [[0.5, 0.7], [0.2, 0.3]], 0.1)
    ('not converged: 2x more steps still gain a factor 2.4', True)
    """
    means: list[float] = []
    for k, losses in enumerate(rung_losses):
        if any(loss is None for loss in losses):
            return f"running rung {k + 1} of {len(steps)} ({steps[k]} steps)", False
        if not all(math.isfinite(loss) for loss in losses):  # type: ignore[arg-type]
            return (f"stopped at rung {k + 1} ({steps[k]} steps): a run diverged or failed "
                    "(no finite validation loss)"), False
        means.append(sum(losses) / len(losses))  # type: ignore[arg-type]
    verdict = length_verdict(steps[:len(means)], means, tolerance)
    return verdict.text, not verdict.converged and len(means) < len(steps)


def _climb(members: list[tuple[dict[str, Any], dict[str, Any]]], converge: ConvergeSpec,
           loss_of: LossOf | None, validate: Validator, source: str
           ) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], dict[str, Any]]:
    """The runs (point, config) of one ladder's rungs planned so far and where it stands
    (``point``, the ``steps`` of the rungs planned, their run ids ``rungs`` and ``state``).

    ``members``: the ladder's points (its seeds) with their merged, validated first-rung
    configs. ``loss_of`` returns NaN for a run that ended without a loss (diverged, failed):
    the ladder stops there.
    """
    from hepscaling.train.identity import identity_hash

    first = members[0][1]["train"].get("steps")
    if first is None:
        raise UsageError(f"{source}: converge climbs train.steps; set the first rung as "
                         "train.steps in base (not train.epochs or train.flops)")
    steps = rung_steps(int(first), converge)
    runs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    rungs: list[list[str]] = []
    rung_losses: list[list[float | None]] = []
    for length in steps:
        rung = [(point, _validated(validate, merge_point(config, {"train.steps": length}),
                                   point, source)) for point, config in members]
        runs += rung
        rungs.append([identity_hash(config) for _, config in rung])
        rung_losses.append([loss_of(run_id) if loss_of else None for run_id in rungs[-1]])
        state, climbs = ladder_state(steps, rung_losses, converge.tolerance)
        if not climbs:
            break
    point = {k: v for k, v in members[0][0].items() if k not in _SEED_AXES}
    return runs, {"point": point, "steps": steps[:len(rungs)], "rungs": rungs,
                  "state": state}


def make_plan(spec: SweepSpec, out: str | os.PathLike, *, validate: Validator | None = None,
              flops_per_step: FlopsPerStep | None = None, loss_of: LossOf | None = None,
              source: str = "sweep spec") -> Plan:
    """Expand ``spec`` into validated runs whose datasets live under ``out/data``.

    ``validate`` (default: ``RunConfig``) normalises one merged config; ``flops_per_step``
    (default: :func:`default_flops_per_step`) is used by IsoFLOP sweeps only, on the validated
    config, so its datasets must exist by then. ``loss_of`` gives the validation loss of the
    finished runs, from which convergence ladders climb (module docstring; ``None``: first
    rungs only). Raises :class:`UsageError` naming the spec key that produced an invalid
    config.
    """
    from hepscaling.train.identity import identity_hash

    validate = validate or default_validate
    datasets = dataset_paths(spec, out)
    base = _resolve_refs(spec.base, datasets, "base")
    budgets: list[float | None] = list(spec.isoflop.budgets) if spec.isoflop else [None]
    runs: dict[str, PlannedRun] = {}
    skipped: list[dict[str, Any]] = []
    ladders: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    n_points = 0
    for budget in budgets:
        for point in expand_points(spec):
            n_points += 1
            merged = merge_point(base, _resolve_refs(point, datasets, "axes"))
            if budget is not None:  # placeholder length (longer than any warm-up), replaced below
                merged = merge_point(merged, {**_NO_LENGTH, "train.steps": 10**9})
            config = _validated(validate, merged, point, source)
            if budget is not None:
                steps = isoflop_steps(budget, (flops_per_step or default_flops_per_step)(config))
                reason = _steps_out_of_range(steps, spec.isoflop)
                if reason:
                    skipped.append({"point": point, "budget": budget, "steps": steps,
                                    "reason": reason})
                    continue
                length = {**_NO_LENGTH, "train.steps": steps}
                config = _validated(validate, merge_point(config, length), point, source)
            if spec.converge is not None:
                key = json.dumps({k: v for k, v in point.items() if k not in _SEED_AXES},
                                 sort_keys=True, default=str)
                ladders.setdefault(key, []).append((point, config))
                continue
            run_id = identity_hash(config)
            runs.setdefault(run_id, PlannedRun(run_id, config, point, budget))
    states = []
    for members in ladders.values():
        assert spec.converge is not None  # ladders are only filled for converge specs
        climbed, state = _climb(members, spec.converge, loss_of, validate, source)
        states.append(state)
        n_points += len(climbed) - len(members)
        for point, config in climbed:
            run_id = identity_hash(config)
            runs.setdefault(run_id, PlannedRun(run_id, config, point))
    if not runs:
        raise UsageError(f"{source}: the plan is empty ({len(skipped)} points skipped, see "
                         "isoflop.min_steps and isoflop.max_steps); change the budgets or "
                         "widen the step range")
    return Plan(name=spec.name, runs=tuple(runs.values()), spec=spec.model_dump(mode="json"),
                skipped=tuple(skipped), duplicates=n_points - len(skipped) - len(runs),
                ladders=tuple(states))
