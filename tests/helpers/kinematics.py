"""Test momenta built independently of the library: explicit 2 -> 2 kinematics and RAMBO.

Nothing here imports :mod:`hepscaling`, so the matrix-element and phase-space tests compare the
library against momenta it did not produce. Conventions as in :mod:`hepscaling.physics`: GeV,
``(E, px, py, pz)``, metric (+,-,-,-), batches ``(n, k, 4)`` with the incoming particles first,
particle 0 along +z and particle 1 along -z in the centre-of-mass frame.
"""

from __future__ import annotations

import numpy as np

__all__ = ["boost", "boost_between", "central_events", "dot", "incoming", "invariant", "rambo",
           "two_to_two"]


def dot(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Minkowski product ``p.q`` of ``(..., 4)`` arrays, GeV^2 ``(...)``."""
    return p[..., 0] * q[..., 0] - np.sum(p[..., 1:] * q[..., 1:], axis=-1)


def boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Pure boost of ``p (..., 4)`` by velocity ``beta (3,)`` (a particle at rest ends with it)."""
    beta = np.asarray(beta, dtype=float)
    b2 = float(beta @ beta)
    if b2 == 0.0:
        return p.copy()
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = p[..., 1:] @ beta
    out = np.empty_like(p)
    out[..., 0] = gamma * (p[..., 0] + bp)
    out[..., 1:] = p[..., 1:] + ((gamma - 1.0) * bp / b2 + gamma * p[..., 0])[..., None] * beta
    return out


def boost_between(p: np.ndarray, q_from: np.ndarray, q_to: np.ndarray) -> np.ndarray:
    """Boost ``p (..., 4)`` through the rest frame of ``q_from (4,)`` into the frame where that
    rest frame moves like ``q_to (4,)``; maps ``q_from`` onto ``q_to`` if their masses agree."""
    at_rest = boost(p, -q_from[1:] / q_from[0])
    return boost(at_rest, q_to[1:] / q_to[0])


def invariant(momenta: np.ndarray, *terms: tuple[int, int]) -> np.ndarray:
    """``(sum_i sign_i p_i)^2`` for ``terms = ((index, sign), ...)``; GeV^2 ``(n,)``.

    Example: ``invariant(p, (0, 1), (2, -1))`` is ``t = (p1 - p3)^2`` of a 2 -> 2 batch.
    """
    total = sum(sign * momenta[:, index] for index, sign in terms)
    return dot(total, total)


def _two_body_momentum(sqrt_s: float, m_a: float, m_b: float) -> float:
    """|p| of either particle of a two-body state of mass ``sqrt_s`` in its rest frame, GeV."""
    s = sqrt_s**2
    return float(np.sqrt((s - (m_a + m_b) ** 2) * (s - (m_a - m_b) ** 2)) / (2.0 * sqrt_s))


def incoming(n: int, sqrt_s: float, m1: float = 0.0, m2: float = 0.0) -> np.ndarray:
    """Centre-of-mass incoming momenta ``(n, 2, 4)`` GeV: particle 0 along +z, 1 along -z."""
    k = _two_body_momentum(sqrt_s, m1, m2)
    p = np.zeros((n, 2, 4))
    p[:, 0] = [np.hypot(k, m1), 0.0, 0.0, k]
    p[:, 1] = [np.hypot(k, m2), 0.0, 0.0, -k]
    return p


def two_to_two(sqrt_s: float, cos_theta: np.ndarray, phi: np.ndarray, m3: float = 0.0,
               m4: float = 0.0, m1: float = 0.0, m2: float = 0.0) -> np.ndarray:
    """Explicit 2 -> 2 momenta in the centre-of-mass frame.

    Parameters
    ----------
    sqrt_s : collision energy, GeV.
    cos_theta, phi : float64 ``(n,)``, polar angle (to the +z beam) and azimuth of particle 2.
    m3, m4, m1, m2 : masses of the outgoing (2, 3) and incoming (0, 1) particles, GeV.

    Returns
    -------
    float64 ``(n, 4, 4)`` GeV, order ``(p1, p2, p3, p4)``.
    """
    cos_theta = np.asarray(cos_theta, dtype=float)
    phi = np.broadcast_to(np.asarray(phi, dtype=float), cos_theta.shape)
    n = cos_theta.shape[0]
    k = _two_body_momentum(sqrt_s, m3, m4)
    sin_theta = np.sqrt(1.0 - cos_theta**2)
    direction = np.stack([sin_theta * np.cos(phi), sin_theta * np.sin(phi), cos_theta], axis=-1)
    p = np.empty((n, 4, 4))
    p[:, :2] = incoming(n, sqrt_s, m1, m2)
    p[:, 2, 0] = np.hypot(k, m3)
    p[:, 2, 1:] = k * direction
    p[:, 3, 0] = np.hypot(k, m4)
    p[:, 3, 1:] = -k * direction
    return p


def rambo(n_events: int, sqrt_s: float, masses: tuple[float, ...], seed: int,
          m1: float = 0.0, m2: float = 0.0) -> np.ndarray:
    """Final states flat in phase space (RAMBO, Kleiss-Stirling-Ellis 1986) plus the beams.

    The massless RAMBO momenta are rescaled onto the mass shells with the usual Newton solve
    for the common factor ``xi``; the (unneeded) weights are not returned.

    Parameters
    ----------
    n_events : number of events.
    sqrt_s : partonic centre-of-mass energy, GeV (larger than the sum of ``masses``).
    masses : final-state masses, GeV, in process order.
    seed : seed of the numpy generator.
    m1, m2 : incoming masses, GeV.

    Returns
    -------
    float64 ``(n_events, 2 + len(masses), 4)`` GeV in the centre-of-mass frame.
    """
    rng = np.random.default_rng(seed)
    n = len(masses)
    r = rng.random((n_events, n, 4))
    cos_t = 2.0 * r[..., 0] - 1.0
    sin_t = np.sqrt(1.0 - cos_t**2)
    azimuth = 2.0 * np.pi * r[..., 1]
    q0 = -np.log(r[..., 2] * (1.0 - r[..., 3]))
    q = np.stack([q0, q0 * sin_t * np.cos(azimuth), q0 * sin_t * np.sin(azimuth), q0 * cos_t],
                 axis=-1)
    total = q.sum(axis=1)  # (n_events, 4)
    m_total = np.sqrt(dot(total, total))
    b = -total[:, 1:] / m_total[:, None]
    x = sqrt_s / m_total
    gamma = total[:, 0] / m_total
    a = 1.0 / (1.0 + gamma)
    bq = np.sum(b[:, None, :] * q[..., 1:], axis=-1)  # (n_events, n)
    p = np.empty_like(q)
    p[..., 0] = x[:, None] * (gamma[:, None] * q[..., 0] + bq)
    p[..., 1:] = x[:, None, None] * (q[..., 1:] + b[:, None, :] * q[..., :1]
                                     + (a[:, None] * bq)[..., None] * b[:, None, :])
    masses_arr = np.asarray(masses, dtype=float)
    if np.any(masses_arr > 0):
        xi = np.full(n_events, 1.0)
        for _ in range(50):
            energies = np.sqrt(masses_arr**2 + (xi[:, None] * p[..., 0]) ** 2)
            f = energies.sum(axis=1) - sqrt_s
            df = np.sum(xi[:, None] * p[..., 0] ** 2 / energies, axis=1)
            xi = xi - f / df
        p[..., 1:] *= xi[:, None, None]
        p[..., 0] = np.sqrt(masses_arr**2 + np.sum(p[..., 1:] ** 2, axis=-1))
    return np.concatenate([incoming(n_events, sqrt_s, m1, m2), p], axis=1)


def central_events(n_events: int, sqrt_s: float, masses: tuple[float, ...], seed: int,
                   pt_fraction: float = 0.05, mass_fraction: float = 0.1) -> np.ndarray:
    """RAMBO events with every massless final-state particle hard and well separated.

    Keeps events where each massless final-state particle has ``pT > pt_fraction * sqrt_s``
    and each pair of them has invariant mass ``> mass_fraction * sqrt_s`` (so |M|^2 is far
    from soft and collinear singularities). Returns float64 ``(n_events, 2 + len(masses), 4)``
    GeV; raises ``RuntimeError`` if 50 rounds of generation do not yield enough events.
    """
    massless = [2 + i for i, m in enumerate(masses) if m == 0.0]
    kept: list[np.ndarray] = []
    n_kept = 0
    for attempt in range(50):
        p = rambo(4 * n_events, sqrt_s, masses, seed=seed + 1000 * attempt)
        keep = np.ones(p.shape[0], dtype=bool)
        for i in massless:
            keep &= np.hypot(p[:, i, 1], p[:, i, 2]) > pt_fraction * sqrt_s
        for pos, i in enumerate(massless):
            for j in massless[pos + 1:]:
                keep &= invariant(p, (i, 1), (j, 1)) > (mass_fraction * sqrt_s) ** 2
        kept.append(p[keep])
        n_kept += int(keep.sum())
        if n_kept >= n_events:
            return np.concatenate(kept)[:n_events]
    raise RuntimeError(f"only {n_kept} of {n_events} events passed the central cuts")
