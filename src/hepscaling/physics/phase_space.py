"""Phase-space points for a scattering process: massive RAMBO, generation cuts, weights.

Final states are generated with RAMBO (R. Kleiss, W. J. Stirling, S. D. Ellis, Comput. Phys.
Commun. 40 (1986) 359): ``n`` massless momenta flat in the ``n``-body phase space of the
partonic centre-of-mass frame, then rescaled onto the mass shells with the exact weight. The
weight of an event is its phase-space density in the convention

    dPhi_n = (2 pi)^4 delta^4(P - sum p_i) prod_i d^3p_i / ((2 pi)^3 2 E_i),

so that ``mean(weight) = Phi_n``, the phase-space volume in GeV^(2n-4). Incoming particles
move along +z (particle 0) and -z (particle 1). Generation cuts act on the massless final-state
particles and are applied by rejection, with refills until the requested number of events
passes. Conventions (GeV, ``(E, px, py, pz)``, batch ``(n, k, 4)``) are in
:mod:`hepscaling.physics`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from hepscaling.errors import UsageError, WorkFailed
from hepscaling.physics.lorentz import boost_z, delta_r, eta, mass_squared, pt
from hepscaling.physics.process import resolve_process

__all__ = [
    "Cuts",
    "PhaseSpaceSample",
    "incoming_momenta",
    "massless_volume",
    "phase_space",
    "rambo",
    "sample",
]

SeedLike = int | np.random.SeedSequence | np.random.Generator

_MAX_BATCH_VALUES = 2**22  # float64 values per momentum batch (32 MB): bounds memory per refill
_MIN_TRIES_FOR_EFFICIENCY = 100  # x 1/min_efficiency: tries before a low efficiency is an error


class Cuts(BaseModel):
    """Generation cuts on the massless final-state particles (all off by default).

    Fields
    ------
    pt_min : minimum transverse momentum of each massless final-state particle, GeV.
    eta_max : maximum ``|eta|`` of each massless final-state particle (None: no cut).
    m_min : minimum invariant mass of each pair of massless final-state particles, GeV.
    delta_r_min : minimum ``Delta R = sqrt(d_eta^2 + d_phi^2)`` between massless final-state
        particles.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    pt_min: float = Field(0.0, ge=0.0)
    eta_max: float | None = Field(None, gt=0.0)
    m_min: float = Field(0.0, ge=0.0)
    delta_r_min: float = Field(0.0, ge=0.0)

    @property
    def active(self) -> bool:
        """True when at least one cut is set."""
        return (self.pt_min > 0 or self.eta_max is not None or self.m_min > 0
                or self.delta_r_min > 0)

    def passes(self, final: np.ndarray, massless: np.ndarray) -> np.ndarray:
        """Which events pass.

        Parameters
        ----------
        final : float64 ``(n, n_f, 4)`` GeV, the final-state momenta.
        massless : bool ``(n_f,)``, which final-state particles the cuts apply to.

        Returns
        -------
        bool ``(n,)``.
        """
        ok = np.ones(final.shape[0], dtype=bool)
        p = final[:, np.flatnonzero(massless)]  # (n, j, 4)
        if p.shape[1] == 0 or not self.active:
            return ok
        if self.pt_min > 0:
            ok &= np.all(pt(p) >= self.pt_min, axis=1)
        if self.eta_max is not None:
            ok &= np.all(np.abs(eta(p)) <= self.eta_max, axis=1)
        if p.shape[1] > 1 and (self.m_min > 0 or self.delta_r_min > 0):
            i, j = np.triu_indices(p.shape[1], k=1)
            if self.m_min > 0:
                ok &= np.all(mass_squared(p[:, i] + p[:, j]) >= self.m_min**2, axis=1)
            if self.delta_r_min > 0:
                ok &= np.all(delta_r(p[:, i], p[:, j]) >= self.delta_r_min, axis=1)
        return ok


