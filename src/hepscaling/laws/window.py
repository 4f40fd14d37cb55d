"""The learnable window of jet generation, measured two ways from run records.

The paper's definition (arXiv:2605.28940) was not retrievable; these are operational ones.

(a) Loss window (:func:`loss_window`): ``W = L_ref - L_inf``, the gap between a zero-parameter
    model's loss ``L_ref`` (the per-position unigram of the training split,
    ``test_baseline_unigram``) and the floor ``L_inf`` of the loss fitted along one axis (the
    power law with floor, :func:`hepscaling.laws.fit.fit_power_law`). A run with loss ``L``
    realises the fraction ``f = (L_ref - L) / (L_ref - L_inf)`` of it, with its own ``L_ref``
    (the unigram depends on the training split, so on D). The floor's bootstrap replicates give
    the intervals; when the fit does not determine the floor, neither are W and f.
(b) Positional window (:func:`position_window`): per target position ``t`` (0 = the hardest
    constituent, the last one the STOP token), the mean loss ``l_t`` over seeds at each scale.
    Going from scale ``X_i`` to the next larger ``X_{i+1}``, position ``t`` is in the window of
    ``X_i`` when the loss falls by more than ``z`` seed-noise standard errors:
    ``l_t(X_i) - l_t(X_{i+1}) > z sqrt(s_t^2 / m_i + s_t^2 / m_{i+1})``, ``s_t`` the seed
    standard deviation pooled over every scale with two or more seeds, ``m_i`` the seeds at
    ``X_i``. Positions without targets (``nan``) are never in it.

Records: ``test_position_loss`` histograms (edges ``0 .. T + 1``, counts = mean loss per
position, written by :mod:`hepscaling.tasks.generation`); :func:`position_losses` reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws.bootstrap import percentile_interval
from hepscaling.laws.fit import check_positive, fit_power_law
from hepscaling.laws.interval import Interval
from hepscaling.laws.results import LawFit

__all__ = ["POSITION_HISTOGRAM", "LossWindow", "PositionWindow", "loss_window",
           "position_losses", "position_window", "window_sweep"]

#: Record histogram of the per-position test loss.
POSITION_HISTOGRAM = "test_position_loss"
#: Default threshold of the positional window, in seed-noise standard errors.
Z_DEFAULT = 2.0


@dataclass(frozen=True)
class LossWindow:
    """The loss window and the fraction of it each run realises.

    Attributes
    ----------
    x, loss, reference : float64 (n,)
        Scale, loss and unigram baseline ``L_ref`` of each run.
    floor : Interval
        Fitted floor ``L_inf``.
    width : Interval
        ``median(L_ref) - L_inf``.
    fraction : float64 (n,)
        ``(L_ref - L) / (L_ref - L_inf)`` per run; ``low``/``high`` (n,) its interval.
    determined : bool
        Whether the fit determines the floor (else W and f are not determined).
    fit : LawFit
        The power law with floor the floor comes from.
    """

    x: np.ndarray
    loss: np.ndarray
    reference: np.ndarray
    floor: Interval
    width: Interval
    fraction: np.ndarray
    low: np.ndarray
    high: np.ndarray
    determined: bool
    fit: LawFit

    def by_scale(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct scales (m,) and the mean realised fraction over the runs at each (m,)."""
        scales, inverse = np.unique(self.x, return_inverse=True)
        return scales, np.bincount(inverse, self.fraction) / np.bincount(inverse)

    def summary(self) -> str:
        """Multi-line text: floor, width and the mean fraction at each scale."""
        if not self.determined:
            return ("loss window not determined: the fit does not determine the floor L_inf "
                    f"({'; '.join(self.fit.notes) or 'see the fit'})")
        lines = [f"loss window W = L_ref - L_inf = {self.width}  (L_inf = {self.floor}, "
                 f"L_ref = median unigram baseline {np.median(self.reference):.4g})"]
        lines += [f"  X = {s:.4g}: realised fraction {f:.3f}" for s, f in zip(
            *self.by_scale(), strict=True)]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        scales, mean = self.by_scale()
        return {"determined": self.determined, "floor": self.floor.to_dict(),
                "width": self.width.to_dict(), "x": self.x.tolist(),
                "fraction": self.fraction.tolist(), "low": self.low.tolist(),
                "high": self.high.tolist(), "scales": scales.tolist(),
                "mean_fraction": mean.tolist(), "fit": self.fit.to_dict()}


