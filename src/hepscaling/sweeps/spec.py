"""The sweep spec: the YAML file that names a base run config, the axes to vary and the datasets.

A spec is a short diff on a run config (see ``hepscaling.train.config.RunConfig``)::

    name: amplitudes-mlp
    datasets:                       # generated once into OUT/data/<name>.h5, shared by all runs
      eemumu: {process: "e+ e- > mu+ mu-", n: 20000, sqrt_s: 500.0, seed: 1}
      qcdw: {kind: jets, classes: "qcd,w", n: 5000, seed: 1}      # n = jets per class
    base:                           # a (partial) run config, or the path of a run-config YAML
      task: {dataset: "@eemumu", n_val: 1000, n_test: 2000}
      train: {steps: 2000, batch_size: 256}
    mode: grid                      # grid | list | isoflop
    axes:                           # dotted config paths -> values
      model: [{width: 64, depth: 3}, {width: 128, depth: 3}]    # a ladder of coupled keys
      task.n_train: [1000, 3000, 10000]
      seed: [0, 1]

``grid`` takes the Cartesian product of the axes (the first axis varies slowest), ``list`` zips
axes of equal length (the i-th run takes the i-th value of every axis), and ``isoflop`` takes the
grid of the axes once per compute budget in ``isoflop.budgets`` and sets ``train.steps`` so every
run spends its budget (rounding rule in :mod:`hepscaling.sweeps.plan`). A string value
``"@name"`` anywhere in the base or the axes stands for the dataset ``name`` of ``datasets:``.

A dataset entry's ``kind`` (default ``amplitudes``) selects its keys: the settings model
registered for that kind in :mod:`hepscaling.data.registry` (``AmplitudeDataset`` of
``hepscaling.data.amplitudes``, ``JetDataset`` of ``hepscaling.data.jets``, ...); each kind
generates its own file with ``generate(path, progress)``. An entry's ``path:`` names an
existing file to use instead (another sweep's dataset, or a shared file), checked against the
entry's settings; a relative ``path:`` is relative to the spec file's directory. An entry of
only ``path:`` (and ``kind:``) takes the file as is, checked only by its kind's reader::

    datasets:
      qcdw: {kind: jets, classes: "qcd,w", n: 10000, seed: 1, path: ../tagging/data/qcdw.h5}
      shared: {kind: jets, path: /data/jets/qcdw.h5}

An optional ``converge:`` section trains every axis point until more steps stop helping: the
point's runs climb a ladder of lengths ``train.steps x factor^k`` (up to ``max_steps``), one
rung at a time, until :func:`hepscaling.laws.convergence.length_verdict` on their validation
loss says converged (the rungs of all of a point's seeds finish first)::

    converge: {factor: 4, max_steps: 96000, tolerance: 0.1}

Fits and reports of such a sweep use each point's runs at its converged length and leave out
the points still improving at ``max_steps``, with a note (:mod:`hepscaling.laws.sweep`).

An optional ``scale:`` section (:mod:`hepscaling.sweeps.scale`) grows the data, model and run
length of the spec by one factor, applied when the spec is read; ``load_spec(path,
overrides=["scale.factor=30"])`` (``hepscaling sweep run --set``) changes any key of the file
before it is read.

An optional ``cluster:`` section describes a dask-jobqueue cluster (``kind: slurm | htcondor``
plus the keyword arguments of ``SLURMCluster`` / ``HTCondorCluster``) that
``hepscaling sweep run --executor dask`` starts when no ``--scheduler`` is given.
"""

from __future__ import annotations

import functools
import operator
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from hepscaling.data.registry import (
    DEFAULT_KIND,
    DatasetFile,
    dataset_models,
    first_error,
    validation_message,
)
from hepscaling.errors import UsageError
from hepscaling.laws.convergence import DEFAULT_TOLERANCE
from hepscaling.sweeps.scale import ScaleSpec, apply_scale

__all__ = ["ClusterSpec", "ConvergeSpec", "DatasetSpec", "IsoFlopSpec", "SweepSpec", "load_spec",
           "parse_spec"]

LENGTH_KEYS = ("train.steps", "train.epochs", "train.flops")
_FILE = "file"  # the union tag of a dataset file taken as is (only path: and kind:)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _dataset_kind(value: Any) -> Any:
    """The union tag of an entry: ``file`` for a file taken as is, else its kind."""
    if isinstance(value, dict):
        if "path" in value and set(value) <= {"path", "kind"}:
            return _FILE
        return value.get("kind", DEFAULT_KIND)
    return _FILE if isinstance(value, DatasetFile) else getattr(value, "kind", None)


