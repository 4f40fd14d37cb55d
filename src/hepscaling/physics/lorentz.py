"""Four-vector arithmetic on ``(..., 4)`` float64 arrays ``(E, px, py, pz)``, metric (+,-,-,-).

See :mod:`hepscaling.physics` for the conventions. All functions broadcast over leading axes.
This module is the one numpy path for kinematics (the amplitude engine and the jets use it):

- ``phi = arctan2(py, px)`` in ``[-pi, pi]`` (numpy's ``arctan2``: ``-pi`` only for
  ``py = -0.0``);
- ``Delta phi`` is wrapped to ``[-pi, pi)``: a difference of exactly ``+-pi`` gives ``-pi``;
- ``eta = asinh(pz / pT)`` (pseudorapidity): ``+-inf`` along the beam (``pT = 0``, sign of
  ``pz``), ``0`` for the zero vector (the padding of jet arrays);
- ``y = 0.5 log((E + pz) / (E - pz))`` (rapidity): ``+-inf`` for a massless particle along
  the beam;
- ``Delta R = hypot(Delta eta, Delta phi)`` in pseudorapidity and azimuth.
"""

from __future__ import annotations

import numpy as np

from hepscaling.errors import UsageError

__all__ = [
    "boost",
    "boost_by_momentum",
    "boost_z",
    "check_momenta",
    "delta_phi",
    "delta_r",
    "eta",
    "mass",
    "mass_squared",
    "minkowski_dot",
    "phi",
    "pt",
    "rapidity",
    "wrap_phi",
]

METRIC = np.array([1.0, -1.0, -1.0, -1.0])


