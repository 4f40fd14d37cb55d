"""Exact tree-level ``|M|^2`` for SM processes in MadGraph's standalone convention.

(Loop-induced processes, ``"... [noborn=QCD]"``, dispatch to :mod:`.loop_induced`.)

``matrix_element("u u~ > z g g")`` returns a callable mapping momenta ``(n, k, 4)`` to
``|M|^2`` ``(n,)``, summed over final and averaged over initial helicities and colours and
divided by the identical-particle factor (see :mod:`hepscaling.physics`). The amplitudes are
computed by the colour-dressed Berends-Giele recursion of :mod:`.amplitudes` from the full SM
vertex table, without per-process code: any process of the ``sm`` particles works (tested up
to 2 -> 4 with quarks, gluons, W, Z, photons, tops and Higgs bosons).

Conventions:

- Parameters: MadGraph's default ``sm`` param_card (:class:`~hepscaling.physics.sm.
  SMParameters`), identity CKM, alpha_s fixed.
- Gauge: unitary gauge for W and Z (propagator ``-i (g - k k / M^2) / (k^2 - M^2 + i M G)``),
  Feynman gauge for the massless gluon and photon (gauge invariant on shell).
- Widths: every massive propagator gets its fixed width ``i M Gamma`` except t-channel
  propagators (a momentum separating the two incoming legs), which have zero width —
  MadGraph's event-generation default. ``t_channel_width=True`` keeps the width there too, as
  MadGraph's standalone output does (a ~1e-4 relative change for ``g g > t t~``). Fixed
  widths break gauge invariance at the ``Gamma / M`` level, as in MadGraph.
- Coupling orders: without ``QCD<=n`` / ``QED<=m`` the lowest QED order with diagrams is
  used (MadGraph's default); with them, every diagram within the limits (unspecified = any).

The engine evaluates all helicities at once, as broadcast axes of numpy arrays, for chunks of
events; its colour bases and recursion plan are computed once per process.
"""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.physics.amplitudes import wavefunctions as wf
from hepscaling.physics.amplitudes.recursion import Leg, Plan, SpeciesInfo, build_plan, evaluate
from hepscaling.physics.amplitudes.vertices import sm_vertices
from hepscaling.physics.loop_induced import LoopInducedMatrixElement
from hepscaling.physics.lorentz import check_momenta
from hepscaling.physics.particles import get_particle, particle_names
from hepscaling.physics.process import Process, resolve_process
from hepscaling.physics.sm import SMParameters

__all__ = ["MatrixElement", "matrix_element"]


def _species(params: SMParameters) -> tuple[dict[str, SpeciesInfo], dict[str, str]]:
    info, anti = {}, {}
    for name in particle_names():
        p = get_particle(name, params)
        kind = {1: "S", 3: "V"}.get(p.spin) or ("row" if p.pdg > 0 else "col")
        info[name] = SpeciesInfo(kind, p.mass, p.width, abs(p.colour))
        anti[name] = p.antiname
    return info, anti


@functools.lru_cache(maxsize=64)
def _plan(legs: tuple[Leg, ...], params: SMParameters, orders: tuple[int, int] | None,
          t_channel_width: bool) -> Plan:
    """The recursion plan, built once per (legs, parameters, orders, width convention)."""
    info, anti = _species(params)
    return build_plan(list(legs), sm_vertices(params), info, anti, orders, t_channel_width)


def _helicity_axes(process: Process, info: dict[str, SpeciesInfo]) -> list[int]:
    """Leg whose helicity axis each leg uses: a massless fermion line's two ends share one.

    In the first two generations every fermion is massless and all couplings conserve
    chirality, so a line's ends have opposite chirality and the wavefunctions' chirality
    order (:mod:`.amplitudes.wavefunctions`) makes only equal helicity indices nonzero. This
    applies when the line's ends are unique: exactly one row and one column spinor in the
    generation (quarks and leptons separately), as in any single-line process.
    """
    axes = list(range(len(process.particles)))
    ends: dict[int, list[tuple[str, int]]] = {}
    for i, p in enumerate(process.particles):
        if p.is_fermion:
            name = p.antiname if i < process.n_initial else p.name
            family = next(j for j, q in enumerate(p.flavour[1:]) if q)
            ends.setdefault(family, []).append((info[name].kind, i))
    for family, legs in ends.items():
        if family % 3 == 2 or sorted(kind for kind, _ in legs) != ["col", "row"]:
            continue  # third generation (massive t, b, tau) or ambiguous pairing
        (_, a), (_, b) = legs
        axes[max(a, b)] = min(a, b)
    return axes


