"""Compute-optimal frontier N*(C), D*(C): from the joint law and from IsoFLOP parabola minima.

Compute relation: a run with N trainable parameters that processes D training samples costs
``C = D * flops_per_sample(N)`` FLOPs; the default ``flops_per_sample(N) = 6 N`` (forward
``2 N`` per sample for dense layers, backward about twice that), i.e. ``C = 6 N D`` with D the
number of samples processed (one pass; repeated data: see :mod:`hepscaling.laws.repetition`).
Any other relation is passed as a callable.

- From the joint law ``L = E + A N^-alpha + B D^-beta``: minimise ``L(N, C / f(N))`` over
  ``N``. For ``f = 6 N`` the closed form is ``N* = G (C/6)^(beta/(alpha+beta))``,
  ``D* = (C/6)^(alpha/(alpha+beta)) / G`` with ``G = (alpha A / (beta B))^(1/(alpha+beta))``
  (Hoffmann et al. 2022, eq. 4); other relations are minimised numerically in ``log N``.
- IsoFLOP (Chinchilla approach 2): runs are grouped into compute budgets, a parabola in
  ``log N`` is fitted to ``log L`` per budget, its vertex gives ``N_opt(C)``;
  ``D_opt = C / (k N_opt)`` with ``k`` the budget's median measured ``C / (N D)`` (so the
  records' own FLOP accounting is used). Power laws ``N_opt = n0 C^a``, ``D_opt = d0 C^b`` are
  then fitted by least squares in log-log; bootstrap replicates resample runs within each
  budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from hepscaling.errors import UsageError
from hepscaling.laws.bootstrap import percentile_interval
from hepscaling.laws.forms import joint_law
from hepscaling.laws.interval import Interval

__all__ = ["IsoFlopFrontier", "compute_for_loss", "compute_optimal", "isoflop_frontier",
           "joint_loss"]

FlopsPerSample = Callable[[float], float]

#: ``log C`` beyond which a budget counts as unreachable: ``exp`` overflows float64 just above
#: 709 (``C ~ 1.8e308`` FLOPs), so no larger compute is representable.
_LOG_C_MAX = 700.0


def joint_loss(params: dict[str, float], n: np.ndarray | float,
               d: np.ndarray | float) -> np.ndarray:
    """:func:`hepscaling.laws.forms.joint_law` at ``n`` parameters and ``d`` samples, float64
    (m,) each, with the named parameters ``params`` (``E, A, alpha, B, beta``)."""
    return joint_law(np.asarray(n, dtype=float), np.asarray(d, dtype=float), params["E"],
                     params["A"], params["alpha"], params["B"], params["beta"])


def compute_optimal(params: dict[str, float], C: np.ndarray | float,
                    flops_per_sample: FlopsPerSample | None = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compute-optimal allocation for budgets ``C`` float64 (m,) FLOPs.

    Parameters
    ----------
    params : dict
        Joint-law parameters ``E, A, alpha, B, beta``.
    C : float64 (m,)
        Compute budgets in FLOPs.
    flops_per_sample : callable, optional
        Training FLOPs per sample as a function of N; default ``6 N``.

    Returns
    -------
    N_opt, D_opt, L_opt : float64 (m,)
    """
    c = np.atleast_1d(np.asarray(C, dtype=float))
    alpha, beta = params["alpha"], params["beta"]
    if flops_per_sample is None:
        g = (alpha * params["A"] / (beta * params["B"])) ** (1.0 / (alpha + beta))
        n = g * (c / 6.0) ** (beta / (alpha + beta))
        d = c / (6.0 * n)
    else:
        n = np.empty_like(c)
        for i, ci in enumerate(c):
            def objective(log_n: float, ci: float = ci) -> float:
                nn = np.exp(log_n)
                return float(np.log(joint_loss(params, nn, ci / flops_per_sample(nn))))
            hi = np.log(ci)  # N between 1 and C: at least one FLOP per sample per parameter
            # xatol in log N: N* to a relative 1e-8, far below any bootstrap spread
            n[i] = np.exp(minimize_scalar(objective, bounds=(0.0, hi), method="bounded",
                                          options={"xatol": 1e-8}).x)
        d = c / np.array([flops_per_sample(x) for x in n])
    return n, d, joint_loss(params, n, d)


def compute_for_loss(params: dict[str, float], target: float,
                     flops_per_sample: FlopsPerSample | None = None) -> float:
    """Smallest compute (FLOPs) whose compute-optimal loss reaches ``target``; ``inf`` if the
    target is at or below the floor ``E``."""
    if target <= params["E"]:
        return float("inf")

    def gap(log_c: float) -> float:
        return float(compute_optimal(params, np.exp(log_c), flops_per_sample)[2][0] - target)

    # bracket the root in log C: start at C in [1, e^10 ~ 2e4] FLOPs (below any real training
    # run) and double the upper end until the target is reached or C is not representable
    lo, hi = 0.0, 10.0
    while gap(hi) > 0:
        lo, hi = hi, hi * 2
        if hi > _LOG_C_MAX:
            return float("inf")
    if gap(lo) <= 0:
        return float(np.exp(lo))
    # xtol in log C: C to a relative 1e-10 (the inversion tests check 1e-9 in the loss)
    return float(np.exp(brentq(gap, lo, hi, xtol=1e-10, rtol=1e-12)))