def minkowski_dot(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``p.q = E_p E_q - p_vec.q_vec``; ``p, q``: ``(..., 4)`` GeV -> ``(...)`` GeV^2."""
    return p[..., 0] * q[..., 0] - np.sum(p[..., 1:] * q[..., 1:], axis=-1)


def mass_squared(p: np.ndarray) -> np.ndarray:
    """``p^2`` in GeV^2, ``(..., 4) -> (...)``; negative for spacelike vectors."""
    return minkowski_dot(p, p)


def mass(p: np.ndarray) -> np.ndarray:
    """``sign(p^2) sqrt(|p^2|)`` in GeV, ``(..., 4) -> (...)``."""
    m2 = mass_squared(p)
    return np.sign(m2) * np.sqrt(np.abs(m2))


def pt(p: np.ndarray) -> np.ndarray:
    """Transverse momentum ``sqrt(px^2 + py^2)`` in GeV, ``(..., 4) -> (...)``."""
    return np.hypot(p[..., 1], p[..., 2])


def phi(p: np.ndarray) -> np.ndarray:
    """Azimuth ``arctan2(py, px)`` in ``[-pi, pi]``, ``(..., 4) -> (...)`` (module docstring)."""
    return np.arctan2(p[..., 2], p[..., 1])


def eta(p: np.ndarray) -> np.ndarray:
    """Pseudorapidity ``asinh(pz / pT)``, ``(..., 4) -> (...)``.

    ``+-inf`` along the beam (``pT = 0``, ``pz != 0``), ``0`` for the zero vector.
    """
    transverse = pt(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.arcsinh(p[..., 3] / transverse)
    return np.where((transverse == 0) & (p[..., 3] == 0), 0.0, out)


def rapidity(p: np.ndarray) -> np.ndarray:
    """Rapidity ``0.5 log((E + pz) / (E - pz))``, ``(..., 4) -> (...)``.

    ``+-inf`` for a massless particle along the beam.
    """
    with np.errstate(divide="ignore"):
        return 0.5 * np.log((p[..., 0] + p[..., 3]) / (p[..., 0] - p[..., 3]))


def delta_phi(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``phi(p) - phi(q)`` wrapped to ``[-pi, pi)``; ``(..., 4), (..., 4) -> (...)``.

    A difference of exactly ``+-pi`` gives ``-pi``.
    """
    return wrap_phi(phi(p) - phi(q))


def wrap_phi(angle: np.ndarray) -> np.ndarray:
    """Angles ``angle`` (radians, any shape) wrapped to ``[-pi, pi)``; ``+-pi`` gives ``-pi``."""
    wrapped = np.mod(angle + np.pi, 2 * np.pi) - np.pi
    # np.mod rounds up to 2 pi for a difference a few ulp below -pi: keep [-pi, pi)
    return np.where(wrapped >= np.pi, wrapped - 2 * np.pi, wrapped)


def delta_r(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``hypot(eta(p) - eta(q), delta_phi(p, q))``; ``(..., 4), (..., 4) -> (...)``."""
    return np.hypot(eta(p) - eta(q), delta_phi(p, q))


def boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Active Lorentz boost of ``p (..., 4)`` by velocity ``beta (..., 3)`` (``|beta| < 1``).

    A particle at rest boosted by ``beta`` ends with velocity ``beta``. Returns ``(..., 4)``.
    """
    beta = np.asarray(beta, dtype=float)
    b2 = np.sum(beta**2, axis=-1)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p[..., 1:], axis=-1)
    safe_b2 = np.where(b2 > 0, b2, 1.0)
    coef = np.where(b2 > 0, (gamma - 1.0) / safe_b2, 0.0)
    energy = gamma * (p[..., 0] + bp)
    space = p[..., 1:] + (coef * bp + gamma * p[..., 0])[..., None] * beta
    return np.concatenate([energy[..., None], space], axis=-1)


def boost_by_momentum(p: np.ndarray, frame: np.ndarray, sign: float = 1.0) -> np.ndarray:
    """Active boost of ``p (..., 4)`` by the velocity ``sign * P/E`` of the time-like
    four-momentum ``frame`` ``(..., 4)`` (``sign = -1``: into its rest frame).

    :func:`boost` with ``gamma = E / M`` and ``(gamma - 1) / beta^2 = gamma^2 / (gamma + 1)``
    taken from ``frame`` directly, not through ``1 - beta^2`` (which loses digits at large
    ``gamma``). Returns ``(..., 4)``.
    """
    mass_ = mass(frame)
    gamma = frame[..., 0] / mass_
    beta = sign * frame[..., 1:] / frame[..., :1]
    bp = np.sum(beta * p[..., 1:], axis=-1)
    energy = gamma * (p[..., 0] + bp)
    space = p[..., 1:] + (gamma**2 / (gamma + 1.0) * bp + gamma * p[..., 0])[..., None] * beta
    return np.concatenate([energy[..., None], space], axis=-1)


def boost_z(p: np.ndarray, rapidity: np.ndarray) -> np.ndarray:
    """Active boost along +z by ``rapidity``: :func:`boost` with ``beta = (0, 0, tanh y)``.

    Parameters
    ----------
    p : float64 ``(n, ..., 4)`` GeV.
    rapidity : float64 ``(n,)``, one boost per leading index.

    Returns a new ``(n, ..., 4)`` array. Parametrised by ``cosh y, sinh y`` rather than
    ``beta``: ``gamma = 1 / sqrt(1 - tanh^2 y)`` loses digits at large ``y``.
    """
    shape = (-1,) + (1,) * (p.ndim - 2)
    ch, sh = np.cosh(rapidity).reshape(shape), np.sinh(rapidity).reshape(shape)
    out = p.copy()
    out[..., 0] = ch * p[..., 0] + sh * p[..., 3]
    out[..., 3] = sh * p[..., 0] + ch * p[..., 3]
    return out


def check_momenta(momenta: np.ndarray, masses: np.ndarray, n_initial: int = 2, *,
                  rtol: float = 1e-6, what: str = "momenta",
                  positive_energy: bool = False) -> np.ndarray:
    """Validate an event batch and return it as a C-contiguous float64 array.

    Parameters
    ----------
    momenta : array_like, float, ``(n, k, 4)`` GeV, particles in process order.
    masses : array_like, ``(k,)`` GeV, the on-shell masses.
    n_initial : number of incoming particles (the first ``n_initial`` of ``k``).
    rtol : tolerance relative to the event energy scale for the mass-shell and
        momentum-conservation checks.
    positive_energy : also require every energy to be > 0 (physical momenta).

    Raises
    ------
    UsageError
        wrong shape, non-finite entries, a particle off its mass shell, momentum not
        conserved (sum of incoming != sum of outgoing) beyond tolerance, or (with
        ``positive_energy``) an energy <= 0.
    """
    p = np.ascontiguousarray(momenta, dtype=np.float64)
    masses = np.asarray(masses, dtype=np.float64)
    k = masses.shape[0]
    if p.ndim != 3 or p.shape[1:] != (k, 4):
        raise UsageError(
            f"{what} have shape {p.shape}, expected (n_events, {k}, 4) for this process "
            "(E, px, py, pz per particle, in process order)"
        )
    if not np.isfinite(np.sum(p)):  # one cheap pass; the exact check only on failure
        bad = int(np.count_nonzero(~np.all(np.isfinite(p), axis=(1, 2))))
        if bad:
            raise UsageError(f"{what} contain NaN or Inf in {bad} event(s); remove them first")
    if p.shape[0] == 0:
        return p
    # single-pass contractions (einsum) keep this check cheap next to the amplitudes
    scale = np.max(np.abs(p[..., 0]), axis=1)  # (n,)
    m2 = np.einsum("nki,i,nki->nk", p, METRIC, p)  # (n, k)
    m2_err = np.abs(m2 - masses**2) / scale[:, None] ** 2
    if np.any(m2_err > rtol):
        event, particle = np.unravel_index(np.argmax(m2_err), m2_err.shape)
        raise UsageError(
            f"{what}: particle {particle} of event {event} is off its mass shell "
            f"(p^2 = {m2[event, particle]:.6g} GeV^2, expected "
            f"{masses[particle] ** 2:.6g}); check the particle order and masses"
        )
    direction = np.where(np.arange(k) < n_initial, 1.0, -1.0)  # incoming +, outgoing -
    imbalance = np.einsum("nki,k->ni", p, direction)  # (n, 4)
    rel = np.max(np.abs(imbalance), axis=1) / scale
    if np.any(rel > rtol):
        event = int(np.argmax(rel))
        raise UsageError(
            f"{what}: event {event} does not conserve momentum (incoming - outgoing = "
            f"{np.array2string(imbalance[event], precision=4)} GeV); incoming particles "
            "come first, in process order"
        )
    if positive_energy and np.any(p[..., 0] <= 0):
        event, leg = np.argwhere(p[..., 0] <= 0)[0]
        raise UsageError(
            f"{what}: particle {leg} of event {event} has energy {p[event, leg, 0]:.6g} "
            "GeV <= 0; give physical momenta (incoming ones too, with positive energy)"
        )
    return p
