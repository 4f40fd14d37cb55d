"""The run config: one validated, frozen object describing a single training run.

YAML shape (every key optional except ``task`` and ``model``; defaults shown)::

    seed: 0                 # weight init, batch order and augmentation
    device: auto            # auto | cpu | cuda
    task:                   # keys per task kind, see hepscaling.tasks
      kind: amplitude_regression
      dataset: data/tth.h5  # our amplitude HDF5, or rows [E,px,py,pz..., |M|^2] as .npy/.h5
      process: null         # process string; default: the file's provenance (row files: none)
      n_train: 1000         # D: the first D events after test and validation
      n_val: 2000           # fixed validation set
      n_test: 10000         # fixed test set
      split_seed: 0         # seed of the one shuffle defining all splits
      augmentation: none    # none | rotation | lorentz (momenta inputs only)
      augment_rapidity: 1.0 # lorentz: maximal boost rapidity
    model:                  # keys per family, see hepscaling.models
      family: mlp           # mlp | mlp_mup | transformer | lloca | lgatr
      width: 128            # mlp / mlp_mup: hidden units per layer
      depth: 3              # mlp / mlp_mup: hidden layers
      activation: gelu      # mlp / mlp_mup: gelu | relu | silu | tanh | leaky_relu (slope 0.1)
      base_width: 64        # mlp_mup only: width at which muP equals SP learning rates
    loss: mse               # mse | heteroscedastic (regression) | cross_entropy (jet tagging)
                            #   | binary_cross_entropy (two-sample classifier)
                            #   | generative (event generators: the model's own objective)
    train:
      batch_size: 256
      steps: 1000           # exactly one of steps / epochs / flops sets the length
      epochs: null          # passes over the D training events
      flops: null           # training FLOPs budget (analytic count)
      lr: 1.0e-3            # peak AdamW learning rate
      weight_decay: 0.0     # AdamW decoupled weight decay (matrices only)
      betas: [0.9, 0.999]   # AdamW betas
      schedule: cosine      # cosine (warmup + cosine to exactly 0) | wsd | constant
      warmup_steps: 100     # linear warmup (default: 100, or steps // 10 for runs of at most
                            # 100 steps); must be below train.steps (refused at load otherwise:
                            # the run would never leave warm-up); capped for epochs / flops
      decay_fraction: 0.2   # wsd: final fraction of steps decaying linearly to 0
      schedule_scale: 1.0   # the decay ends after schedule_scale x the run's steps: 1 = at the
                            # end; < 1 too early (lr 0 from then on); > 1 too late (stops above 0)
      grad_clip: 1.0        # max global gradient norm; null = off
      eval_every: 100       # steps between validation evaluations (and checkpoints)
      early_stopping_patience: null   # evaluations without val improvement before stopping
      eval_batch_size: 8192 # events per forward pass during evaluation
      precision: fp32       # fp32 | bf16 (autocast, float32 weights) | auto (the task's choice:
                            #   bf16 for classification / generation, fp32 for amplitudes);
                            #   see hepscaling.train.mixed_precision
      compile: false        # true: training steps run the model through torch.compile (the
                            #   first step compiles; compile_time in the record); see
                            #   hepscaling.train.compilation

Unknown keys (with the closest valid key offered), wrong types and a warm-up as long as the
run fail at load with the dotted key named (:func:`load_config`); a problem caused by a
``--set`` override names that override instead of the file. The resolved config (all
defaults filled in) is :meth:`RunConfig.resolved`; :func:`run_id` is its identity. Keys added
after runs were recorded (``QUIET_DEFAULTS`` of the sections, :mod:`hepscaling.config_section`)
are left out of it at their default, so the configs and run ids of earlier runs stay as they
were (a sweep on disk resumes as finished).
"""

from __future__ import annotations

import copy
import difflib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationError,
    field_validator,
    model_validator,
)

from hepscaling.config_section import ConfigSection
from hepscaling.errors import UsageError
from hepscaling.models.base import ModelConfig, model_config_class
from hepscaling.tasks.base import TaskConfig, task_config_class
from hepscaling.train.identity import identity_hash
from hepscaling.train.mixed_precision import PrecisionSetting

__all__ = ["RunConfig", "TrainConfig", "apply_overrides", "load_config", "run_id"]


class _SectionError(ValueError):
    """A validation error inside a registry-typed section, keeping the inner key path."""

    def __init__(self, loc: str, msg: str) -> None:
        super().__init__(f"{loc}: {msg}")
        self.loc, self.msg = loc, msg


def _validate_section(value: Any, key: str, lookup) -> Any:
    if isinstance(value, BaseModel):
        return value
    if not isinstance(value, dict):
        raise _SectionError("", f"expected a mapping with a '{key}' key, got {value!r}")
    if key not in value:
        raise _SectionError(key, "required key is missing")
    try:
        cls = lookup(str(value[key]))
    except UsageError as exc:
        raise _SectionError(key, str(exc)) from None
    try:
        return cls.model_validate(value)
    except ValidationError as exc:
        first = _first_error(exc)
        loc = ".".join(str(p) for p in first["loc"])
        raise _SectionError(loc, _describe(first, cls)) from None