def _dataset_union() -> Any:
    """The discriminated union of every registered dataset kind's settings model."""
    models = dataset_models()
    members = [Annotated[model, Tag(kind)] for kind, model in models.items()]
    members.append(Annotated[DatasetFile, Tag(_FILE)])
    kinds = [f"kind: {kind}" + (" (default)" if kind == DEFAULT_KIND else "") for kind in models]
    return Annotated[
        functools.reduce(operator.or_, members),
        Discriminator(_dataset_kind, custom_error_type="dataset_kind",
                      custom_error_message=f"unknown dataset kind; use {' or '.join(kinds)}"),
    ]


#: A ``datasets:`` entry: the settings model of its ``kind`` (see hepscaling.data.registry).
if TYPE_CHECKING:  # the union is built at run time from the registry
    from hepscaling.data.registry import DatasetSpec
else:
    DatasetSpec = _dataset_union()


class IsoFlopSpec(_Strict):
    """Compute budgets of an IsoFLOP sweep."""

    budgets: list[float] = Field(min_length=1, description="training compute C per run, FLOPs")
    min_steps: int = Field(
        1, ge=1, description="drop (budget, model) pairs that would train fewer steps than this"
    )
    max_steps: int | None = Field(
        None, ge=1, description="drop (budget, model) pairs that would train more steps than "
        "this (none: no upper limit)"
    )

    @field_validator("budgets")
    @classmethod
    def _positive_unique(cls, budgets: list[float]) -> list[float]:
        if any(b <= 0 for b in budgets):
            raise ValueError(f"budgets must be positive FLOP counts, got {budgets}")
        if len(set(budgets)) != len(budgets):
            raise ValueError(f"budgets must not repeat, got {budgets}")
        return budgets

    @model_validator(mode="after")
    def _steps_range(self) -> IsoFlopSpec:
        if self.max_steps is not None and self.max_steps < self.min_steps:
            raise ValueError(f"max_steps = {self.max_steps} is below min_steps = "
                             f"{self.min_steps}, which leaves no run; raise max_steps or lower "
                             "min_steps")
        return self


class ConvergeSpec(_Strict):
    """A ladder of training lengths per axis point (module docstring)."""

    factor: float = Field(4.0, gt=1, description="each rung trains factor x the steps of the "
                          "one below; the first rung is the config's train.steps")
    max_steps: int = Field(ge=1, description="no rung is longer; a point still improving there "
                           "is not converged")
    tolerance: float = Field(DEFAULT_TOLERANCE, gt=0, lt=1, description="converged when factor "
                             "x more steps lower the validation loss by less than this fraction")