@dataclass(frozen=True)
class PhaseSpaceSample:
    """Events that passed the cuts, with their phase-space weights.

    Attributes
    ----------
    momenta : float64 ``(n, k, 4)`` GeV, all particles in process order.
    weights : float64 ``(n,)`` GeV^(2 n_f - 4), phase-space density of each event.
    n_tried : number of generated events, passed or not, up to the last kept one; an unbiased
        integral over the cut region is ``sum(f * weights) / n_tried``.
    """

    momenta: np.ndarray
    weights: np.ndarray
    n_tried: int

    @property
    def efficiency(self) -> float:
        """Fraction of generated events that passed the cuts."""
        return self.momenta.shape[0] / self.n_tried if self.n_tried else 1.0


def massless_volume(n_final: int, s: float) -> float:
    """Volume of the massless ``n``-body phase space, GeV^(2n-4).

    ``Phi_n = (2 pi)^(4-3n) (pi/2)^(n-1) s^(n-2) / ((n-1)! (n-2)!)`` for ``n >= 2``.
    """
    if n_final < 2:
        raise UsageError(f"RAMBO needs at least 2 final-state particles, got {n_final}")
    return ((2 * math.pi) ** (4 - 3 * n_final) * (math.pi / 2) ** (n_final - 1)
            * s ** (n_final - 2) / (math.factorial(n_final - 1) * math.factorial(n_final - 2)))


def _rambo_massless(n: int, n_final: int, sqrt_s: float, rng: np.random.Generator) -> np.ndarray:
    """``(n, n_final, 4)`` massless momenta, flat in phase space, summing to ``(sqrt_s, 0)``."""
    r = rng.random((4, n, n_final))
    cos_t = 2.0 * r[0] - 1.0
    sin_t = np.sqrt(1.0 - cos_t**2)
    phi_ = 2.0 * np.pi * r[1]
    q0 = -np.log(r[2] * r[3])
    q = np.stack([q0, q0 * sin_t * np.cos(phi_), q0 * sin_t * np.sin(phi_), q0 * cos_t], -1)
    total = q.sum(axis=1)  # (n, 4)
    m = np.sqrt(mass_squared(total))  # (n,)
    b = -total[:, 1:] / m[:, None]  # (n, 3)
    x = sqrt_s / m
    gamma = total[:, 0] / m
    a = 1.0 / (1.0 + gamma)
    bq = np.einsum("nj,nij->ni", b, q[..., 1:])  # (n, n_final)
    energy = x[:, None] * (gamma[:, None] * q[..., 0] + bq)
    space = x[:, None, None] * (
        q[..., 1:] + b[:, None, :] * (q[..., :1] + a[:, None, None] * bq[..., None]))
    return np.concatenate([energy[..., None], space], axis=-1)


def _mass_rescaling(p: np.ndarray, masses: np.ndarray, sqrt_s: float) -> tuple[np.ndarray,
                                                                              np.ndarray]:
    """Put massless momenta ``p (n, n_f, 4)`` on the mass shells; return momenta and weight factor.

    Solves ``sum_i sqrt(m_i^2 + xi^2 E_i^2) = sqrt_s`` for ``xi`` per event (Newton, from the
    right after the first step since the function is convex) and returns the RAMBO weight
    factor ``(sum|k|/w)^(2n-3) prod(|k_i|/k_i0) w / sum(|k_i|^2/k_i0)``.
    """
    e = p[..., 0]  # (n, n_f)
    m2 = masses**2
    xi = np.full(p.shape[0], math.sqrt(1.0 - (masses.sum() / sqrt_s) ** 2))
    for _ in range(100):
        k0 = np.sqrt(m2 + (xi[:, None] * e) ** 2)
        f = k0.sum(axis=1) - sqrt_s
        if np.max(np.abs(f)) <= 1e-14 * sqrt_s:
            break
        xi = xi - f / np.sum(xi[:, None] * e**2 / k0, axis=1)
    else:
        raise WorkFailed("RAMBO mass rescaling did not converge; report this with the masses "
                         f"{masses.tolist()} and sqrt_s={sqrt_s}")
    k0 = np.sqrt(m2 + (xi[:, None] * e) ** 2)
    kabs = xi[:, None] * e
    momenta = np.concatenate([k0[..., None], xi[:, None, None] * p[..., 1:]], axis=-1)
    n_final = masses.shape[0]
    factor = ((kabs.sum(axis=1) / sqrt_s) ** (2 * n_final - 3) * np.prod(kabs / k0, axis=1)
              * sqrt_s / np.sum(kabs**2 / k0, axis=1))
    return momenta, factor