@dataclass(frozen=True)
class IsoFlopFrontier:
    """IsoFLOP minima and the power laws through them.

    Attributes
    ----------
    budgets : float64 (m,)
        Budget compute (median C of the budget's runs), FLOPs.
    n_opt, d_opt, loss_opt : float64 (m,)
        Parabola vertex per budget: N, D and the loss there.
    a, b : Interval
        Exponents of ``N_opt ~ C^a`` and ``D_opt ~ C^b`` with their bootstrap intervals.
    n0, d0 : float
        Prefactors of the two power laws (FLOPs in C).
    level : float
    skipped : list of str
        Budgets left out and why (too few sizes, no minimum inside).
    """

    budgets: np.ndarray
    n_opt: np.ndarray
    d_opt: np.ndarray
    loss_opt: np.ndarray
    a: Interval
    b: Interval
    n0: float
    d0: float
    level: float
    skipped: list[str]


def _budget_labels(C: np.ndarray, rtol: float) -> np.ndarray:
    order = np.argsort(C)
    labels = np.empty(C.size, dtype=int)
    label, prev = 0, C[order[0]]
    for i in order:
        if C[i] > prev * (1.0 + rtol):
            label += 1
        labels[i], prev = label, C[i]
    return labels


Vertex = tuple[float, float, float, float]  # budget C, N_opt, D_opt, loss at the vertex


def _vertices(N: np.ndarray, D: np.ndarray, C: np.ndarray, L: np.ndarray,
              idx_per_budget: dict[int, np.ndarray]) -> list[tuple[int, Vertex | None, str]]:
    """Per budget (label -> run indices): its label, the parabola vertex (``None`` if there is
    none inside the sizes tried) and why not."""
    out: list[tuple[int, Vertex | None, str]] = []
    for b, idx in idx_per_budget.items():
        x, y = np.log(N[idx]), np.log(L[idx])
        if np.unique(x).size < 3:
            out.append((b, None, f"only {np.unique(x).size} model sizes"))
            continue
        p2, p1, p0 = np.polyfit(x, y, 2)
        x_opt = -p1 / (2 * p2) if p2 > 0 else np.nan
        if not (p2 > 0 and x.min() <= x_opt <= x.max()):
            out.append((b, None, "no loss minimum inside the sizes tried"))
            continue
        k = float(np.median(C[idx] / (N[idx] * D[idx])))
        c = float(np.median(C[idx]))
        n = float(np.exp(x_opt))
        out.append((b, (c, n, c / (k * n), float(np.exp(p2 * x_opt**2 + p1 * x_opt + p0))), ""))
    return out


def _first(items: list[str], n: int = 3) -> str:
    more = f"; and {len(items) - n} more" if len(items) > n else ""
    return "; ".join(items[:n]) + more


def isoflop_frontier(N: np.ndarray, D: np.ndarray, C: np.ndarray, L: np.ndarray, *,
                     budget_rtol: float = 0.05, bootstrap: int = 200, seed: int = 0,
                     level: float = 0.68) -> IsoFlopFrontier:
    """Chinchilla approach 2 on runs ``N, D, C, L`` float64 (n,) (params, samples, FLOPs, loss).

    Runs whose C agree within ``budget_rtol`` (relative) form one budget. Needs at least two
    budgets with a parabola minimum inside their range of model sizes.

    Raises
    ------
    UsageError
        If fewer than two budgets give a minimum.
    """
    arrays = [np.asarray(a, dtype=float) for a in (N, D, C, L)]
    if any(not np.all(np.isfinite(a) & (a > 0)) for a in arrays):
        raise UsageError("isoflop_frontier needs finite positive N, D, C and loss for every run "
                         "(drop unfinished or diverged runs)")
    N, D, C, L = arrays
    labels = _budget_labels(C, budget_rtol)
    per = {b: np.flatnonzero(labels == b) for b in np.unique(labels)}
    found = _vertices(N, D, C, L, per)
    good = np.array([v for _, v, _ in found if v is not None])
    skipped = [f"C~{np.median(C[per[b]]):.3g}: {why}" for b, v, why in found if v is None]
    if good.shape[0] < 2:
        raise UsageError(f"IsoFLOP frontier needs >= 2 compute budgets with a loss minimum inside "
                         f"the model sizes tried, found {good.shape[0]} ({_first(skipped)}); "
                         "run at least 3 model sizes per budget spanning the optimum")

    def exponents(v: np.ndarray) -> tuple[float, float, float, float]:
        sa, ia = np.polyfit(np.log(v[:, 0]), np.log(v[:, 1]), 1)
        sb, ib = np.polyfit(np.log(v[:, 0]), np.log(v[:, 2]), 1)
        return sa, sb, np.exp(ia), np.exp(ib)

    a, b, n0, d0 = exponents(good)
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(bootstrap):
        resampled = {k: rng.choice(idx, size=idx.size) for k, idx in per.items()}
        v = np.array([x for _, x, _ in _vertices(N, D, C, L, resampled) if x is not None])
        if v.shape[0] >= 2:
            boot.append(exponents(v)[:2])
    boot_arr = np.array(boot).reshape(-1, 2)
    ia, ib = (percentile_interval(boot_arr[:, j], level) for j in range(2))
    return IsoFlopFrontier(good[:, 0], good[:, 1], good[:, 2], good[:, 3],
                           Interval(float(a), *ia, level), Interval(float(b), *ib, level),
                           float(n0), float(d0), level, skipped)
