"""``|M|^2`` of the loop-induced processes (``[noborn=QCD]``), with a numerical stability check.

Available through a massless quark loop (five flavours u, d, s, c, b, ``sum_q Q_q^2 = 11/9``;
no top: the setting of the amplitude study's NJet data):

- ``g g > a a [noborn=QCD]``: the Bern-Dixon-Schmidt box (:mod:`.diphoton`),
  ``|M|^2 = (1/4) alpha^2 alpha_s^2 (sum Q^2)^2 sum_h |M_h|^2``;
- ``g g > a a g [noborn=QCD]``: Bern-Dixon-Kosower five-point primitives summed over the
  photon insertions (:mod:`.diphoton_jet`),
  ``|M|^2 = (3 pi / 2) alpha^2 alpha_s^3 (sum Q^2)^2 sum_h |S_h|^2``.

Both in MadGraph's ``SMATRIX`` normalisation (1/4 helicities, 1/64 colours, 1/2 for the
photons) with ``alpha``, ``alpha_s`` of :class:`~hepscaling.physics.sm.SMParameters`
(``sm`` card: 1/132.507, 0.118). MadGraph's ``loop_sm`` keeps massive b and t quarks in the
loop, which changes the shape, not only the normalisation; with massless quarks the flavour
sum is the constant factor ``(sum Q^2)^2``.

Stability: the five-point amplitude is built from spinor products and functions with
spurious singularities that cancel between terms (e.g. ``Ls1``'s ``1 / (1 - r1 - r2)``, and the
``1/<ag>`` poles of single photon insertions that cancel in the photon sum), so double
precision loses digits near small invariants: for a photon-gluon pair at angle ``theta`` the
relative error grows like ``theta^-4`` (measured: 1e-12 at 0.1 rad, 4e-9 at 0.01, 5e-5 at
1e-3). Every point gets a cheap risk indicator, the smallest normalised invariant
``min_{i<j} s_ij / s_hat`` over all ten pairs of legs (:func:`smallest_invariant_ratio`).
Points below :data:`AT_RISK_BELOW` (1e-3) are at risk and evaluated a second time on a rotated
copy (``|M|^2`` is rotation invariant; rounding differs); points where the two disagree by more
than ``tolerance`` are repaired: evaluated again with 40-digit mpmath numbers and constants
(:mod:`.precision`; about 0.2 s per point) on the same momenta made exactly massless and
momentum conserving in that precision (:func:`exact_kinematics`). Points above the threshold
are evaluated once: their relative error, measured against 40-digit mpmath, is below 1e-11
(``benchmarks/results/loop_induced_accuracy.md``: largest 1.7e-12 on 1266 points, 666 of them
just above the threshold, where the error is largest; it falls like ``(s_ij / s_hat)^-2`` away
from it), 100 times below the tolerance, so the full check would not have flagged them.
``at_risk_below=math.inf`` re-evaluates every point (the full check). All points, the
at-risk ones and the repaired ones are counted (:class:`LoopInducedMatrixElement`'s
``checked_points``, ``at_risk_points``, ``unstable_points``; the last two in dataset
provenance), never silently. With ``pT > 20 GeV``, ``Delta R > 0.4`` at 1 TeV 0.3% of the
points are at risk (none repaired in 2e4); flat in phase space without cuts, 1.8%.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np

from hepscaling.errors import UsageError
from hepscaling.physics.loop_induced.diphoton import diphoton_summed
from hepscaling.physics.loop_induced.diphoton_jet import diphoton_jet_summed
from hepscaling.physics.loop_induced.precision import DIGITS, multiprecision
from hepscaling.physics.lorentz import check_momenta
from hepscaling.physics.process import Process
from hepscaling.physics.sm import SMParameters

__all__ = ["AT_RISK_BELOW", "CHECKED_PROCESSES", "QUARK_CHARGES", "LoopInducedMatrixElement",
           "StabilityResult", "exact_kinematics", "smallest_invariant_ratio"]

QUARK_CHARGES = (2 / 3, -1 / 3, -1 / 3, 2 / 3, -1 / 3)  # u, d, s, c, b: massless in the loop

#: Points with ``min_{i<j} s_ij / s_hat`` below this are re-evaluated on a rotated copy; above
#: it the double-precision relative error measured against 40-digit mpmath is below 1e-11
#: (largest 1.7e-12; ``benchmarks/bench_loop_induced_accuracy.py``).
AT_RISK_BELOW = 1e-3

#: A fixed generic rotation (axis (1, 2, 3) / sqrt(14), angle 1 rad) for the stability check.
_AXIS = np.array([1.0, 2.0, 3.0]) / np.sqrt(14.0)
_CROSS = np.array([[0.0, -_AXIS[2], _AXIS[1]], [_AXIS[2], 0.0, -_AXIS[0]],
                   [-_AXIS[1], _AXIS[0], 0.0]])
ROTATION = np.eye(3) + np.sin(1.0) * _CROSS + (1.0 - np.cos(1.0)) * _CROSS @ _CROSS


@dataclass(frozen=True)
class _Loop:
    """One available process: ``summed(momenta) -> sum_h |amplitude_h|^2`` and the factor
    turning it into ``|M|^2`` (a function of the parameters and ``sum_q Q_q^2``)."""

    summed: Callable[[np.ndarray], np.ndarray]
    norm: Callable[[SMParameters, float], float]
    checked: bool  # re-evaluated on a rotated copy (spinor-based forms)


_AVAILABLE = {
    "g g > a a [noborn=QCD]": _Loop(
        diphoton_summed, lambda p, q2: 0.25 * (p.aEW * p.aS * q2) ** 2, checked=False),
    "g g > a a g [noborn=QCD]": _Loop(
        diphoton_jet_summed, lambda p, q2: 1.5 * np.pi * p.aEW**2 * p.aS**3 * q2**2,
        checked=True),
}

#: The processes whose points are re-evaluated on a rotated copy.
CHECKED_PROCESSES = tuple(text for text, loop in _AVAILABLE.items() if loop.checked)


def exact_kinematics(momenta: np.ndarray) -> np.ndarray:
    """Massless momentum-conserving multiprecision momenta next to float64 ones.

    Parameters
    ----------
    momenta : float64 ``(n, k, 4)`` GeV, two massless beams along ``+z``, ``-z`` first, then
        massless final-state particles (on shell and conserving to rounding).

    Returns
    -------
    object ``(n, k, 4)`` of mpmath reals (at the working precision): the final state with
    ``E = |p|``, boosted transversely (by the rounding-size ``-Q_T / Q_0`` of its total ``Q``)
    to zero total transverse momentum, and the beams ``((Q_0 +- Q_z) / 2)(1, 0, 0, +-1)``.
    """
    p = multiprecision(momenta)
    final = p[:, 2:]
    final[..., 0] = np.sqrt(np.sum(final[..., 1:] ** 2, axis=-1))
    total = np.sum(final, axis=1)  # (n, 4)
    beta = np.zeros((p.shape[0], 3), dtype=object)
    beta[:, :2] = total[:, 1:3] / total[:, :1]
    gamma = 1 / np.sqrt(1 - np.sum(beta**2, axis=1))
    along = gamma**2 / (gamma + 1)  # (gamma - 1) / beta^2
    bp = np.sum(beta[:, None] * final[..., 1:], axis=-1)  # (n, k - 2)
    energy = gamma[:, None] * (final[..., 0] - bp)
    final[..., 1:] += (along[:, None] * bp - gamma[:, None] * final[..., 0])[..., None] \
        * beta[:, None]
    final[..., 0] = energy
    total = np.sum(final, axis=1)
    plus, minus = (total[:, 0] + total[:, 3]) / 2, (total[:, 0] - total[:, 3]) / 2
    p[:, 0] = np.stack([plus, 0 * plus, 0 * plus, plus], axis=-1)
    p[:, 1] = np.stack([minus, 0 * minus, 0 * minus, -minus], axis=-1)
    return p


def smallest_invariant_ratio(momenta: np.ndarray) -> np.ndarray:
    """The risk indicator ``min_{i<j} |s_ij| / s_hat`` over all pairs of legs, float64 ``(n,)``.

    Parameters
    ----------
    momenta : float64 ``(n, k, 4)`` GeV, massless, two incoming first;
        ``s_ij = 2 p_i . p_j`` and ``s_hat = 2 p_0 . p_1``.
    """
    e, v = momenta[..., 0], momenta[..., 1:]
    s = 2.0 * np.abs(e[:, :, None] * e[:, None, :] - v @ np.swapaxes(v, 1, 2))  # (n, k, k)
    upper = np.triu_indices(momenta.shape[1], 1)
    return np.min(s[:, upper[0], upper[1]], axis=1) / s[:, 0, 1]


@dataclass(frozen=True)
class StabilityResult:
    """``|M|^2`` float64 ``(n,)`` and two bool ``(n,)`` masks: ``at_risk``, the points
    re-evaluated on a rotated copy (risk indicator below the threshold), and ``unstable``, those
    of them whose re-evaluation disagreed beyond the tolerance and were repaired in
    multiprecision (both all False for an unchecked process)."""

    me2: np.ndarray
    at_risk: np.ndarray
    unstable: np.ndarray


class LoopInducedMatrixElement:
    """``|M|^2`` of a loop-induced process; call it on momenta ``float64 (n, k, 4)`` GeV.

    Parameters
    ----------
    process : the parsed :class:`~hepscaling.physics.process.Process` (``loop == "QCD"``).
    tolerance : relative difference between the evaluation on the momenta and on a rotated
        copy above which a point counts as unstable (five-point process only).
    check_stability : re-evaluate at-risk points on a rotated copy (default True; False
        evaluates every point once and counts nothing).
    at_risk_below : the threshold on :func:`smallest_invariant_ratio` below which a point is
        re-evaluated (default :data:`AT_RISK_BELOW`; ``math.inf``: every point, the full check).

    Attributes
    ----------
    sum_q2 : ``sum_q Q_q^2`` over the massless quarks in the loop (11/9).
    checked : whether at-risk points are re-evaluated on a rotated copy.
    checked_points, at_risk_points, unstable_points : points met so far by this object
        (checked process only; see :meth:`evaluate`): all of them, those re-evaluated on a
        rotated copy, and those repaired in multiprecision.
    """

    def __init__(self, process: Process, tolerance: float = 1e-9, *,
                 check_stability: bool = True, at_risk_below: float = AT_RISK_BELOW) -> None:
        loop = _AVAILABLE.get(process.text)
        if loop is None:
            why = ("it has no compact closed form; a generic one-loop method is a later project"
                   if process.text == "g g > a a g g [noborn=QCD]" else "not implemented")
            raise UsageError(
                f"loop-induced process {process.text!r} is not available ({why}); "
                f"available: {', '.join(_AVAILABLE)}"
            )
        if not tolerance > 0:
            raise UsageError(f"tolerance must be > 0, got {tolerance!r}")
        if not at_risk_below > 0:
            raise UsageError(f"at_risk_below must be > 0 (math.inf: check every point), got "
                             f"{at_risk_below!r}")
        self.process = process
        self.tolerance = float(tolerance)
        self.sum_q2 = float(sum(q * q for q in QUARK_CHARGES))
        self.at_risk_below = float(at_risk_below)
        self.checked = loop.checked and bool(check_stability)
        self.checked_points = self.at_risk_points = self.unstable_points = 0
        self._loop = loop
        self._norm = float(loop.norm(process.params, self.sum_q2))

    def __repr__(self) -> str:
        return f"LoopInducedMatrixElement({self.process.text!r})"

    def evaluate(self, momenta: np.ndarray) -> StabilityResult:
        """``|M|^2`` and the at-risk (re-evaluated) and unstable (repaired) points, for momenta
        ``float64 (n, k, 4)`` GeV in process order (incoming first); adds them to the counts."""
        p = check_momenta(momenta, self.process.masses, self.process.n_initial,
                          positive_energy=True)
        value = self._loop.summed(p)
        at_risk = np.zeros(value.shape, dtype=bool)
        unstable = np.zeros(value.shape, dtype=bool)
        if self.checked:
            at_risk = smallest_invariant_ratio(p) < self.at_risk_below
            rotated = p[at_risk]
            rotated[..., 1:] = rotated[..., 1:] @ ROTATION.T
            again = self._loop.summed(rotated)
            unstable[at_risk] = ~(np.abs(value[at_risk] - again)
                                  <= self.tolerance * np.abs(value[at_risk]))
            if unstable.any():
                value = value.copy()
                with mpmath.workdps(DIGITS):
                    exact = self._loop.summed(exact_kinematics(p[unstable]))
                value[unstable] = np.array([float(v) for v in exact])
            self.checked_points += value.size
            self.at_risk_points += int(at_risk.sum())
            self.unstable_points += int(unstable.sum())
        return StabilityResult(self._norm * value, at_risk, unstable)

    def __call__(self, momenta: np.ndarray) -> np.ndarray:
        """``|M|^2`` ``float64 (n,)`` for momenta ``float64 (n, k, 4)`` GeV in process order."""
        return self.evaluate(momenta).me2