def rambo(n: int, sqrt_s: float, masses, rng: np.random.Generator) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """Final-state momenta in the centre-of-mass frame and their phase-space weights.

    Parameters
    ----------
    n : number of events.
    sqrt_s : centre-of-mass energy, GeV (must exceed the sum of the masses).
    masses : float64 ``(n_f,)`` GeV, final-state masses, ``n_f >= 2``.
    rng : numpy Generator.

    Returns
    -------
    momenta : float64 ``(n, n_f, 4)`` GeV, summing to ``(sqrt_s, 0, 0, 0)`` per event.
    weights : float64 ``(n,)`` GeV^(2 n_f - 4); ``mean(weights)`` estimates the phase-space
        volume ``Phi_n`` (constant for massless particles).
    """
    masses = np.asarray(masses, dtype=np.float64)
    if masses.sum() >= sqrt_s:
        raise UsageError(f"sqrt_s = {sqrt_s:g} GeV is below the final-state threshold "
                         f"{masses.sum():g} GeV; raise sqrt_s")
    volume = massless_volume(masses.shape[0], sqrt_s**2)
    p = _rambo_massless(n, masses.shape[0], sqrt_s, rng)
    if not np.any(masses > 0):
        return p, np.full(n, volume)
    momenta, factor = _mass_rescaling(p, masses, sqrt_s)
    return momenta, volume * factor


def incoming_momenta(sqrt_s: float, masses) -> np.ndarray:
    """Incoming momenta ``(n_in, 4)`` GeV in the centre-of-mass frame.

    Two particles move along +z and -z; a single particle (a decay) is at rest and needs
    ``sqrt_s`` equal to its mass. ``masses``: float64 ``(n_in,)`` GeV.
    """
    masses = np.asarray(masses, dtype=np.float64)
    if masses.shape == (1,):
        if masses[0] > 0 and not math.isclose(masses[0], sqrt_s, rel_tol=1e-12):
            raise UsageError(f"a decay is generated in the rest frame: sqrt_s = {sqrt_s:g} GeV "
                             f"must equal the parent mass {masses[0]:g} GeV")
        return np.array([[sqrt_s, 0.0, 0.0, 0.0]])
    if masses.shape != (2,):
        raise UsageError(f"phase space needs 1 or 2 incoming particles, got {masses.shape[0]}")
    if masses.sum() >= sqrt_s:
        raise UsageError(f"sqrt_s = {sqrt_s:g} GeV is below the initial-state threshold "
                         f"{masses.sum():g} GeV; raise sqrt_s")
    s = sqrt_s**2
    m1, m2 = masses**2
    pz = math.sqrt((s - (masses[0] + masses[1]) ** 2) * (s - (masses[0] - masses[1]) ** 2)) \
        / (2 * sqrt_s)
    e1, e2 = (s + m1 - m2) / (2 * sqrt_s), (s + m2 - m1) / (2 * sqrt_s)
    return np.array([[e1, 0.0, 0.0, pz], [e2, 0.0, 0.0, -pz]])


