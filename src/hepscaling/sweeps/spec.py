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

A dataset entry's ``kind`` (default ``amplitudes``) selects its keys: :class:`AmplitudeDataset`
(``hepscaling.data.amplitudes``) or :class:`JetDataset` (``hepscaling.data.jets``); each kind
generates its own file with ``generate(path, progress)``.

An optional ``cluster:`` section describes a dask-jobqueue cluster (``kind: slurm | htcondor``
plus the keyword arguments of ``SLURMCluster`` / ``HTCondorCluster``) that
``hepscaling sweep run --executor dask`` starts when no ``--scheduler`` is given.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

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

from hepscaling.errors import UsageError

__all__ = ["DATASET_KINDS", "AmplitudeDataset", "ClusterSpec", "DatasetSpec", "IsoFlopSpec",
           "JetDataset", "SweepSpec", "load_spec", "parse_spec"]

LENGTH_KEYS = ("train.steps", "train.epochs", "train.flops")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AmplitudeDataset(_Strict):
    """An amplitude dataset (momenta and |M|^2), generated once per sweep into
    ``OUT/data/<name>.h5``."""

    process: str = Field(description='MadGraph process string, e.g. "e+ e- > mu+ mu-"')
    n: int = Field(gt=0, description="number of events")
    sqrt_s: float = Field(gt=0, description="collider energy, GeV")
    seed: int = Field(0, description="generator seed")
    cuts: dict[str, Any] | None = Field(
        None, description="generation cuts, see hepscaling.physics.phase_space.Cuts")
    kind: Literal["amplitudes"] = Field("amplitudes", description="dataset kind (the default)")

    @field_validator("cuts")
    @classmethod
    def _cuts_valid(cls, cuts: dict[str, Any] | None) -> dict[str, Any] | None:
        if cuts is None:
            return None
        from hepscaling.physics.phase_space import Cuts

        try:
            return Cuts.model_validate(cuts).model_dump()
        except ValidationError as exc:
            raise ValueError(_first_error(exc, Cuts)) from None

    def generate(self, path: Path, progress: bool | None = None) -> Path:
        """Generate (or resume, or keep when complete) the dataset at ``path`` (parent
        directories are created)."""
        from hepscaling.data.amplitudes import generate_amplitudes
        from hepscaling.physics.phase_space import Cuts

        cuts = Cuts.model_validate(self.cuts) if self.cuts else None
        return generate_amplitudes(path, self.process, self.n, self.sqrt_s, self.seed,
                                   cuts=cuts, progress=progress)


class JetDataset(_Strict):
    """A boosted-jet dataset (Pythia 8 + FastJet, JetClass format), generated once per sweep
    into ``OUT/data/<name>.h5``; the file does not depend on ``workers``."""

    classes: str = Field(description='comma-separated jet classes, e.g. "qcd,w,top"')
    n: int = Field(gt=0, description="jets per class")
    seed: int = Field(0, ge=0, description="run seed; chunk seeds derive from it")
    max_particles: int = Field(128, gt=0, description="padding length of constituent arrays")
    chunk_size: int = Field(1000, gt=0, description="jets per chunk (one Pythia instance)")
    workers: int = Field(1, gt=0, description="processes generating chunks")
    kind: Literal["jets"] = Field(description="dataset kind")

    @field_validator("classes")
    @classmethod
    def _classes_valid(cls, classes: str) -> str:
        from hepscaling.physics.jets.processes import parse_classes

        try:
            parse_classes(classes)
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        return classes

    def generate(self, path: Path, progress: bool | None = None) -> Path:
        """Generate (or resume, or keep when complete) the dataset at ``path`` (parent
        directories are created)."""
        from hepscaling.data.jets import generate_jets
        from hepscaling.physics.jets.processes import parse_classes

        path.parent.mkdir(parents=True, exist_ok=True)
        return generate_jets(path, parse_classes(self.classes), self.n, self.seed,
                             chunk_size=self.chunk_size, workers=self.workers,
                             max_particles=self.max_particles, progress=progress)