#: linear warm-up of a run that does not set ``train.warmup_steps`` (a tenth of ``train.steps``
#: for runs of at most this many steps)
DEFAULT_WARMUP_STEPS = 100


class TrainConfig(ConfigSection):
    """Optimiser, schedule and run length (see the module docstring for every key)."""

    #: keys added after runs were recorded, left out of the resolved config at these values
    QUIET_DEFAULTS: ClassVar[dict[str, Any]] = {"precision": "fp32", "schedule_scale": 1.0,
                                                 "compile": False}

    batch_size: int = Field(256, gt=0)
    steps: int | None = Field(None, gt=0)
    epochs: float | None = Field(None, gt=0)
    flops: float | None = Field(None, gt=0)
    lr: float = Field(1.0e-3, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    betas: tuple[float, float] = (0.9, 0.999)
    schedule: Literal["cosine", "wsd", "constant"] = "cosine"
    warmup_steps: int = Field(DEFAULT_WARMUP_STEPS, ge=0)
    decay_fraction: float = Field(0.2, gt=0, le=1)
    schedule_scale: float = Field(1.0, gt=0)
    grad_clip: float | None = Field(1.0, gt=0)
    eval_every: int = Field(100, gt=0)
    early_stopping_patience: int | None = Field(None, gt=0)
    eval_batch_size: int = Field(8192, gt=0)
    precision: PrecisionSetting = "fp32"
    compile: bool = False

    @model_validator(mode="after")
    def _one_length(self) -> TrainConfig:
        given = [k for k in ("steps", "epochs", "flops") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"set exactly one of train.steps / train.epochs / train.flops (got "
                f"{', '.join(given) or 'none'}); set the others to null"
            )
        return self

    @model_validator(mode="before")
    @classmethod
    def _default_warmup(cls, data: Any) -> Any:
        """Without ``warmup_steps``, a run of ``steps`` <= 100 warms up for a tenth of them
        (the default of 100 would never leave warm-up)."""
        if isinstance(data, dict) and "warmup_steps" not in data:
            steps = data.get("steps")
            if isinstance(steps, int) and 0 < steps <= DEFAULT_WARMUP_STEPS:
                return {**data, "warmup_steps": steps // 10}
        return data

    @model_validator(mode="after")
    def _warmup_inside_run(self) -> TrainConfig:
        """Refuse a warm-up as long as the run: it would train at a rising learning rate
        throughout (a preset's 100 warm-up steps meet any run shrunk below 100 steps)."""
        if self.steps is not None and self.warmup_steps >= self.steps:
            raise ValueError(
                f"train.warmup_steps ({self.warmup_steps}) must be below train.steps "
                f"({self.steps}): the run would never leave warm-up; lower it, e.g. "
                f"train.warmup_steps={self.steps // 10}"
            )
        return self


class RunConfig(BaseModel):
    """One training run: seed, device, task, model, loss and training settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = 0
    device: Literal["auto", "cpu", "cuda"] = "auto"
    task: SerializeAsAny[TaskConfig]
    model: SerializeAsAny[ModelConfig]
    loss: Literal["mse", "heteroscedastic", "cross_entropy", "binary_cross_entropy",
                  "generative"] = "mse"
    train: TrainConfig

    @field_validator("task", mode="before")
    @classmethod
    def _task(cls, value: Any) -> Any:
        return _validate_section(value, "kind", task_config_class)

    @field_validator("model", mode="before")
    @classmethod
    def _model(cls, value: Any) -> Any:
        return _validate_section(value, "family", model_config_class)

    @model_validator(mode="after")
    def _loss_fits_task(self) -> RunConfig:
        losses = type(self.task).LOSSES
        if losses and self.loss not in losses:
            raise ValueError(f"loss: {self.loss!r} does not fit task kind {self.task.kind!r}; "
                             f"choose one of {', '.join(losses)}")
        return self

    @model_validator(mode="after")
    def _model_fits_task(self) -> RunConfig:
        self.task.check_model(self.model)
        return self

    def resolved(self) -> dict[str, Any]:
        """The resolved config as plain JSON types: all defaults filled in, except the keys
        added after runs were recorded at their neutral values (``QUIET_DEFAULTS`` of the
        sections, :mod:`hepscaling.config_section`), left out as in the configs of earlier runs."""
        return self.model_dump(mode="json")


def _first_error(exc: ValidationError) -> dict[str, Any]:
    """The error to report: an unknown key first (a misspelt key also makes the key it was
    meant to be "missing"; the misspelling is the cause), else pydantic's first."""
    errors = exc.errors()
    return next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])


def _describe(err: dict[str, Any], model: type[BaseModel] | None = None) -> str:
    """One-line message of a pydantic error dict of ``model``, with the offending value when
    useful and, for an unknown key, the closest valid key of the section."""
    if err["type"] == "extra_forbidden":
        return _unknown_key(err["loc"], model)
    if err["type"] == "missing":
        return "required key is missing"
    msg = err["msg"].removeprefix("Value error, ")
    if "input" in err and not isinstance(err["input"], dict):
        msg += f" (got {err['input']!r})"
    return msg