def sample(masses, n_initial: int, n: int, sqrt_s: float, rng: np.random.Generator,
           cuts: Cuts | None = None, *, boost_rapidity: float = 0.0,
           min_efficiency: float = 1e-4) -> PhaseSpaceSample:
    """Generate ``n`` events passing ``cuts``, with weights and the number of tries.

    Parameters
    ----------
    masses : float64 ``(k,)`` GeV, all particles in process order (incoming first).
    n_initial : number of incoming particles (1 or 2).
    n : number of events to return.
    sqrt_s : partonic centre-of-mass energy, GeV.
    rng : numpy Generator (the only source of randomness).
    cuts : generation cuts on massless final-state particles (None: no cuts).
    boost_rapidity : if > 0, each event is boosted along z by a rapidity drawn uniformly in
        ``[-boost_rapidity, boost_rapidity]`` before the cuts (cuts on ``eta`` then act in that
        frame; ``pt``, ``m`` and ``Delta R`` of massless particles do not change).
    min_efficiency : a cut efficiency below this (measured over at least
        ``100 / min_efficiency`` tries) raises :class:`UsageError`.
    """
    masses = np.asarray(masses, dtype=np.float64)
    if n < 0:
        raise UsageError(f"number of events must be >= 0, got {n}")
    if not math.isfinite(sqrt_s) or sqrt_s <= 0:
        raise UsageError(f"sqrt_s must be a positive number of GeV, got {sqrt_s}")
    if boost_rapidity < 0:
        raise UsageError(f"boost_rapidity must be >= 0, got {boost_rapidity}")
    cuts = cuts or Cuts()
    incoming = incoming_momenta(sqrt_s, masses[:n_initial])
    final_masses = masses[n_initial:]
    massless = final_masses == 0
    k = masses.shape[0]
    max_batch = max(1000, _MAX_BATCH_VALUES // (4 * k))
    kept_p, kept_w = [], []
    have = tried = 0
    batch = min(n, max_batch)
    while have < n:
        final, weights = rambo(batch, sqrt_s, final_masses, rng)
        events = np.concatenate([np.broadcast_to(incoming, (batch, *incoming.shape)), final], 1)
        if boost_rapidity > 0:
            events = boost_z(events, rng.uniform(-boost_rapidity, boost_rapidity, batch))
        idx = np.flatnonzero(cuts.passes(events[:, n_initial:], massless))[: n - have]
        tried += int(idx[-1]) + 1 if have + idx.size == n else batch
        have += idx.size
        kept_p.append(events[idx])
        kept_w.append(weights[idx])
        if have < n and tried * min_efficiency >= _MIN_TRIES_FOR_EFFICIENCY \
                and have < min_efficiency * tried:
            raise UsageError(
                f"generation cuts keep {have} of {tried} phase-space points (efficiency "
                f"{have / tried:.2g} < {min_efficiency:g}); loosen the cuts "
                f"({cuts.model_dump(exclude_defaults=True)}) or raise sqrt_s")
        efficiency = max(have / tried, min_efficiency)
        batch = int(min(max_batch, max(1000, 1.2 * (n - have) / efficiency)))
    if not kept_p:
        return PhaseSpaceSample(np.empty((0, k, 4)), np.empty(0), 0)
    return PhaseSpaceSample(np.concatenate(kept_p), np.concatenate(kept_w), tried)


def phase_space(process, n: int, sqrt_s: float, seed: SeedLike, cuts: Cuts | None = None, *,
                params=None, boost_rapidity: float = 0.0) -> np.ndarray:
    """``n`` phase-space points of ``process`` at partonic energy ``sqrt_s`` passing ``cuts``.

    Parameters
    ----------
    process : MadGraph-style process string (``"u u~ > t t~ h"``) or a parsed ``Process``.
    n : number of events.
    sqrt_s : partonic centre-of-mass energy, GeV.
    seed : int, ``numpy.random.SeedSequence`` or ``Generator``; same seed, same points.
    cuts : generation cuts on massless final-state particles.
    params : ``SMParameters`` for the masses (None: MadGraph ``sm`` defaults).
    boost_rapidity : random longitudinal boost range, see :func:`sample`.

    Returns
    -------
    momenta : float64 ``(n, k, 4)`` GeV, particles in process order, unweighted (flat in
        phase space within the cuts).

    Examples
    --------
    >>> phase_space("e+ e- > mu+ mu-", 3, 91.188, seed=1).shape
    (3, 4, 4)
    """
    proc = resolve_process(process, params)
    rng = np.random.default_rng(seed)
    return sample(proc.masses, proc.n_initial, n, sqrt_s, rng, cuts,
                  boost_rapidity=boost_rapidity).momenta
