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
  ``log N`` is fitted to ``log L`` per budget through the size of the lowest loss and up to
  :data:`NEIGHBOURS` sizes on each side, its vertex gives ``N_opt(C)``;
  ``D_opt = C / (k N_opt)`` with ``k`` the budget's median measured ``C / (N D)`` (so the
  records' own FLOP accounting is used), D the samples processed (steps x batch: repeated
  passes over a fixed dataset count each time). A budget whose lowest loss is at its smallest
  or largest N, or whose vertex is not strictly inside them, has no determined minimum (the
  vertex would be an extrapolation). Power laws ``N_opt = n0 C^a``, ``D_opt = d0 C^b`` are
  then fitted by least squares in log-log through the determined budgets (at least
  :data:`MIN_BUDGETS`); bootstrap replicates resample runs within each budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from hepscaling.errors import UsageError
from hepscaling.laws.bootstrap import percentile_interval
from hepscaling.laws.forms import joint_law
from hepscaling.laws.interval import Interval

__all__ = ["MIN_BUDGETS", "NEIGHBOURS", "BudgetMinimum", "IsoFlopFrontier", "TooFewMinima",
           "compute_for_loss", "compute_optimal", "edge_reason", "isoflop_frontier",
           "isoflop_minima", "joint_loss", "lowest_at_edge"]

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


#: Sizes on each side of a budget's lowest loss that its parabola is fitted through. The loss
#: is a parabola in log N only near its minimum; fitted over a wide range that is not centred
#: on the minimum, the vertex shifts towards the range's centre (on runs of a known joint law
#: with 13 budgets over 6 decades and sizes a factor 2 apart in a window of two decades, the
#: exponent a came out 0.06 to 0.08 low with every size, within 0.012 with two on each side).
NEIGHBOURS = 2

#: Fewest budgets with a determined minimum that the power law ``N_opt ~ C^a`` is fitted
#: through: a line through two points has no residual, so a third budget is the least that
#: tests the law at all.
MIN_BUDGETS = 3


@dataclass(frozen=True)
class BudgetMinimum:
    """The IsoFLOP minimum of one compute budget, or why it is not determined.

    Attributes
    ----------
    budget : float
        Budget compute (median C of the budget's runs), FLOPs.
    n_runs, n_sizes : int
        Runs of the budget and the distinct N among them.
    n_low, n_high : float
        Smallest and largest N tried at the budget.
    n_best : float
        N of the budget's run with the lowest loss.
    n_opt, d_opt, loss_opt : float or None
        Parabola vertex: N, D (samples processed, see :func:`isoflop_frontier`) and the loss
        there; ``None`` when not determined.
    reason : str
        Why the minimum is not determined (``''`` when it is).
    """

    budget: float
    n_runs: int
    n_sizes: int
    n_low: float
    n_high: float
    n_best: float
    n_opt: float | None = None
    d_opt: float | None = None
    loss_opt: float | None = None
    reason: str = ""

    @property
    def determined(self) -> bool:
        """Whether the budget's minimum lies inside the sizes tried."""
        return self.n_opt is not None

    def to_dict(self) -> dict[str, object]:
        """The fields as a JSON-able dict."""
        return asdict(self)


