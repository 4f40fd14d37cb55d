"""From a sweep directory of run records to fitted laws: run selection, grouping, per-group fits.

Rows come from :func:`hepscaling.records.records_frame`. Only runs with ``status == "done"`` and
a finite metric are fitted; the others are kept in :attr:`Sweep.not_done` for the report.

Groups are runs that differ only by the swept axis and the seed. The group keys are the config
columns (``config.<dotted>``) that vary among the fitted runs, minus

- the seeds (:data:`SEED_COLUMNS`: ``config.seed``, and ``config.task.sample_seed``, the seed
  of an event generator's end-of-run samples, truth halves and classifiers: replicas too),
- the columns that set the swept axis: ``config.task.n_train`` for D; the numeric
  ``config.model.*`` sizes (width, depth, ...) for N; both plus the training length
  (``config.train.steps/epochs/flops``) for C and for the joint law; ``config.task.n_train``
  and the training length for the repetition law (its axes are the unique data ``D`` and the
  passes over it, ``epochs``; model sizes stay group keys: a fit in ``D'`` alone assumes one
  model),
- any column determined by the axis point as configured (e.g. a learning rate tuned per width,
  a training length scaled with D) or in one-to-one correspondence with a key already chosen
  (e.g. the dataset path of a process; ``config.task.process`` is preferred). The axis point
  is the tuple of the axis's own columns that vary (the model sizes for N, ``n_train`` for D),
  not the measured N or D: N also grows with the input dimension, so along N each process or
  jet multiplicity has N values of its own, yet it is a group, not part of the N point (only
  without such columns, the axis value itself). Categorical model settings
  (``config.model.family``, a readout, ...) are never dropped for following the axis: they
  name model families, which differ in N anyway,

or exactly the ``group_by`` columns when given.

Runs at or below zero. The laws fitted in log space of the metric (all but the ceilings) need
a metric ``> 0``. A metric that is a difference to its statistical floor (e.g.
``test_classifier_auc_excess``, an AUC minus the truth-vs-truth AUC) is at or below zero when a
generator is at its floor within noise: such runs are left out of their group's fit and named
in :attr:`GroupFit.excluded` (axis values and metric of each; :attr:`GroupFit.excluded_note`
says how many and where), never dropped silently, never a failed group.

Training lengths. Given a ``tolerance`` (a sweep with ``converge:``), :func:`load_sweep` lets
each point's runs at its converged length stand for it (:mod:`hepscaling.laws.convergence`,
chosen on the validation loss): ``done`` holds those, ``trained`` every finished run, and a
point not converged is left out of the fits with a note in :attr:`Sweep.length_notes`.

Single-axis laws: ``power``, ``log`` (:mod:`hepscaling.laws.loglaw`), ``ceiling``; ``compare``
fits ``log`` and the power law with and without floor and compares them
(:func:`hepscaling.laws.compare.compare_laws`, each form with its own hold-out check).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws.compare import LawComparison, compare_laws
from hepscaling.laws.convergence import length_verdict
from hepscaling.laws.direction import check_direction
from hepscaling.laws.extrapolation import ExtrapolationCheck, holdout_check
from hepscaling.laws.fit import fit_ceiling, fit_joint, fit_joint_ceiling, fit_power_law
from hepscaling.laws.loglaw import fit_log_law
from hepscaling.laws.repetition import fit_repetition
from hepscaling.laws.results import LawFit
from hepscaling.records import RunRecord, load_records, records_frame

__all__ = ["AXES", "LADDER_LOSS", "LAWS", "SEED_COLUMNS", "GroupFit", "Sweep", "config_column",
           "excluded_note", "fit_sweep", "group_keys", "group_label", "group_runs", "load_sweep",
           "scale_columns", "shown_value", "sweep_groups"]

AXES = ("D", "N", "C")
LAWS = ("power", "log", "compare", "joint", "ceiling", "joint_ceiling", "repetition")
#: config columns of replicas (never group keys): the run seed, an event generator's sample seed
SEED_COLUMNS = ("config.seed", "config.task.sample_seed")
_LENGTH_KEYS = ("config.train.steps", "config.train.epochs", "config.train.flops")
#: the loss a point's training length is chosen on (never the test metric the laws fit)
LADDER_LOSS = "metric.val_loss"
#: laws fitted to the metric itself in log space (the ceilings fit a shortfall instead)
_LOG_SPACE = ("power", "log", "compare", "joint", "repetition")
#: the scale columns of each law's points, named in the notes on excluded runs
_SCALES = {"joint": ("N", "D"), "repetition": ("D", "epochs")}


@dataclass(frozen=True)
class Sweep:
    """The runs of a directory: ``frame`` (all runs), ``trained`` (finished, with the metric),
    ``done`` (fittable: ``trained`` at each point's converged length when lengths are chosen,
    module docstring), ``not_done`` (diverged/failed/running or without the metric), the
    metric column name, the records themselves by run id (for what the frame does not hold,
    e.g. histograms) and ``length_notes``, one per point left out as not converged."""

    directory: Path
    frame: Any
    trained: Any
    done: Any
    not_done: Any
    metric: str
    records: dict[str, RunRecord]
    length_notes: tuple[str, ...] = ()

    def for_metric(self, metric: str) -> Sweep:
        """The same runs split for another ``metric`` (no records are read again).

        Raises
        ------
        UsageError
            No run has the metric.
        """
        return _split(self.directory, self.frame, self.records, metric, self.length_notes)


def load_sweep(directory: str | os.PathLike, metric: str = "test_mse_log",
               tolerance: float | None = None) -> Sweep:
    """Read all records under ``directory`` and split fittable from other runs; with a
    ``tolerance`` (:func:`hepscaling.laws.convergence.length_verdict`), fit each point at its
    converged training length only (module docstring).

    Raises
    ------
    UsageError
        No records, no run has the metric, or lengths are chosen and no run has a
        validation loss.
    """
    directory = Path(directory)
    # runs in scale order, not run-id order: run ids are hashes, so the bootstrap (which
    # resamples rows by position) would otherwise depend on them
    records = load_records(directory)
    frame = records_frame(records)
    if not frame.empty:
        frame = frame.sort_values(["D", "N", "C", "seed", "run_id"], kind="stable",
                                  ignore_index=True)
    if frame.empty:
        raise UsageError(f"no run records (record.json) under {directory}; point to a sweep or "
                         "run directory")
    notes: tuple[str, ...] = ()
    if tolerance is not None:
        frame, notes = _choose_lengths(frame, tolerance)
    return _split(directory, frame, {r.run_id: r for r in records}, metric, notes)


def _split(directory: Path, frame: Any, records: dict[str, RunRecord], metric: str,
           length_notes: tuple[str, ...] = ()) -> Sweep:
    column = f"metric.{metric}"
    if column not in frame.columns:
        known = sorted(c[7:] for c in frame.columns if c.startswith("metric."))
        raise UsageError(f"no run has metric {metric!r}; available: {', '.join(known) or 'none'} "
                         "(choose one with --metric)")
    values = frame[column].astype(float)
    ok = (frame["status"] == "done") & np.isfinite(values)
    fitted = ok & frame["fitted_length"].astype(bool) if "fitted_length" in frame.columns else ok
    return Sweep(directory, frame, frame[ok].reset_index(drop=True),
                 frame[fitted].reset_index(drop=True), frame[~ok].reset_index(drop=True),
                 column, records, length_notes)


def _choose_lengths(frame: Any, tolerance: float) -> tuple[Any, tuple[str, ...]]:
    """``frame`` with the columns ``length_verdict`` (text) and ``fitted_length`` (whether a
    run is at its point's converged length; runs of other points: True), and a note per point
    not converged. A point is the runs of one config but for seeds and training length."""
    if LADDER_LOSS not in frame.columns or "config.train.steps" not in frame.columns:
        raise UsageError("choosing converged training lengths needs runs with train.steps and "
                         "a validation loss (metric val_loss); rerun with a current hepscaling")
    frame = frame.copy()
    frame["length_verdict"], frame["fitted_length"] = "", True
    loss = frame[LADDER_LOSS].astype(float)
    trained = frame[(frame["status"] == "done") & np.isfinite(loss)]
    config = [c for c in frame.columns if c.startswith("config.")
              and c not in SEED_COLUMNS + _LENGTH_KEYS]
    shown = [c for c in config if trained[c].map(str).nunique() > 1]
    notes = []
    for _, rows in trained.groupby([trained[c].map(str) for c in config], sort=False):
        mean = rows.groupby("config.train.steps")[LADDER_LOSS].mean().sort_index()
        verdict = length_verdict(list(mean.index), list(mean.astype(float)), tolerance)
        frame.loc[rows.index, "length_verdict"] = verdict.text
        frame.loc[rows.index, "fitted_length"] = rows["config.train.steps"] == verdict.chosen
        if not verdict.converged:
            where = group_label({c: rows[c].iloc[0] for c in shown})
            notes.append(f"{where}: {verdict.text}; left out of the fits")
    return frame, tuple(notes)


def _axis_columns(columns: list[str], axis: str) -> set[str]:
    model = {c for c in columns if c.startswith("config.model.")}
    data = {"config.task.n_train"}
    if axis == "D":
        return data
    if axis == "N":
        return model
    if axis == "repetition":
        return data | set(_LENGTH_KEYS)
    return model | data | set(_LENGTH_KEYS)


def _determined_by(a: Any, b: Any) -> bool:
    """Whether every value of ``a`` comes with a single value of ``b`` (``b`` is a function of
    ``a``)."""
    pairs = a.map(str) + "\x00" + b.map(str)
    return pairs.nunique() == a.map(str).nunique()


def _one_to_one(a: Any, b: Any) -> bool:
    return _determined_by(a, b) and _determined_by(b, a)


def config_column(name: str) -> str:
    """The records-frame column of a config key given with or without ``config.``."""
    return name if name.startswith("config.") else f"config.{name}"


def scale_columns(done: Any, axis: str) -> set[str]:
    """The config columns of ``done`` that set the scale along ``axis`` (``D``, ``N``, ``C``,
    ``joint`` or ``repetition``: numeric model sizes, data size, training length; see the
    module docstring), never group keys of its fits."""
    config = [c for c in done.columns if c.startswith("config.")]
    return {c for c in _axis_columns(config, axis)
            if not c.startswith("config.model.") or _is_numeric(done[c])}


def group_keys(done: Any, axis: str, group_by: list[str] | None = None) -> list[str]:
    """Config columns defining the groups of ``done`` for ``axis`` (``D``, ``N``, ``C``,
    ``joint`` or ``repetition``); see the module docstring."""
    if group_by:
        cols = [config_column(c) for c in group_by]
        missing = [c for c in cols if c not in done.columns]
        if missing:
            raise UsageError(f"--group-by column(s) not in the records: {', '.join(missing)} "
                             "(use dotted config keys, e.g. config.task.dataset)")
        return cols
    config = [c for c in done.columns if c.startswith("config.")]
    varying = [c for c in config if done[c].map(str).nunique() > 1]
    scale = scale_columns(done, axis)
    settings = [c for c in varying if c in scale]
    if settings:  # the axis point as configured (N is also set by the data's dimensions)
        point = done[settings].map(str).agg("\x00".join, axis=1)
    else:
        pair = {"joint": ["N", "D"], "repetition": ["D", "epochs"]}.get(axis)
        point = done[pair].map(str).agg("/".join, axis=1) if pair else done[axis]
    keys: list[str] = []
    for c in sorted(varying, key=lambda c: c != "config.task.process"):
        if c in SEED_COLUMNS or c in scale:
            continue
        categorical_model = c.startswith("config.model.") and not _is_numeric(done[c])
        if (_determined_by(point, done[c]) and not categorical_model) or \
                any(_one_to_one(done[c], done[k]) for k in keys):
            continue
        keys.append(c)
    return keys


def _is_numeric(series: Any) -> bool:
    return bool(np.all([isinstance(v, int | float) and not isinstance(v, bool)
                        for v in series if v is not None]))


def sweep_groups(done: Any, axis: str, group_by: list[str] | None = None
                 ) -> list[tuple[dict[str, Any], Any]]:
    """``(key, runs)`` per group of the runs ``done`` along ``axis`` (:func:`group_keys`;
    ``key``: config column -> value), ordered by the keys (numbers numerically)."""
    return group_runs(done, group_keys(done, axis, group_by))


def group_runs(done: Any, keys: list[str]) -> list[tuple[dict[str, Any], Any]]:
    """The groups of the runs ``done`` by the config columns ``keys``: (column -> value, the
    group's rows), in natural order of the values."""
    grouped = done.groupby([done[k].map(str) for k in keys], sort=True) if keys \
        else [((), done)]
    return [(dict(zip(keys, (runs[k].iloc[0] for k in keys), strict=True)), runs)
            for _, runs in sorted(grouped, key=lambda item: _natural(item[1], keys))]


@dataclass(frozen=True)
class GroupFit:
    """One group's fit: ``key`` (config column -> value), its fitted runs, the fit or the
    reason it failed, and the extrapolation check (``None`` if not requested or not possible;
    a :class:`~hepscaling.laws.compare.LawComparison` carries one per form). ``excluded``: the
    runs left out because their metric is ``<= 0`` (module docstring), each as its scale
    values and ``value``, the metric."""

    key: dict[str, Any]
    runs: Any
    fit: LawFit | LawComparison | None
    error: str | None = None
    check: ExtrapolationCheck | None = None
    check_error: str | None = None
    excluded: tuple[dict[str, float], ...] = ()

    @property
    def excluded_note(self) -> str | None:
        """How many runs were left out of the fit and where (``None``: none)."""
        return excluded_note(self.excluded)

    @property
    def label(self) -> str:
        """Short human label: ``name=value`` pairs (last component of each key, file paths by
        their stem: a spec's dataset ``@tth`` reads ``dataset=tth``, not its resolved path)."""
        return group_label(self.key)


def excluded_note(excluded: Sequence[dict[str, float]]) -> str | None:
    """The note on the runs of :attr:`GroupFit.excluded` (``None``: none): how many, and the
    scale values and metric of each, e.g. ``2 run(s) with the metric <= 0 (...) left out of
    the log-space fit: D = 100 (-0.001); D = 320 (0)``."""
    if not excluded:
        return None
    where = "; ".join(", ".join(f"{k} = {v:g}" for k, v in e.items() if k != "value")
                      + f" ({e['value']:.3g})" for e in excluded)
    return (f"{len(excluded)} run(s) with the metric <= 0 (an excess at or below its floor) "
            f"left out of the log-space fit: {where}")


def group_label(key: dict[str, Any]) -> str:
    """``name=value`` pairs of a group's ``key`` (config column -> value): the last component
    of each column, values by :func:`shown_value`; ``all`` for no key."""
    return ", ".join(f"{k.rsplit('.', 1)[-1]}={shown_value(v)}" for k, v in key.items()) or "all"


def shown_value(value: Any) -> str:
    """A grouping value as labels show it: a file path (a string with a ``/`` ending in a
    suffix) by its stem, anything else as ``str``."""
    text = str(value)
    path = Path(text)
    return path.stem if "/" in text and path.suffix else text


def _fit_one(runs: Any, law: str, axis: str, metric: str, options: dict[str, Any],
             holdout: int) -> LawFit | LawComparison:
    y = runs[metric].to_numpy(float)
    if law in ("joint", "joint_ceiling"):
        fit = fit_joint if law == "joint" else fit_joint_ceiling
        return fit(runs["N"].to_numpy(float), runs["D"].to_numpy(float), y, **options)
    if law == "repetition":
        epochs = runs["epochs"].to_numpy(float)
        if not np.all(epochs > 0):
            raise UsageError(f"{int(np.sum(~(epochs > 0)))} run record(s) carry no epochs "
                             "(epochs = 0); the repetition law needs the passes over D of "
                             "each run (rerun them with a current hepscaling train)")
        return fit_repetition(runs["D"].to_numpy(float), epochs, y, **options)
    x = runs[axis].to_numpy(float)
    if law == "ceiling":
        return fit_ceiling(x, y, **options)
    if law == "log":
        return fit_log_law(x, y, **options)
    if law == "compare":
        return compare_laws(x, y, holdout=holdout, **options)
    return fit_power_law(x, y, **options)


def fit_sweep(sweep: Sweep, *, law: str = "power", axis: str = "D", floor: bool = True,
              group_by: list[str] | None = None, bootstrap: int = 200, seed: int = 0,
              level: float = 0.68, holdout: int = 1, huber_delta: float | None = None
              ) -> list[GroupFit]:
    """Fit ``law`` along ``axis`` in every group of ``sweep.done``.

    ``law="joint"`` fits ``L(N, D)``, ``law="joint_ceiling"`` the ceiling ``A(N, D)`` of a
    metric that grows (:func:`hepscaling.laws.fit.fit_joint_ceiling`); ``law="repetition"``
    fits the loss in the effective data size of each run's unique samples ``D`` and its
    ``epochs`` (see :mod:`hepscaling.laws.repetition`); these ignore ``axis``. A group that
    cannot be fitted (too few runs, no repeated runs, ...) gets ``fit=None`` and the reason in
    ``error`` instead of stopping the others. ``holdout`` largest scale points (``X``;
    ``N * D`` for the joint laws; samples seen ``D * epochs`` for the repetition law) are used
    for the extrapolation check (0: none). ``huber_delta``: the fits' Huber threshold (``None``:
    from the data; see :func:`hepscaling.laws.fit.fit_power_law`). A law fitting the other
    direction than the metric's (a ceiling on a loss, a power law on an AUC) is refused
    (:func:`hepscaling.laws.direction.check_direction`).
    """
    if law not in LAWS:
        raise UsageError(f"unknown law {law!r}; choose one of {', '.join(LAWS)}")
    check_direction(law, sweep.metric)
    if axis not in AXES:
        raise UsageError(f"unknown axis {axis!r}; choose one of {', '.join(AXES)}")
    if sweep.done.empty:
        raise UsageError(f"no finished run with metric {sweep.metric[7:]!r} under "
                         f"{sweep.directory} ({len(sweep.not_done)} runs not done)")
    if law == "repetition" and not np.any(sweep.done["epochs"].to_numpy(float) > 1.0):
        raise UsageError(f"no finished run under {sweep.directory} repeats its data (max epochs "
                         f"{sweep.done['epochs'].max():g}); the repetition law needs runs "
                         "trained for more than one pass over D: add runs with train.epochs > 1")
    grouping = {"joint": "joint", "joint_ceiling": "joint", "repetition": "repetition"}
    options: dict[str, Any] = dict(bootstrap=bootstrap, seed=seed, level=level,
                                   huber_delta=huber_delta)
    if law == "power":
        options["floor"] = floor
    out = []
    for key, runs in sweep_groups(sweep.done, grouping.get(law, axis), group_by):
        runs, excluded = _at_or_below_zero(runs, law, axis, sweep.metric)
        try:
            fit = _fit_one(runs, law, axis, sweep.metric, options, holdout)
        except UsageError as exc:
            out.append(GroupFit(key, runs, None, str(exc), excluded=excluded))
            continue
        check, check_error = None, None
        if holdout and isinstance(fit, LawFit):
            try:
                check = holdout_check(fit, holdout)
            except UsageError as exc:
                check_error = str(exc)
        out.append(GroupFit(key, runs, fit, None, check, check_error, excluded))
    return out


def _at_or_below_zero(runs: Any, law: str, axis: str, metric: str
                      ) -> tuple[Any, tuple[dict[str, float], ...]]:
    """The runs of a group a ``law`` can fit, and the scale values and metric of those left
    out for a metric ``<= 0`` (only the log-space laws; sorted by scale)."""
    values = runs[metric].to_numpy(float)
    if law not in _LOG_SPACE or np.all(values > 0):
        return runs, ()
    scales = list(_SCALES.get(law, (axis,)))
    below = runs[values <= 0].sort_values(scales, kind="stable")
    excluded = tuple({**{c: float(r[c]) for c in scales}, "value": float(r[metric])}
                     for _, r in below.iterrows())
    return runs[values > 0], excluded


def _natural(runs: Any, keys: list[str]) -> tuple:
    """Sort key of a group: numbers numerically, then everything else as text."""
    values = [runs[k].iloc[0] for k in keys]
    return tuple((0, float(v), "") if isinstance(v, int | float | np.number)
                 and not isinstance(v, bool) else (1, 0.0, str(v)) for v in values)