def _unknown_key(loc: Sequence[Any], model: type[BaseModel] | None) -> str:
    """``unknown key`` with the closest valid key of the section ``loc[:-1]`` of ``model``."""
    for part in loc[:-1]:  # walk to the section holding the key (plain nested models only)
        field = model.model_fields.get(str(part)) if model is not None else None
        annotation = field.annotation if field is not None else None
        model = annotation if isinstance(annotation, type) and issubclass(
            annotation, BaseModel) else None
    valid = sorted(model.model_fields) if model is not None else []
    close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
    prefix = ".".join(str(p) for p in loc[:-1])
    if close:
        return f"unknown key; did you mean '{prefix + '.' if prefix else ''}{close[0]}'?"
    if valid:
        return f"unknown key; valid keys here: {', '.join(valid)}"
    return "unknown key (check the spelling; keys are listed in hepscaling.train.config)"


def _error_loc(exc: ValidationError) -> tuple[str, str]:
    """(dotted key, message) of the error to report."""
    first = _first_error(exc)
    loc = [str(p) for p in first["loc"]]
    error = (first.get("ctx") or {}).get("error")
    if isinstance(error, _SectionError):
        loc += [error.loc] if error.loc else []
        return ".".join(loc), error.msg
    return ".".join(loc), _describe(first, RunConfig)


def _format(exc: ValidationError) -> str:
    loc, msg = _error_loc(exc)
    if not loc or msg.startswith(f"{loc}."):  # a model-level check names the key itself
        return msg
    return f"{loc}: {msg}"


def _blamed_override(loc: str, msg: str, overrides: Sequence[str]) -> str | None:
    """The ``--set`` override behind the error ``msg`` at ``loc``: one that set that key or a
    section holding it, that created the unknown section ``loc``, or whose key ``msg`` names
    (a check across the keys of a section)."""
    for item in reversed(overrides):
        key = item.partition("=")[0].strip()
        inside = key.startswith(loc + ".")
        if loc and (key == loc or loc.startswith(key + ".") or key in msg
                    or (inside and msg.startswith("unknown key"))):
            return item
    return None


def apply_overrides(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """A copy of ``data`` with ``"dotted.key=value"`` overrides applied (values parsed as YAML).

    Example: ``apply_overrides(cfg, ["train.lr=3e-4", "model.width=256"])``.
    """
    out = copy.deepcopy(data)
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--set {item!r} is not KEY=VALUE (e.g. --set train.lr=3e-4)")
        *parents, leaf = key.strip().split(".")
        node = out
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise UsageError(f"--set {item}: {part!r} is not a section of the config "
                                 "(e.g. --set train.lr=3e-4)")
            node = child
        try:
            node[leaf] = yaml.safe_load(text)
        except yaml.YAMLError:
            node[leaf] = text
    return out


def load_config(source: RunConfig | dict[str, Any] | str | os.PathLike,
                overrides: Sequence[str] = ()) -> RunConfig:
    """Validate a run config given as an object, a dict or a YAML file path, after applying
    ``"dotted.key=value"`` ``overrides`` (see :func:`apply_overrides`).

    Raises
    ------
    UsageError
        one line naming the file, the dotted key and the problem (unknown key, wrong type,
        missing key, unreadable YAML).
    """
    if isinstance(source, RunConfig):
        if not overrides:
            return source
        source = source.resolved()
    where = "config"
    if not isinstance(source, dict):
        path = Path(source)
        if not path.is_file():
            raise UsageError(f"config file not found: {path} (check the path)")
        where = f"config {path}"
        try:
            source = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or type(exc).__name__
            raise UsageError(f"{where}: invalid YAML{at}: {problem}") from None
        if not isinstance(source, dict):
            raise UsageError(f"{where}: expected a YAML mapping of keys, got {source!r}")
    source = apply_overrides(source, overrides)
    try:
        return RunConfig.model_validate(source)
    except ValidationError as exc:
        blamed = _blamed_override(*_error_loc(exc), overrides)
        if blamed is not None:
            raise UsageError(f"--set {blamed}: {_format(exc)}") from None
        raise UsageError(f"invalid {where}: {_format(exc)}") from None


def run_id(config: RunConfig | dict[str, Any]) -> str:
    """Run identity: 16 hex digits hashing the resolved config, in which the dataset counts by
    its *identity* (a digest of its provenance, or of its content for files without one), not
    by its path; see :mod:`hepscaling.train.identity`.

    So a sweep directory moved or copied elsewhere keeps its run ids, and a dataset regenerated
    with other settings gives new ones. The torch thread count is not part of the identity: it
    changes results only by floating-point summation order (~1e-8 relative); it is recorded in
    :attr:`hepscaling.records.RunRecord.threads` instead, so a sweep resumed with other workers
    neither re-trains its finished runs nor splits them into separate groups.
    """
    return identity_hash(load_config(config).resolved())