def loss_window(x: object, loss: object, reference: object, *, bootstrap: int = 200,
                seed: int = 0, level: float = 0.68) -> LossWindow:
    """The loss window from runs along one axis (module docstring, (a)).

    Parameters
    ----------
    x : float64 (n,)
        Scale of each run (N, D or C), > 0.
    loss : float64 (n,)
        Loss of each run (nats per token), > 0.
    reference : float64 (n,)
        The run's unigram baseline ``test_baseline_unigram`` (nats per token).
    bootstrap, seed, level
        As in :func:`hepscaling.laws.fit.fit_power_law`.

    Raises
    ------
    UsageError
        Bad input (as :func:`~hepscaling.laws.fit.fit_power_law`).
    """
    loss = check_positive("loss", loss)
    reference = check_positive("reference (unigram baseline)", reference, loss.size)
    fit = fit_power_law(x, loss, floor=True, bootstrap=bootstrap, seed=seed, level=level)
    x = fit.data["x"]
    k = fit.params["k"]
    k_samples = fit.samples[:, list(fit.params).index("k")]
    floor = Interval(k, *percentile_interval(k_samples, level), level)
    ref = float(np.median(reference))
    width = Interval(ref - k, ref - floor.high, ref - floor.low, level)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = (reference - loss) / (reference - k)
        per = (reference - loss)[None, :] / (reference[None, :] - k_samples[:, None])
    bounds = np.array([percentile_interval(per[:, i], level) for i in range(loss.size)])
    low, high = (bounds[:, 0], bounds[:, 1]) if bounds.size else (fraction * np.nan,) * 2
    determined = "k" not in fit.undetermined and bool(np.all(reference > k))
    return LossWindow(x, loss, reference, floor, width, fraction, low, high, determined, fit)


@dataclass(frozen=True)
class PositionWindow:
    """Where larger scales still lower the per-position loss.

    Attributes
    ----------
    scales : float64 (m,)
        Distinct scales, increasing.
    mean : float64 (m, P)
        Mean loss per position over the seeds at each scale.
    seeds : int (m,)
        Runs at each scale.
    noise : float64 (P,)
        Pooled seed standard deviation per position.
    gain : float64 (m - 1, P)
        ``mean[i] - mean[i + 1]``.
    inside : bool (m - 1, P)
        Whether position ``t`` is in the window of ``scales[i]``.
    z : float
        Threshold in standard errors.
    """

    scales: np.ndarray
    mean: np.ndarray
    seeds: np.ndarray
    noise: np.ndarray
    gain: np.ndarray
    inside: np.ndarray
    z: float

    @property
    def sizes(self) -> np.ndarray:
        """Number of window positions at each scale but the largest, int (m - 1,)."""
        return self.inside.sum(axis=1)

    def positions(self, i: int) -> np.ndarray:
        """Window positions of ``scales[i]``, int (k,)."""
        return np.flatnonzero(self.inside[i])

    def summary(self) -> str:
        """One line per scale step: the window's size and its positions."""
        lines = [f"positions where the next larger scale lowers the loss by > {self.z:g} "
                 "seed-noise standard errors (0 = hardest constituent):"]
        for i in range(self.scales.size - 1):
            lines.append(f"  X = {self.scales[i]:.4g} -> {self.scales[i + 1]:.4g}: "
                         f"{self.sizes[i]} positions {_ranges(self.positions(i))}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {"z": self.z, "scales": self.scales.tolist(), "seeds": self.seeds.tolist(),
                "sizes": self.sizes.tolist(),
                "positions": [self.positions(i).tolist() for i in range(self.scales.size - 1)],
                "mean": np.where(np.isfinite(self.mean), self.mean, np.nan).tolist(),
                "noise": self.noise.tolist()}


def _ranges(positions: np.ndarray) -> str:
    """``[0-3, 7]`` for positions 0, 1, 2, 3, 7."""
    if positions.size == 0:
        return "[]"
    breaks = np.flatnonzero(np.diff(positions) > 1) + 1
    parts = [f"{p[0]}-{p[-1]}" if p.size > 1 else f"{p[0]}"
             for p in np.split(positions, breaks)]
    return "[" + ", ".join(parts) + "]"