#: Dataset kind (the ``kind:`` key of a ``datasets:`` entry) -> its spec model.
DATASET_KINDS: dict[str, type[BaseModel]] = {"amplitudes": AmplitudeDataset, "jets": JetDataset}


def _dataset_kind(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("kind", "amplitudes")
    return getattr(value, "kind", None)


DatasetSpec = Annotated[
    Annotated[AmplitudeDataset, Tag("amplitudes")] | Annotated[JetDataset, Tag("jets")],
    Discriminator(_dataset_kind, custom_error_type="dataset_kind",
                  custom_error_message="unknown dataset kind; use kind: amplitudes (default) "
                                       "or kind: jets"),
]


class IsoFlopSpec(_Strict):
    """Compute budgets of an IsoFLOP sweep."""

    budgets: list[float] = Field(min_length=1, description="training compute C per run, FLOPs")
    min_steps: int = Field(
        1, ge=1, description="drop (budget, model) pairs that would train fewer steps than this"
    )

    @field_validator("budgets")
    @classmethod
    def _positive_unique(cls, budgets: list[float]) -> list[float]:
        if any(b <= 0 for b in budgets):
            raise ValueError(f"budgets must be positive FLOP counts, got {budgets}")
        if len(set(budgets)) != len(budgets):
            raise ValueError(f"budgets must not repeat, got {budgets}")
        return budgets


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
    cluster: ClusterSpec | None = None

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
        return self


def _first_error(exc: ValidationError, model: type[BaseModel] | None = None) -> str:
    # a misspelled key is both unknown and missing: name the unknown spelling first
    err = min(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    loc = err["loc"]
    kind = loc[2] if len(loc) > 2 and loc[0] == "datasets" else None
    if kind in DATASET_KINDS:  # drop the union tag from the location: datasets.<name>.<key>
        loc = (*loc[:2], *loc[3:])
    where = ".".join(str(p) for p in loc)
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "dataset_kind":
        seen = err["input"]
        msg = (f"{msg} (got {seen.get('kind')!r})" if isinstance(seen, dict) else
               f"expected a mapping of keys (kind, n, seed, ...), got {seen!r}")
    elif err["type"] == "extra_forbidden" and kind in DATASET_KINDS:
        msg = (f"unknown key for kind {kind!r}; allowed keys here: "
               f"{', '.join(DATASET_KINDS[kind].model_fields)}")
    elif err["type"] == "extra_forbidden":
        msg = f"unknown key; allowed keys here: {_allowed(err['loc'], model or SweepSpec)}"
    return f"{where}: {msg}" if where else msg


def _allowed(loc: tuple, model: type[BaseModel]) -> str:
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        annotation = getattr(field, "annotation", None)
        candidates = [a for a in getattr(annotation, "__args__", (annotation,))
                      if isinstance(a, type) and issubclass(a, BaseModel)]
        if candidates:
            model = candidates[0]
    return ", ".join(model.model_fields)


def parse_spec(data: dict[str, Any], *, source: str = "sweep spec",
               root: str | os.PathLike | None = None) -> SweepSpec:
    """Validate a spec given as a dict (the parsed YAML).

    ``base`` may be the path (relative to ``root``) of a run-config YAML file, which is read.
    Raises :class:`UsageError` naming the offending key and the fix.
    """
    if not isinstance(data, dict):
        raise UsageError(f"{source}: expected a mapping of keys (name, base, axes, ...), "
                         f"got {type(data).__name__}")
    base = data.get("base")
    if isinstance(base, str):
        path = Path(root or ".") / base
        data = {**data, "base": _read_yaml(path, "base run config")}
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


def load_spec(path: str | os.PathLike) -> SweepSpec:
    """Read and validate a sweep spec YAML file (a ``base:`` path is relative to the file)."""
    path = Path(path)
    return parse_spec(_read_yaml(path, "sweep spec"), source=str(path), root=path.parent)