@dataclass(frozen=True)
class IsoFlopFrontier:
    """IsoFLOP minima and the power laws through them.

    Attributes
    ----------
    budgets : float64 (m,)
        Compute of the budgets with a determined minimum, FLOPs.
    n_opt, d_opt, loss_opt : float64 (m,)
        Parabola vertex per determined budget: N, D and the loss there.
    a, b : Interval
        Exponents of ``N_opt ~ C^a`` and ``D_opt ~ C^b`` with their bootstrap intervals.
    n0, d0 : float
        Prefactors of the two power laws (FLOPs in C).
    level : float
    skipped : list of str
        Budgets left out and why (``C~<budget>: <reason>``).
    minima : tuple of BudgetMinimum
        Every budget, determined or not, in increasing compute.
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
    minima: tuple[BudgetMinimum, ...] = ()


class TooFewMinima(UsageError):
    """Fewer than :data:`MIN_BUDGETS` budgets have a determined minimum, so the IsoFLOP power
    laws are not fitted; ``minima`` holds every budget's minimum (or why it is not determined),
    as :func:`isoflop_minima` returns them."""

    def __init__(self, message: str, minima: tuple[BudgetMinimum, ...]):
        super().__init__(message)
        self.minima = minima


def lowest_at_edge(sizes: np.ndarray, values: np.ndarray) -> bool:
    """Whether the lowest of ``values`` float64 (m,) belongs to the smallest or the largest of
    ``sizes`` float64 (m,): then the optimum may lie beyond the sizes tried.

    >>> lowest_at_edge(np.array([1.0, 2.0, 4.0]), np.array([3.0, 1.0, 2.0]))
    False
    >>> lowest_at_edge(np.array([1.0, 2.0, 4.0]), np.array([1.0, 2.0, 3.0]))
    True
    """
    at = sizes[int(np.argmin(values))]
    return bool(at == sizes.min() or at == sizes.max())


def edge_reason(sizes: str) -> str:
    """The reason a minimum at the edge of the ``sizes`` tried (e.g. ``"widths"``) is not
    quoted."""
    return f"not determined: minimum at the edge of the {sizes} tried"


def _budget_labels(C: np.ndarray, rtol: float) -> np.ndarray:
    order = np.argsort(C)
    labels = np.empty(C.size, dtype=int)
    label, prev = 0, C[order[0]]
    for i in order:
        if C[i] > prev * (1.0 + rtol):
            label += 1
        labels[i], prev = label, C[i]
    return labels


def _minimum(N: np.ndarray, D: np.ndarray, C: np.ndarray, L: np.ndarray, idx: np.ndarray,
             sizes: str) -> BudgetMinimum:
    """The minimum of the budget of runs ``idx``: the vertex of a parabola in ``log N`` fitted
    to ``log L`` of the sizes near the lowest loss (:data:`NEIGHBOURS`), unless the lowest loss
    is at an edge run or the vertex is not strictly inside the sizes fitted."""
    x, y = np.log(N[idx]), np.log(L[idx])
    c = float(np.median(C[idx]))
    tried = np.unique(x)
    found = BudgetMinimum(c, int(idx.size), tried.size, float(N[idx].min()),
                          float(N[idx].max()), float(N[idx][np.argmin(y)]))
    if tried.size < 3:
        return replace(found, reason=f"not determined: only {tried.size} {sizes} (a parabola "
                                     "needs 3)")
    if lowest_at_edge(x, y):
        return replace(found, reason=edge_reason(sizes))
    best = int(np.searchsorted(tried, x[np.argmin(y)]))
    near = np.isin(x, tried[max(best - NEIGHBOURS, 0):best + NEIGHBOURS + 1])
    p2, p1, p0 = np.polyfit(x[near], y[near], 2)
    if p2 <= 0:
        return replace(found, reason="not determined: the parabola in log N opens downward "
                                     "(no minimum)")
    x_opt = -p1 / (2 * p2)
    if not x[near].min() < x_opt < x[near].max():
        return replace(found, reason=edge_reason(sizes))
    k = float(np.median(C[idx] / (N[idx] * D[idx])))
    n = float(np.exp(x_opt))
    return replace(found, n_opt=n, d_opt=c / (k * n),
                   loss_opt=float(np.exp(p2 * x_opt**2 + p1 * x_opt + p0)))


def _checked(N: np.ndarray, D: np.ndarray, C: np.ndarray, L: np.ndarray
             ) -> list[np.ndarray]:
    arrays = [np.asarray(a, dtype=float) for a in (N, D, C, L)]
    if any(not np.all(np.isfinite(a) & (a > 0)) for a in arrays):
        raise UsageError("the IsoFLOP analysis needs finite positive N, D, C and loss for every "
                         "run (drop unfinished or diverged runs)")
    return arrays


def _budgets(C: np.ndarray, rtol: float) -> dict[int, np.ndarray]:
    labels = _budget_labels(C, rtol)
    return {b: np.flatnonzero(labels == b) for b in np.unique(labels)}


def isoflop_minima(N: np.ndarray, D: np.ndarray, C: np.ndarray, L: np.ndarray, *,
                   budget_rtol: float = 0.05, sizes: str = "model sizes"
                   ) -> list[BudgetMinimum]:
    """The IsoFLOP minimum of every compute budget of runs ``N, D, C, L`` float64 (n,)
    (parameters, samples processed, FLOPs, loss), in increasing compute.

    Runs whose C agree within ``budget_rtol`` (relative) form one budget. A budget's minimum is
    not determined with fewer than three sizes, or at the edge of the sizes tried (``sizes``
    names them in the reasons, e.g. ``"widths"``): the lowest loss at the smallest or largest
    N, or the parabola's vertex at or beyond them; an extrapolated vertex is never quoted.
    """
    N, D, C, L = _checked(N, D, C, L)
    return [_minimum(N, D, C, L, idx, sizes) for idx in _budgets(C, budget_rtol).values()]


def _first(items: list[str], n: int = 3) -> str:
    more = f"; and {len(items) - n} more" if len(items) > n else ""
    return "; ".join(items[:n]) + more


def isoflop_frontier(N: np.ndarray, D: np.ndarray, C: np.ndarray, L: np.ndarray, *,
                     budget_rtol: float = 0.05, bootstrap: int = 200, seed: int = 0,
                     level: float = 0.68, sizes: str = "model sizes") -> IsoFlopFrontier:
    """Chinchilla approach 2 on runs ``N, D, C, L`` float64 (n,) (parameters, samples
    processed, FLOPs, loss).

    D is the number of samples a run processed (steps x batch): the dataset size for one
    pass, more when the runs repeat a fixed dataset. The minima are those of
    :func:`isoflop_minima`; the power laws are fitted through the budgets whose minimum is
    determined, and only when there are at least :data:`MIN_BUDGETS` of them. Bootstrap
    replicates resample runs within each of those budgets; a replicate with fewer than
    :data:`MIN_BUDGETS` determined minima is left out.

    Raises
    ------
    UsageError
        If a run's N, D, C or loss is not finite and positive.
    TooFewMinima
        If fewer than :data:`MIN_BUDGETS` budgets have a determined minimum (a
        :class:`UsageError` carrying every budget's minimum).
    """
    N, D, C, L = _checked(N, D, C, L)
    per = _budgets(C, budget_rtol)
    minima = [_minimum(N, D, C, L, idx, sizes) for idx in per.values()]
    skipped = [f"C~{m.budget:.3g}: {m.reason}" for m in minima if not m.determined]
    kept = [idx for idx, m in zip(per.values(), minima, strict=True) if m.determined]
    if len(kept) < MIN_BUDGETS:
        raise TooFewMinima(f"the IsoFLOP power law N_opt ~ C^a needs >= {MIN_BUDGETS} compute "
                           f"budgets with a determined minimum, found {len(kept)} "
                           f"({_first(skipped)}); run {sizes} on both sides of each budget's "
                           "optimum", tuple(minima))
    good = np.array([[m.budget, m.n_opt, m.d_opt, m.loss_opt] for m in minima
                     if m.determined], dtype=float)

    def exponents(v: np.ndarray) -> tuple[float, float, float, float]:
        sa, ia = np.polyfit(np.log(v[:, 0]), np.log(v[:, 1]), 1)
        sb, ib = np.polyfit(np.log(v[:, 0]), np.log(v[:, 2]), 1)
        return sa, sb, np.exp(ia), np.exp(ib)

    a, b, n0, d0 = exponents(good)
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(bootstrap):
        found = [_minimum(N, D, C, L, rng.choice(idx, size=idx.size), sizes) for idx in kept]
        v = np.array([[m.budget, m.n_opt, m.d_opt] for m in found if m.determined],
                     dtype=float)
        if v.shape[0] >= MIN_BUDGETS:
            boot.append(exponents(v)[:2])
    boot_arr = np.array(boot).reshape(-1, 2)
    ia, ib = (percentile_interval(boot_arr[:, j], level) for j in range(2))
    return IsoFlopFrontier(good[:, 0], good[:, 1], good[:, 2], good[:, 3],
                           Interval(float(a), *ia, level), Interval(float(b), *ib, level),
                           float(n0), float(d0), level, skipped, tuple(minima))