class ClusterSpec(BaseModel):
    """A dask-jobqueue cluster: ``kind`` plus the cluster class's keyword arguments."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: Literal["slurm", "htcondor", "local"] = "slurm"
    jobs: int = Field(1, ge=1, description="number of batch jobs (dask workers) to request")


class SweepSpec(_Strict):
    """A validated sweep spec (see the module docstring for the YAML shape)."""

    name: str = "sweep"
    datasets: dict[str, DatasetSpec] = Field(default_factory=dict)
    base: dict[str, Any] = Field(default_factory=dict, description="the base run config")
    mode: Literal["grid", "list", "isoflop"] = "grid"
    axes: dict[str, list[Any]] = Field(default_factory=dict)
    isoflop: IsoFlopSpec | None = None
    converge: ConvergeSpec | None = None
    cluster: ClusterSpec | None = None
    scale: ScaleSpec | None = Field(None, description="the scale knob (applied at load)")

    @field_validator("axes")
    @classmethod
    def _axes_valid(cls, axes: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in axes.items():
            if not values:
                raise ValueError(f"axis {key!r} is empty; give at least one value or remove it")
        return axes

    @model_validator(mode="after")
    def _mode_consistent(self) -> SweepSpec:
        if self.mode == "list":
            lengths = {key: len(v) for key, v in self.axes.items()}
            if len(set(lengths.values())) > 1:
                raise ValueError(
                    f"mode 'list' zips the axes, which need equal lengths; got {lengths} "
                    "(use mode: grid for a Cartesian product)"
                )
        else:
            for key, values in self.axes.items():
                if len({repr(v) for v in values}) != len(values):
                    raise ValueError(f"axis {key!r} repeats a value ({values}); list each value "
                                     "once (mode: list allows repeats)")
        if self.mode == "isoflop":
            if self.isoflop is None:
                raise ValueError("mode 'isoflop' needs an 'isoflop: {budgets: [...]}' section")
            fixed = [k for k in self.axes if k in LENGTH_KEYS or k == "train"]
            if fixed:
                raise ValueError(
                    f"mode 'isoflop' sets the training length itself; remove axes {fixed}"
                )
            if not any(k == "model" or k.startswith("model.") for k in self.axes):
                raise ValueError("mode 'isoflop' needs a model-size axis (e.g. 'model.width')")
        elif self.isoflop is not None:
            raise ValueError(
                f"'isoflop' section given but mode is {self.mode!r}; set mode: isoflop"
            )
        if self.converge is not None:
            if self.mode == "isoflop":
                raise ValueError("'converge' climbs train.steps, which mode 'isoflop' sets from "
                                 "the budget; remove one of the two")
            climbed = [k for k in self.axes if k in LENGTH_KEYS or k == "train"]
            if climbed:
                raise ValueError(f"'converge' sets the training length itself; remove axes "
                                 f"{climbed} and give the first rung as base train.steps")
        return self


def _first_error(exc: ValidationError) -> str:
    err = first_error(exc)
    loc = err["loc"]
    kind = loc[2] if len(loc) > 2 and loc[0] == "datasets" else None
    models = dataset_models()
    if kind in models or kind == _FILE:  # drop the union tag: datasets.<name>.<key>
        err = {**err, "loc": (*loc[:2], *loc[3:])}
    where = ".".join(str(p) for p in err["loc"])
    if err["type"] == "dataset_kind":
        seen = err["input"]
        return where + ": " + (f"{err['msg']} (got {seen.get('kind')!r})" if isinstance(
            seen, dict) else f"expected a mapping of keys (kind, n, seed, ...), got {seen!r}")
    if err["type"] == "extra_forbidden" and kind in models:
        return (f"{where}: unknown key for kind {kind!r}; allowed keys here: "
                f"{', '.join(models[kind].keys())}")
    return validation_message(err, SweepSpec)


def _resolve_dataset_paths(datasets: Any, root: Path) -> Any:
    """``datasets:`` with each entry's relative ``path:`` made relative to ``root``."""
    if not isinstance(datasets, dict):
        return datasets
    return {name: {**entry, "path": str(root / entry["path"])}
            if isinstance(entry, dict) and isinstance(entry.get("path"), str) else entry
            for name, entry in datasets.items()}


def parse_spec(data: dict[str, Any], *, source: str = "sweep spec",
               root: str | os.PathLike | None = None) -> SweepSpec:
    """Validate a spec given as a dict (the parsed YAML).

    ``base`` may be the path (relative to ``root``) of a run-config YAML file, which is read;
    a dataset entry's ``path:`` is taken relative to ``root`` too (absolute paths stay).
    Raises :class:`UsageError` naming the offending key and the fix.
    """
    if not isinstance(data, dict):
        raise UsageError(f"{source}: expected a mapping of keys (name, base, axes, ...), "
                         f"got {type(data).__name__}")
    root = Path(root or ".")
    base = data.get("base")
    if isinstance(base, str):
        data = {**data, "base": _read_yaml(root / base, "base run config")}
    if "datasets" in data:
        data = {**data, "datasets": _resolve_dataset_paths(data["datasets"], root)}
    if data.get("scale") is not None:
        try:
            knob = ScaleSpec.model_validate(data["scale"])
        except ValidationError as exc:
            err = first_error(exc)
            raise UsageError(f"{source}: scale: {validation_message(err, ScaleSpec)}") from exc
        data = apply_scale(data, knob)
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise UsageError(f"{source}: {_first_error(exc)}") from exc


def _read_yaml(path: Path, what: str) -> Any:
    if not path.is_file():
        raise UsageError(f"{what} not found: {path} (check the path)")
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise UsageError(f"{what} {path} is not valid YAML: {str(exc).splitlines()[0]}") from exc


def load_spec(path: str | os.PathLike, overrides: Sequence[str] = ()) -> SweepSpec:
    """Read and validate a sweep spec YAML file (``base:`` and dataset ``path:`` values are
    relative to the file's directory), after applying ``"dotted.key=value"`` ``overrides`` to
    the file's keys (e.g. ``"scale.factor=30"``, ``"base.train.lr=3e-4"``; values parsed as
    YAML)."""
    from hepscaling.train.config import apply_overrides

    path = Path(path)
    data = _read_yaml(path, "sweep spec")
    if overrides:
        if not isinstance(data, dict):
            raise UsageError(f"{path}: expected a mapping of keys (name, base, axes, ...)")
        data = apply_overrides(data, overrides)
    source = str(path) + "".join(f" --set {o}" for o in overrides)
    return parse_spec(data, source=source, root=path.parent)