def position_window(x: object, curves: object, *, z: float = Z_DEFAULT) -> PositionWindow:
    """The positional window (module docstring, (b)).

    Parameters
    ----------
    x : float64 (n,)
        Scale of each run (N or D), > 0.
    curves : float64 (n, P)
        Per-position loss of each run (``nan`` where a position has no target).
    z : float
        Threshold in seed-noise standard errors.

    Raises
    ------
    UsageError
        Fewer than 2 distinct scales, no scale with two seeds (no noise estimate), shapes.
    """
    curves = np.asarray(curves, dtype=float)
    x = check_positive("x", x)
    if curves.ndim != 2 or curves.shape[0] != x.size:
        raise UsageError(f"curves must be (runs, positions) with {x.size} runs, got shape "
                         f"{curves.shape}")
    scales, inverse, seeds = np.unique(x, return_inverse=True, return_counts=True)
    if scales.size < 2:
        raise UsageError(f"the positional window needs at least 2 distinct scales, got "
                         f"{scales.size}; sweep the axis")
    if seeds.max() < 2:
        raise UsageError("the positional window needs at least 2 seeds at some scale to measure "
                         "the seed noise; add seeds")
    mean = np.stack([np.mean(curves[inverse == i], axis=0) for i in range(scales.size)])
    centred = curves - mean[inverse]
    dof = int(np.sum(seeds - 1))
    noise = np.sqrt(np.sum(centred ** 2, axis=0) / dof)
    gain = mean[:-1] - mean[1:]
    error = noise[None, :] * np.sqrt(1.0 / seeds[:-1, None] + 1.0 / seeds[1:, None])
    with np.errstate(invalid="ignore"):
        inside = np.isfinite(gain) & (gain > z * error)
    return PositionWindow(scales, mean, seeds, noise, gain, inside, float(z))


def position_losses(records: list[Any], axis: str,
                    name: str = POSITION_HISTOGRAM) -> tuple[np.ndarray, np.ndarray]:
    """Scale and per-position loss of each record carrying histogram ``name``.

    Parameters
    ----------
    records : list of RunRecord
        Finished runs (e.g. of one group).
    axis : str
        ``N`` (``n_params``), ``D`` (``n_train``) or ``C`` (``flops``).

    Returns
    -------
    x : float64 (n,)
    curves : float64 (n, P)

    Raises
    ------
    UsageError
        An unknown axis, no record with the histogram, or records of different lengths.
    """
    attribute = {"N": "n_params", "D": "n_train", "C": "flops"}.get(axis)
    if attribute is None:
        raise UsageError(f"unknown axis {axis!r}; choose N, D or C")
    kept = [r for r in records if name in r.histograms]
    if not kept:
        raise UsageError(f"no run record has the histogram {name!r}; it is written by "
                         "jet_generation runs (hepscaling train with task.kind jet_generation)")
    lengths = {len(r.histograms[name]["counts"]) for r in kept}
    if len(lengths) > 1:
        raise UsageError(f"{name} has different lengths {sorted(lengths)} across runs (different "
                         "max_constituents); select runs of one T with --group-by")
    x = np.array([float(getattr(r, attribute)) for r in kept])
    curves = np.array([[np.nan if v is None else v for v in r.histograms[name]["counts"]]
                       for r in kept], dtype=float)
    return x, curves


def window_sweep(sweep: Any, axis: str, *, reference: str = "test_baseline_unigram",
                 group_by: list[str] | None = None, z: float = Z_DEFAULT,
                 bootstrap: int = 200, seed: int = 0, level: float = 0.68
                 ) -> list[dict[str, Any]]:
    """Both windows per group of a :class:`~hepscaling.laws.sweep.Sweep` along ``axis``
    (groups as for a fit along ``axis``; the sweep's metric is the loss).

    Returns one dict per group: ``key``, ``n_runs``, ``loss`` (:class:`LossWindow` or the
    reason it failed) and ``positions`` (:class:`PositionWindow` or the reason).

    Raises
    ------
    UsageError
        No run has the ``reference`` metric.
    """
    from hepscaling.laws.sweep import group_keys

    refs = sweep.for_metric(reference)
    done = sweep.done[sweep.done["run_id"].isin(set(refs.done["run_id"]))]
    if done.empty:
        raise UsageError(f"no finished run has both {sweep.metric[7:]!r} and {reference!r}")
    keys = group_keys(done, axis, group_by)
    groups = done.groupby([done[k].map(str) for k in keys], sort=True) if keys \
        else [((), done)]
    out = []
    for _, runs in groups:
        row: dict[str, Any] = {"key": {k: runs[k].iloc[0] for k in keys}, "n_runs": len(runs)}
        ref = runs["run_id"].map(refs.done.set_index("run_id")[refs.metric])
        try:
            row["loss"] = loss_window(runs[axis].to_numpy(float),
                                      runs[sweep.metric].to_numpy(float),
                                      ref.to_numpy(float), bootstrap=bootstrap, seed=seed,
                                      level=level)
        except UsageError as exc:
            row["loss"] = str(exc)
        try:
            x, curves = position_losses([sweep.records[i] for i in runs["run_id"]], axis)
            row["positions"] = position_window(x, curves, z=z)
        except UsageError as exc:
            row["positions"] = str(exc)
        out.append(row)
    return out
