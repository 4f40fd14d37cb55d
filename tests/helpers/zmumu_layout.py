"""Synthetic events in the zmumu layout (no Pythia): seeded, fast, satisfying the event
definition (muons on shell, jets pT > 20 GeV by decreasing pT, Delta R >= 0.4 between all
objects), for tests of code that reads zmumu files."""

from __future__ import annotations

import h5py
import numpy as np

from hepscaling.physics.events import DELTA_R_MIN, MUON_MASS, N_OBJECTS
from hepscaling.physics.events.selection import pairwise_delta_r


def _momenta(pt, eta, phi, mass):
    """(E, px, py, pz) float64 (..., 4) from pT, eta, phi and mass."""
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    energy = np.sqrt(px**2 + py**2 + pz**2 + mass**2)
    return np.stack([energy, px, py, pz], axis=-1)


def zmumu_events(n: int, seed: int, n_jets=(1,)) -> dict[str, np.ndarray]:
    """``n`` events, multiplicities drawn uniformly from ``n_jets``: muons with pT 20-60 GeV,
    |eta| < 2.5; jets with pT = 20 GeV + Exp(25 GeV), |eta| < 3, mass 2-15 GeV; events with
    two objects closer than Delta R = 0.4 redrawn."""
    rng = np.random.default_rng(seed)
    momenta = np.zeros((0, N_OBJECTS, 4))
    multiplicity = np.zeros(0, dtype=np.int64)
    while len(multiplicity) < n:
        m = 2 * n
        k = rng.choice(np.asarray(n_jets), m)
        mu = _momenta(rng.uniform(20, 60, (m, 2)), rng.uniform(-2.5, 2.5, (m, 2)),
                      rng.uniform(-np.pi, np.pi, (m, 2)), np.full((m, 2), MUON_MASS))
        jet_pt = -np.sort(-(20 + rng.exponential(25, (m, 3))), axis=1)
        jets = _momenta(jet_pt, rng.uniform(-3, 3, (m, 3)), rng.uniform(-np.pi, np.pi, (m, 3)),
                        rng.uniform(2, 15, (m, 3)))
        present = np.arange(N_OBJECTS) < 2 + k[:, None]
        p = np.concatenate([mu, jets], axis=1) * present[..., None]
        keep = pairwise_delta_r(p, present) >= DELTA_R_MIN
        momenta = np.concatenate([momenta, p[keep]])
        multiplicity = np.concatenate([multiplicity, k[keep]])
    return {"momenta": momenta[:n], "n_jets": multiplicity[:n]}


def write_events(path, events: dict[str, np.ndarray], **extra: np.ndarray) -> str:
    """Write ``events`` (and any ``extra`` datasets) to the HDF5 file ``path``."""
    with h5py.File(path, "w") as f:
        for key, value in {**events, **extra}.items():
            f[key] = value
    return str(path)
