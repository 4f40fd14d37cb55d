"""Partonic cross sections by Monte Carlo integration of ``|M|^2`` over RAMBO phase space.

``sigma = (1 / F) int |M|^2 dPhi_n`` with the flux ``F = 2 lambda^(1/2)(s, m1^2, m2^2)``
(``2 s`` for massless incoming particles) and ``dPhi_n`` normalised as in
:mod:`hepscaling.physics.phase_space`; the result is converted from GeV^-2 to pb. ``|M|^2``
follows the convention of :mod:`hepscaling.physics` (identical-particle factor included).

Tree-level ``|M|^2`` with massless coloured particles or photons in the final state is not
integrable over all of phase space (soft emission, exchange collinear to the beam, collinear
splitting): :func:`cross_section` refuses such a process unless the cuts regulate it (see
:func:`uncut_divergence`), instead of printing a finite-looking number for a divergent integral.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hepscaling.errors import UsageError, WorkFailed
from hepscaling.physics.phase_space import Cuts, SeedLike, sample
from hepscaling.physics.process import Process, resolve_process

__all__ = ["GEV2_TO_PB", "CrossSection", "cross_section", "flux", "integrate",
           "uncut_divergence"]

GEV2_TO_PB = 0.3893793721e9  # (hbar c)^2 in GeV^2 pb
_CHUNK = 100_000  # events per |M|^2 evaluation: bounds memory


@dataclass(frozen=True)
class CrossSection:
    """A Monte Carlo cross section.

    Attributes
    ----------
    value_pb : the estimate, pb.
    error_pb : its one-standard-deviation statistical error, pb.
    n : number of events that passed the cuts and entered the estimate.
    efficiency : fraction of generated phase-space points that passed the cuts.
    """

    value_pb: float
    error_pb: float
    n: int
    efficiency: float


def flux(sqrt_s: float, masses) -> float:
    """Flux factor ``2 lambda^(1/2)(s, m1^2, m2^2)`` in GeV^2 for incoming masses ``(2,)`` GeV."""
    m1, m2 = np.asarray(masses, dtype=np.float64)
    s = sqrt_s**2
    return 2.0 * math.sqrt((s - (m1 + m2) ** 2) * (s - (m1 - m2) ** 2))


def integrate(me2: Callable[[np.ndarray], np.ndarray], masses, sqrt_s: float, n: int,
              rng: np.random.Generator, cuts: Cuts | None = None) -> CrossSection:
    """Integrate ``me2`` for a 2 -> n process of the given masses.

    Parameters
    ----------
    me2 : callable, momenta float64 ``(m, k, 4)`` GeV -> ``|M|^2`` float64 ``(m,)``.
    masses : float64 ``(k,)`` GeV, process order, the two incoming particles first.
    sqrt_s : partonic centre-of-mass energy, GeV.
    n : number of events passing the cuts to use.
    rng : numpy Generator.
    cuts : generation cuts; the estimate is the cross section inside them.
    """
    masses = np.asarray(masses, dtype=np.float64)
    if n < 2:
        raise UsageError(f"a cross section needs at least 2 events, got n={n}")
    if masses.shape[0] < 4:
        raise UsageError("a cross section needs a 2 -> n process with n >= 2; got "
                         f"{masses.shape[0]} particles")
    mean = m2 = 0.0  # running mean and sum of squared deviations over all tried points
    tried = done = 0
    while done < n:
        chunk = sample(masses, 2, min(_CHUNK, n - done), sqrt_s, rng, cuts)
        values = np.asarray(me2(chunk.momenta), dtype=np.float64) * chunk.weights
        if not np.all(np.isfinite(values)):
            raise WorkFailed(f"|M|^2 is not finite at {int(np.sum(~np.isfinite(values)))} "
                             "phase-space point(s); add generation cuts away from singularities")
        # failed points count as zeros; merge the chunk's moments (Chan et al.)
        n_chunk = chunk.n_tried
        chunk_mean = float(values.sum()) / n_chunk
        chunk_m2 = (float(np.sum((values - chunk_mean) ** 2))
                    + (n_chunk - values.size) * chunk_mean**2)
        delta = chunk_mean - mean
        mean += delta * n_chunk / (tried + n_chunk)
        m2 += chunk_m2 + delta**2 * tried * n_chunk / (tried + n_chunk)
        tried += n_chunk
        done += values.size
    variance = m2 / (tried - 1) / tried
    scale = GEV2_TO_PB / flux(sqrt_s, masses[:2])
    return CrossSection(mean * scale, math.sqrt(variance) * scale, done, done / tried)


def uncut_divergence(proc: Process, cuts: Cuts | None) -> str | None:
    """Why the tree-level cross section of ``proc`` diverges inside ``cuts``, or ``None``.

    Rules (conservative, on the massless final-state particles): a gluon, photon or quark
    needs a pT cut (for 2 -> 2 a rapidity cut also bounds pT), except a massless quark pair
    made from a colourless, photon-free initial state (``e+ e- > u u~``); with three or more
    final-state particles, a gluon next to another massless coloured particle, or a photon next
    to another massless charged particle, needs a pair cut (Delta R or invariant mass).
    """
    cuts = cuts or Cuts.model_validate({})
    initial, final = proc.particles[:proc.n_initial], proc.particles[proc.n_initial:]
    massless = [p for p in final if p.mass == 0.0]
    exposed = [p for p in massless if p.colour != 1 or p.name == "a"]
    if not exposed:
        return None
    quark_pair = (len(final) == 2 and all(abs(p.colour) == 3 for p in final)
                  and all(p.colour == 1 and p.name != "a" for p in initial))
    bounded_pt = cuts.pt_min > 0 or (len(final) == 2 and cuts.eta_max is not None)
    names = " ".join(p.name for p in exposed)
    if not quark_pair and not bounded_pt:
        return (f"{names} can be soft or collinear to the beam: set a minimum pT (--pt-min, "
                "Cuts.pt_min), e.g. 20 GeV")
    gluons, photons = (sum(p.name == name for p in massless) for name in ("g", "a"))
    coloured = sum(p.colour != 1 for p in massless)
    charged = sum(p.charge != 0 for p in massless)
    splits = (gluons and coloured >= 2) or (photons and charged + photons >= 2)
    if len(final) >= 3 and splits and cuts.delta_r_min <= 0 and cuts.m_min <= 0:
        return (f"{names} can split collinearly: set a pair cut (--delta-r-min or --m-min, "
                "Cuts.delta_r_min / Cuts.m_min), e.g. --delta-r-min 0.4")
    return None


def cross_section(process, sqrt_s: float, n: int, seed: SeedLike, cuts: Cuts | None = None,
                  params=None, *, me2: Callable[[np.ndarray], np.ndarray] | None = None
                  ) -> CrossSection:
    """Partonic cross section of ``process`` at ``sqrt_s`` (GeV) inside ``cuts``, in pb.

    Parameters
    ----------
    process : MadGraph-style process string or parsed ``Process`` (2 -> n).
    sqrt_s : partonic centre-of-mass energy, GeV.
    n : number of phase-space points passing the cuts.
    seed : int, ``SeedSequence`` or ``Generator``.
    cuts : generation cuts; required where they regulate a divergence (:func:`uncut_divergence`).
    params : ``SMParameters`` (None: MadGraph ``sm`` defaults).
    me2 : ``|M|^2`` callable ``(m, k, 4) -> (m,)`` to integrate instead of
        :func:`hepscaling.physics.matrix_element.matrix_element` (e.g. an analytic formula).
    """
    proc = resolve_process(process, params)
    if proc.n_initial != 2:
        raise UsageError(f"cross sections need 2 incoming particles, got {proc.n_initial} in "
                         f"{getattr(proc, 'text', process)!r}")
    if me2 is None:
        from hepscaling.physics.matrix_element import matrix_element

        reason = uncut_divergence(proc, cuts)
        if reason is not None:
            raise UsageError(f"sigma({proc.text}) diverges without cuts: {reason}")

        me2 = matrix_element(proc, params)
    return integrate(me2, proc.masses, sqrt_s, n, np.random.default_rng(seed), cuts)