def _colour_sum(amp: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """``sum_hel sum_kl conj(a_k) C_kl a_l`` for ``amp`` complex ``(r, hel..., n)`` -> ``(n,)``."""
    flat = amp.reshape(amp.shape[0], -1, amp.shape[-1])
    total = 0.0
    for k in range(amp.shape[0]):
        weighted = colour[k, k].real * flat[k]
        for m in range(k + 1, amp.shape[0]):  # C is Hermitian: pairs (k, m) and (m, k)
            if colour[k, m]:
                weighted = weighted + (2 * colour[k, m]) * flat[m]
        total = total + (np.conj(flat[k]) * weighted).real.sum(axis=0)
    return total


class MatrixElement:
    """``|M|^2`` of one process; call it on momenta ``float64 (n, k, 4)`` GeV -> ``(n,)``.

    Attributes
    ----------
    process : the parsed :class:`~hepscaling.physics.process.Process`.
    t_channel_width : whether t-channel propagators keep their width.
    n_colour : dimension of the colour basis of the amplitude.
    """

    def __init__(self, process: str | Process, params: SMParameters | dict | None = None, *,
                 t_channel_width: bool = False, chunk_size: int | None = None) -> None:
        process = resolve_process(process, params)
        self.process = process
        self.t_channel_width = bool(t_channel_width)
        info, _ = _species(process.params)
        axes = _helicity_axes(process, info)
        legs = []
        for i, p in enumerate(process.particles):
            incoming = i < process.n_initial
            name = p.antiname if incoming else p.name
            s = info[name]
            legs.append(Leg(name, s.kind, s.mass, s.colour_dim, incoming, axes[i]))
        # the recursion closes on its last leg; the one with most helicity states is cheapest
        n_hel = [1 if axes[i] != i or any(a == i != j for j, a in enumerate(axes)) else
                 {"S": 1, "V": 3 if leg.mass else 2}.get(leg.kind, 2)
                 for i, leg in enumerate(legs)]
        closing = max(range(len(legs)), key=lambda i: (n_hel[i], i))
        self._order = np.array([i for i in range(len(legs)) if i != closing] + [closing])
        self._position = np.argsort(self._order)
        self._legs = [replace(legs[i], hel_axis=int(self._position[axes[i]]))
                      for i in self._order]
        n = len(self._legs)
        orders = None
        if process.orders:
            orders = (process.orders.get("QCD", n - 2), process.orders.get("QED", n - 2))
        try:
            self._plan = _plan(tuple(self._legs), process.params, orders, self.t_channel_width)
        except ValueError as err:
            loop = ""
            if {p.name for p in process.particles} == {"g", "a"} and not process.orders:
                loop = f"; for its loop-induced amplitude write '{process.text} [noborn=QCD]'"
            raise UsageError(
                f"process {process.text!r} has no tree-level diagrams in the sm model "
                f"({err}){loop or '; check the particles and coupling orders'}"
            ) from None
        self.n_colour = self._plan.colour_matrix.shape[0]
        if chunk_size is None:  # keep the largest currents around 1e5 complex numbers
            width = self.n_colour * np.prod([n_hel[i] for i in self._order[:-1]])
            chunk_size = int(np.clip(2**17 // width, 1024, 4096))
        self.chunk_size = int(chunk_size)
        self._colour = self._plan.colour_matrix
        average = process.identical_factor
        for p in process.initial:
            average *= (p.spin if p.mass or p.spin != 3 else 2) * abs(p.colour)
        self._average = float(average)

    def __repr__(self) -> str:
        return f"MatrixElement({self.process.text!r})"

    def _wavefunctions(self, momenta: np.ndarray) -> list[np.ndarray]:
        out = []
        for i, leg in enumerate(self._legs):
            p = momenta[:, i]
            if leg.kind == "row":
                out.append(wf.spinor_row(p, leg.mass, leg.incoming))
            elif leg.kind == "col":
                out.append(wf.spinor_col(p, leg.mass, leg.incoming))
            elif leg.kind == "V":
                out.append(wf.polarisations(p, leg.mass))
            else:
                out.append(wf.scalar(p))
        return out

    def _check(self, momenta: np.ndarray) -> np.ndarray:
        return check_momenta(momenta, self.process.masses, self.process.n_initial,
                             positive_energy=True)

    def helicity_amplitudes(self, momenta: np.ndarray,
                            polarisations: dict[int, np.ndarray] | None = None) -> np.ndarray:
        """Colour-basis helicity amplitudes, complex ``(n_colour, h_0, ..., h_{k-1}, n)``.

        ``polarisations`` replaces the wavefunctions of the given legs by one vector each,
        complex ``(4, n)`` (e.g. a gluon's momentum for a Ward-identity check). The colour
        basis is orthonormal, so ``|M|^2 = sum |amplitudes|^2 / (initial averages x
        identical-particle factor)``.
        """
        p = self._check(momenta)[:, self._order]
        wfs = self._wavefunctions(p)
        for leg, vec in (polarisations or {}).items():
            wfs[self._position[leg]] = np.asarray(vec, dtype=np.complex128).reshape(4, 1, -1)
        sign = np.where([leg.incoming for leg in self._legs], -1.0, 1.0)
        amp = evaluate(self._plan, wfs, np.transpose(p * sign[None, :, None], (1, 2, 0)))
        n = len(self._legs)
        return amp.transpose([0, *(1 + self._position), n + 1])

    def __call__(self, momenta: np.ndarray) -> np.ndarray:
        """``|M|^2`` ``float64 (n,)`` for momenta ``float64 (n, k, 4)`` GeV in process order."""
        p = self._check(momenta)[:, self._order]
        result = np.empty(p.shape[0])
        sign = np.where([leg.incoming for leg in self._legs], -1.0, 1.0)
        for start in range(0, p.shape[0], self.chunk_size):
            chunk = p[start:start + self.chunk_size]
            p_out = np.transpose(chunk * sign[None, :, None], (1, 2, 0))  # (k, 4, n)
            amp = evaluate(self._plan, self._wavefunctions(chunk), p_out)
            result[start:start + chunk.shape[0]] = _colour_sum(amp, self._colour) / self._average
        return result


def matrix_element(process: str | Process, params: SMParameters | dict | None = None, *,
                   t_channel_width: bool = False) -> MatrixElement | LoopInducedMatrixElement:
    """The exact ``|M|^2`` of a process as a vectorised callable.

    Parameters
    ----------
    process : MadGraph syntax, e.g. ``"u u~ > t t~ h"`` or ``"u u~ > t t~ h QCD<=2 QED<=3"``;
        without coupling orders, the lowest QED order with diagrams is used (MadGraph's rule).
        ``"g g > a a [noborn=QCD]"`` and ``"g g > a a g [noborn=QCD]"`` are the loop-induced
        processes through a massless quark loop (:mod:`hepscaling.physics.loop_induced`).
    params : :class:`SMParameters` or a dict of overrides (default: MadGraph ``sm`` card).
    t_channel_width : keep the width in t-channel propagators (default False: zero width
        there, fixed width in all other propagators).

    Returns
    -------
    MatrixElement
        ``me(momenta)`` with momenta ``float64 (n, k, 4)`` GeV -> ``float64 (n,)``.

    Raises
    ------
    UsageError
        unknown particle, non-conserving process, no tree-level diagrams, a loop-induced
        process that is not available; when called: wrong shape, momenta off shell or not
        conserving momentum.
    """
    process = resolve_process(process, params)
    if process.loop:
        return LoopInducedMatrixElement(process)
    return MatrixElement(process, t_channel_width=t_channel_width)
