"""The coordinates event generators model: Z -> mu mu + k jets events as ``(n, 5 + 4 k)`` arrays.

Events follow the zmumu layout (:mod:`hepscaling.physics.events`: ``momenta`` float64
``(n, 5, 4)`` GeV, ``(E, px, py, pz)`` of mu+, mu-, then the jets by decreasing pT,
zero-padded). For events with exactly ``k`` jets (1 to 3), :class:`EventCoordinates` maps the
momenta to ``d = 5 + 4 k`` coordinates (``d = 9, 13, 17``): five of the muons, in the
coordinate ``system`` (:mod:`hepscaling.data.muon_coordinates`), which also fixes the reference
azimuth ``phi_ref``, then four per jet ``<o>`` = ``j1`` ...:

- ``log_pt_<o>`` = ``log(pT - pT_min + eps)``: ``pT_min`` = 20 GeV (the jet cut), ``eps`` =
  :data:`PT_EPS` GeV; a generated value always decodes to a jet with ``pT > pT_min - eps``;
- ``eta_<o>``: pseudorapidity;
- ``dphi_<o>``: azimuth relative to ``phi_ref``, wrapped to ``[-pi, pi)``, radians;
- ``log_m2_<o>`` = ``log(m^2 + eps_m2)`` (``eps_m2`` = :data:`M2_EPS` GeV^2: jets of one
  massless constituent have ``m^2 = 0``).

Systems: ``objects`` (the default) describes each muon like a jet (``log_pt_mu1``,
``eta_mu1``, ``log_pt_mu2``, ``eta_mu2``, ``dphi_mu2``; ``phi_ref`` = the mu+ azimuth);
``dimuon`` describes the pair (``asinh_m_mumu``, ``log_pt_mumu``, ``y_mumu``,
``atanh_cos_theta``, ``phi_star``; ``phi_ref`` = the pair azimuth), so the Z peak is one
coordinate. The muons sit on their mass shell (:data:`~hepscaling.physics.events.MUON_MASS`).

Object names are ``mu1`` (mu+), ``mu2`` (mu-), ``j1`` ... as in
:mod:`hepscaling.physics.events.observables`; coordinate ``i`` belongs to object (token)
``objects[i]`` (in the ``dimuon`` system 0 = the pair's motion, 1 = its decay angles).
Everything is numpy float64.

Standardisation. :meth:`EventCoordinates.fit` takes the mean and standard deviation of every
non-periodic coordinate on the training events; the standardised coordinates are
``(raw - mean) / std``. The periodic coordinates (mask ``periodic`` ``(d,)``) stay in
radians (mean 0, std 1): a generator treats them as angles on ``[-pi, pi)``.

Inverse. :meth:`~EventCoordinates.decode` is the exact inverse of
:meth:`~EventCoordinates.encode` given the reference azimuth ``phi_ref`` ``(n,)`` (the mu+
azimuth of the system, which ``encode`` returns); without it a uniform global rotation is drawn
from a seeded generator (the events are symmetric under rotations about the beam). Decoding is
total: a muon (or pair) ``pT`` below 0, a jet ``m^2`` below 0 or a pair mass below ``2 m_mu``
(coordinates outside the image of physical events, flagged by
:meth:`~EventCoordinates.out_of_support`) is clipped to the boundary.

Likelihoods in physical space. With ``x`` = the three-momenta of the two muons (their energy
fixed by the mass) and the four-momenta ``(E, px, py, pz)`` of the jets (``6 + 4 k`` numbers,
GeV), the map ``x -> (y, phi_ref)`` has ::

    log|det d(y, phi_ref)/dx| = J_muons + sum_jets [-log(pT_j^2 cosh eta_j)
                                - log(pT_j - 20 GeV + eps) + log(2 E_j) - log(m_j^2 + eps_m2)]
                              - sum_i log std_i

(:meth:`~EventCoordinates.log_abs_det_jacobian`; ``J_muons`` is the muon system's, the jet
azimuth differences are a shear of unit determinant). Both systems thus give densities of the
same ``x``: their likelihoods compare in nats per event. A generator of density ``q(y)`` with
a uniform ``phi_ref`` is the density ``log q(y) + log|det| - log(2 pi)`` of ``x`` in
GeV^-(6 + 4k): :meth:`physical_log_prob`.

Cuts. :meth:`~EventCoordinates.defects` flags, per generated event, what the zmumu event
definition (:mod:`hepscaling.physics.events.selection`) would reject: non-finite values,
coordinates out of support, a jet below 20 GeV, two objects closer than Delta R = 0.4 (no
coordinate encodes that cut) and jets not ordered by pT.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hepscaling.data.muon_coordinates import MUON_SYSTEMS, PT_EPS, muon_coordinates
from hepscaling.errors import UsageError
from hepscaling.physics import lorentz
from hepscaling.physics.events import DELTA_R_MIN, JET_PT_MIN, MAX_JETS, N_OBJECTS
from hepscaling.physics.events.observables import OBJECTS
from hepscaling.physics.events.selection import pairwise_delta_r

__all__ = ["DEFECTS", "M2_EPS", "PT_EPS", "SYSTEMS", "EventCoordinates"]

#: the coordinate systems of the muons (:mod:`hepscaling.data.muon_coordinates`)
SYSTEMS: tuple[str, ...] = tuple(MUON_SYSTEMS)
M2_EPS = 0.01  # GeV^2, eps of log(m^2 + eps_m2)
#: the defects :meth:`EventCoordinates.defects` flags, in the order they are checked
DEFECTS: tuple[str, ...] = ("non_finite", "out_of_support", "jet_pt_below_min",
                            "delta_r_below_min", "jets_unordered")
_LOG_2PI = math.log(2.0 * math.pi)
_N_MUON = 5  # muon coordinates, in either system
_JET_FIELDS = ("log_pt", "eta", "dphi", "log_m2")


class EventCoordinates:
    """The invertible map between zmumu events with ``n_jets`` jets and ``d = 5 + 4 n_jets``
    standardised coordinates (module docstring).

    Attributes
    ----------
    n_jets : jets per event (1 to 3).
    system : the muons' coordinate system, ``objects`` or ``dimuon`` (:data:`SYSTEMS`).
    d : coordinates per event.
    names : ``(d,)`` coordinate names, e.g. ``log_pt_mu1`` or ``asinh_m_mumu``.
    objects : int ``(d,)``, the object (0, 1 = the muons' tokens, 2.. = jets) of each
        coordinate.
    periodic : bool ``(d,)``, true for the azimuthal coordinates (radians, not standardised).
    mean, std : float64 ``(d,)`` of the standardisation (after :meth:`fit`).
    """

    def __init__(self, n_jets: int, system: str = "objects") -> None:
        if n_jets not in range(1, MAX_JETS + 1):
            raise UsageError(f"events with {n_jets!r} jets are not modelled; choose n_jets "
                             f"1 to {MAX_JETS}")
        self.n_jets, self.system = n_jets, system
        self.muons = muon_coordinates(system)
        jets = range(2, 2 + n_jets)
        self.names: tuple[str, ...] = self.muons.names + tuple(
            f"{f}_{OBJECTS[o]}" for o in jets for f in _JET_FIELDS)
        self.objects = np.array(self.muons.objects + tuple(o for o in jets for _ in _JET_FIELDS))
        self.d = len(self.names)
        self.periodic = np.concatenate([self.muons.periodic,
                                        np.tile([f == "dphi" for f in _JET_FIELDS], n_jets)])
        # columns of each jet field, (k,) each
        self._jet = {f: _N_MUON + i + np.arange(n_jets) * len(_JET_FIELDS)
                     for i, f in enumerate(_JET_FIELDS)}
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None

    # -- raw coordinates --------------------------------------------------------------------

    def _objects(self, momenta: np.ndarray) -> np.ndarray:
        """The ``2 + k`` present objects of ``momenta`` ``(n, 5, 4)`` -> ``(n, 2 + k, 4)``."""
        if momenta.ndim != 3 or momenta.shape[1:] != (N_OBJECTS, 4):
            raise UsageError(f"momenta have shape {momenta.shape}, expected (n, {N_OBJECTS}, 4)"
                             " (the zmumu layout)")
        return np.asarray(momenta[:, :2 + self.n_jets], dtype=np.float64)

    def raw(self, momenta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unstandardised coordinates float64 ``(n, d)`` and the reference azimuth ``phi_ref``
        ``(n,)`` (of the mu+) of events ``momenta`` ``(n, 5, 4)`` GeV with ``n_jets`` jets."""
        p = self._objects(momenta)
        jets = p[:, 2:]
        out = np.empty((p.shape[0], self.d))
        out[:, :_N_MUON], phi_ref = self.muons.raw(p[:, :2])
        out[:, self._jet["log_pt"]] = np.log(lorentz.pt(jets) - JET_PT_MIN + PT_EPS)
        out[:, self._jet["eta"]] = lorentz.eta(jets)
        out[:, self._jet["dphi"]] = lorentz.wrap_phi(lorentz.phi(jets) - phi_ref[:, None])
        out[:, self._jet["log_m2"]] = np.log(lorentz.mass_squared(jets) + M2_EPS)
        return out, phi_ref

    def fit(self, momenta: np.ndarray) -> EventCoordinates:
        """Fit the standardisation on the training events ``momenta`` ``(n, 5, 4)``; returns
        ``self``."""
        raw, _ = self.raw(momenta)
        mean, std = raw.mean(axis=0), raw.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        self.mean = np.where(self.periodic, 0.0, mean)
        self.std = np.where(self.periodic, 1.0, std)
        return self

    def _fitted(self) -> tuple[np.ndarray, np.ndarray]:
        if self.mean is None or self.std is None:
            raise RuntimeError("EventCoordinates.fit (or from_dict) must come first")
        return self.mean, self.std

    # -- encode / decode --------------------------------------------------------------------

    def encode(self, momenta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Standardised coordinates float64 ``(n, d)`` and ``phi_ref`` ``(n,)`` of ``momenta``
        ``(n, 5, 4)`` GeV."""
        mean, std = self._fitted()
        raw, phi_ref = self.raw(momenta)
        return (raw - mean) / std, phi_ref

    def decode(self, y: np.ndarray, phi_ref: np.ndarray | None = None, *,
               seed: int = 0) -> np.ndarray:
        """Momenta float64 ``(n, 5, 4)`` GeV (zero-padded) of standardised coordinates ``y``
        ``(n, d)``; periodic coordinates may lie outside ``[-pi, pi)`` (they are wrapped).

        ``phi_ref`` ``(n,)``: the reference azimuth, of the mu+ or of the pair (None: uniform
        on ``[-pi, pi)``, drawn with
        ``numpy.random.default_rng(seed)``). Non-finite ``y`` give non-finite momenta.
        """
        mean, std = self._fitted()
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 2 or y.shape[1] != self.d:
            raise UsageError(f"coordinates have shape {y.shape}, expected (n, {self.d}) for "
                             f"{self.n_jets} jet(s)")
        n = y.shape[0]
        ref = np.asarray(np.random.default_rng(seed).uniform(-np.pi, np.pi, n)
                         if phi_ref is None else phi_ref, dtype=np.float64)
        raw = y * std + mean
        out = np.zeros((n, N_OBJECTS, 4))
        out[:, :2] = self.muons.momenta(raw[:, :_N_MUON], ref)
        with np.errstate(over="ignore", invalid="ignore"):
            pt = np.maximum(np.exp(raw[:, self._jet["log_pt"]]) - PT_EPS + JET_PT_MIN, 0.0)
            eta = raw[:, self._jet["eta"]]
            phi = raw[:, self._jet["dphi"]] + ref[:, None]
            m2 = np.maximum(np.exp(raw[:, self._jet["log_m2"]]) - M2_EPS, 0.0)
            pz = pt * np.sinh(eta)
            energy = np.sqrt(pt**2 + pz**2 + m2)
            out[:, 2:2 + self.n_jets] = np.stack(
                [energy, pt * np.cos(phi), pt * np.sin(phi), pz], axis=-1)
        return out

    def out_of_support(self, y: np.ndarray) -> np.ndarray:
        """Bool ``(n,)``: coordinates ``y`` ``(n, d)`` no physical event has, which
        :meth:`decode` clips (a muon or pair ``pT < 0``, a pair mass below ``2 m_mu`` or a jet
        ``m^2 < 0``); non-finite rows are not flagged here."""
        mean, std = self._fitted()
        raw = np.asarray(y, dtype=np.float64) * std + mean
        return (self.muons.out_of_support(raw[:, :_N_MUON])
                | (raw[:, self._jet["log_m2"]] < math.log(M2_EPS)).any(axis=1))

    # -- densities --------------------------------------------------------------------------

    def log_abs_det_jacobian(self, momenta: np.ndarray) -> np.ndarray:
        """``log|det d(y, phi_ref)/dx|`` float64 ``(n,)`` of events ``momenta`` ``(n, 5, 4)``
        GeV, ``x`` = muon three-momenta and jet four-momenta (module docstring)."""
        _, std = self._fitted()
        p = self._objects(momenta)
        jets = p[:, 2:]
        pt, eta = lorentz.pt(jets), lorentz.eta(jets)
        out = self.muons.log_abs_det_jacobian(p[:, :2]) - np.sum(
            np.log(pt**2 * np.cosh(eta)) + np.log(pt - JET_PT_MIN + PT_EPS)
            - np.log(2.0 * jets[..., 0]) + np.log(lorentz.mass_squared(jets) + M2_EPS), axis=1)
        return out - float(np.sum(np.log(std)))

    def physical_log_prob(self, log_q: np.ndarray, momenta: np.ndarray) -> np.ndarray:
        """Log density float64 ``(n,)`` of ``x`` (GeV^-(6 + 4k), module docstring) of events
        ``momenta`` ``(n, 5, 4)`` under a generator with log density ``log_q`` ``(n,)`` of
        their standardised coordinates and a uniform ``phi_ref``."""
        return np.asarray(log_q, dtype=np.float64) + self.log_abs_det_jacobian(momenta) - _LOG_2PI

    # -- cuts -------------------------------------------------------------------------------

    def defects(self, y: np.ndarray, momenta: np.ndarray) -> dict[str, np.ndarray]:
        """Per generated event, bool ``(n,)`` for each of :data:`DEFECTS`: coordinates ``y``
        ``(n, d)`` or momenta ``(n, 5, 4)`` non-finite; ``y`` out of support
        (:meth:`out_of_support`); a jet with ``pT < 20`` GeV; two objects closer than
        ``Delta R = 0.4``; jets not ordered by decreasing pT. Events with a non-finite value
        are flagged ``non_finite`` only."""
        finite = np.isfinite(y).all(axis=1) & np.isfinite(momenta).all(axis=(1, 2))
        p = np.where(finite[:, None, None], momenta, 1.0)[:, :2 + self.n_jets]
        pt = lorentz.pt(p[:, 2:])
        present = np.ones(p.shape[:2], dtype=bool)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = {"non_finite": ~finite,
                   "out_of_support": finite & self.out_of_support(np.where(
                       finite[:, None], y, 0.0)),
                   "jet_pt_below_min": finite & (pt < JET_PT_MIN).any(axis=1),
                   "delta_r_below_min": finite & (pairwise_delta_r(p, present) < DELTA_R_MIN),
                   "jets_unordered": finite & (np.diff(pt, axis=1) > 0).any(axis=1)}
        return out

    # -- records ----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The fitted map as JSON types (for run records and checkpoints)."""
        mean, std = self._fitted()
        return {"n_jets": self.n_jets, "system": self.system, "pt_eps": PT_EPS, "m2_eps": M2_EPS,
                "names": list(self.names), "mean": mean.tolist(), "std": std.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EventCoordinates:
        """The map saved by :meth:`to_dict` (without ``system``: ``objects``, as saved before
        the systems existed)."""
        if (data.get("pt_eps"), data.get("m2_eps")) != (PT_EPS, M2_EPS):
            raise UsageError(f"saved event coordinates use eps = ({data.get('pt_eps')}, "
                             f"{data.get('m2_eps')}), this version ({PT_EPS}, {M2_EPS}); "
                             "retrain the run")
        out = cls(int(data["n_jets"]), str(data.get("system", "objects")))
        out.mean = np.asarray(data["mean"], dtype=np.float64)
        out.std = np.asarray(data["std"], dtype=np.float64)
        return out
