"""Loss versus compute from training curves: the lower envelope of every run's (C, L) points.

Every evaluation of every run is a point ``(C, L)``: ``C`` the training compute spent up to it
(record curve ``flops``, FLOPs) and ``L`` the validation loss then (curve ``val_loss``). The
lower envelope is the best loss any run of a group reached with at most that compute (as
Kaplan et al. 2020 read ``L(C)`` off the curves of a size scan): sorted by ``C`` (equal ``C``:
lower ``L`` first), a point is on the envelope when its loss is below every loss before it.
The envelope is then fitted like any single-axis scan, with the log law and the power laws
compared (:func:`hepscaling.laws.compare.compare_laws`).

    >>> c = np.array([1.0, 2.0, 2.0, 3.0, 4.0])
    >>> loss = np.array([5.0, 4.0, 6.0, 4.5, 3.0])
    >>> lower_envelope(c, loss).tolist()
    [0, 1, 4]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.laws.compare import LawComparison, compare_laws

__all__ = ["ComputeEnvelope", "curve_points", "envelope_sweep", "lower_envelope"]

#: Record curves of the compute and of the loss.
COMPUTE_CURVE, LOSS_CURVE = "flops", "val_loss"


def lower_envelope(c: object, loss: object) -> np.ndarray:
    """Indices (k,) of the points on the lower envelope of ``loss`` float64 (n,) versus
    compute ``c`` float64 (n,), in increasing ``c`` (module docstring)."""
    c, loss = np.asarray(c, dtype=float), np.asarray(loss, dtype=float)
    if c.shape != loss.shape or c.ndim != 1:
        raise UsageError(f"compute and loss must be 1-d arrays of one length, got shapes "
                         f"{c.shape} and {loss.shape}")
    order = np.lexsort((loss, c))
    best_before = np.minimum.accumulate(np.concatenate([[np.inf], loss[order]]))[:-1]
    return order[loss[order] < best_before]


def curve_points(records: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``(C, L)`` points of the ``records``' curves (module docstring): compute float64
    (n,) in FLOPs, validation loss float64 (n,) and the index of the record of each point
    int (n,); evaluations without a finite positive value are left out."""
    c, loss, run = [], [], []
    for i, record in enumerate(records):
        curves = record.curves
        for x, y in zip(curves.get(COMPUTE_CURVE, []), curves.get(LOSS_CURVE, []), strict=False):
            if x is not None and y is not None and x > 0 and y > 0 and np.isfinite(x + y):
                c.append(x)
                loss.append(y)
                run.append(i)
    return np.array(c, dtype=float), np.array(loss, dtype=float), np.array(run, dtype=int)


@dataclass(frozen=True)
class ComputeEnvelope:
    """One group's loss-versus-compute envelope.

    Attributes
    ----------
    key : dict
        Config column -> value of the group.
    c, loss : float64 (n,)
        Every curve point of the group (FLOPs, nats per token).
    run : int (n,)
        Index of each point's run in ``run_ids``.
    run_ids : list of str
        The group's runs.
    envelope : int (k,)
        Indices of the envelope points, increasing ``c``.
    fit : LawComparison or str
        The forms compared on the envelope points, or why they were not.
    """

    key: dict[str, Any]
    c: np.ndarray
    loss: np.ndarray
    run: np.ndarray
    run_ids: list[str]
    envelope: np.ndarray
    fit: LawComparison | str

    @property
    def label(self) -> str:
        """``classes=('QCD',)`` style label of the group, ``all`` for none."""
        return ", ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in self.key.items()) or "all"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the envelope points and the comparison)."""
        fit = self.fit.to_dict() if isinstance(self.fit, LawComparison) else self.fit
        return {"key": {k: str(v) for k, v in self.key.items()}, "n_runs": len(self.run_ids),
                "n_points": int(self.c.size), "envelope_c": self.c[self.envelope].tolist(),
                "envelope_loss": self.loss[self.envelope].tolist(), "fit": fit}


def envelope_sweep(sweep: Any, *, group_by: list[str] | None = None, holdout: int = 1,
                   bootstrap: int = 200, seed: int = 0, level: float = 0.68
                   ) -> list[ComputeEnvelope]:
    """The envelope of each group of a :class:`~hepscaling.laws.sweep.Sweep` (groups as for
    a fit along ``C``), with the log law and power laws compared on it (``holdout`` largest
    envelope points held out; ``bootstrap``, ``seed``, ``level`` as in
    :func:`~hepscaling.laws.compare.compare_laws`).

    Raises
    ------
    UsageError
        No finished run has loss curves.
    """
    from hepscaling.laws.sweep import group_keys

    done = sweep.done
    keys = group_keys(done, "C", group_by)
    groups = done.groupby([done[k].map(str) for k in keys], sort=True) if keys \
        else [((), done)]
    out = []
    for _, runs in groups:
        run_ids = list(runs["run_id"])
        c, loss, run = curve_points([sweep.records[i] for i in run_ids])
        if c.size == 0:
            continue
        envelope = lower_envelope(c, loss)
        fit: LawComparison | str
        try:
            fit = compare_laws(c[envelope], loss[envelope], holdout=holdout,
                               bootstrap=bootstrap, seed=seed, level=level)
        except UsageError as exc:
            fit = str(exc)
        out.append(ComputeEnvelope({k: runs[k].iloc[0] for k in keys}, c, loss, run, run_ids,
                                   envelope, fit))
    if not out:
        raise UsageError(f"no finished run has {LOSS_CURVE!r} and {COMPUTE_CURVE!r} curves; "
                         "train with train.eval_every set")
    return out
