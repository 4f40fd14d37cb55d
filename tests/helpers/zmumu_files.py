"""Synthetic Z -> mu mu + jets events and files in the zmumu layout, without Pythia
(milliseconds), for tests of code that reads zmumu files.

Muons on their mass shell (pT ~ 25-65 GeV, |eta| ~ 1.5, back to back up to a jitter), jets
with pT = 20 GeV + an exponential of mean 20 GeV, ordered by decreasing pT, eta ~ N(0, 1.5^2),
masses ~ 2-15 GeV, events with two objects closer than Delta R = 0.4 drawn again: every event
passes :func:`hepscaling.data.events.validate_events`.
"""

from __future__ import annotations

import json

import h5py
import numpy as np

from hepscaling.data.events import FORMAT, FORMAT_VERSION
from hepscaling.physics import lorentz
from hepscaling.physics.events import DELTA_R_MIN, MUON_MASS, N_OBJECTS
from hepscaling.physics.events.selection import pairwise_delta_r


def _four(pt, eta, phi, mass):
    """(E, px, py, pz) float64 (..., 4) GeV from pT, eta, phi and mass."""
    pz = pt * np.sinh(eta)
    e = np.sqrt(pt**2 + pz**2 + mass**2)
    return np.stack([e, pt * np.cos(phi), pt * np.sin(phi), pz], axis=-1)


def toy_events(n: int, seed: int = 0, fractions=(0.6, 0.3, 0.1)):
    """``(momenta float64 (n, 5, 4) GeV, n_jets int64 (n,))`` of valid synthetic events, with
    1, 2 or 3 jets in the proportions ``fractions``."""
    rng = np.random.default_rng(seed)
    n_jets = rng.choice([1, 2, 3], size=n, p=fractions)
    momenta = np.zeros((n, N_OBJECTS, 4))
    todo = np.arange(n)
    while todo.size:
        m = todo.size
        phi = rng.uniform(-np.pi, np.pi, m)
        muons = np.stack([
            _four(rng.uniform(25, 65, m), rng.normal(0, 1.5, m), phi, MUON_MASS),
            _four(rng.uniform(25, 65, m), rng.normal(0, 1.5, m),
                  phi + np.pi + rng.normal(0, 0.5, m), MUON_MASS)], axis=1)
        jets = _four(20 + rng.exponential(20, (m, 3)), rng.normal(0, 1.5, (m, 3)),
                     rng.uniform(-np.pi, np.pi, (m, 3)), rng.uniform(2, 15, (m, 3)))
        order = np.argsort(-lorentz.pt(jets), axis=1)
        jets = np.take_along_axis(jets, order[..., None], axis=1)
        present = np.arange(3) < n_jets[todo, None]
        jets = jets * present[..., None]
        p = np.concatenate([muons, jets], axis=1)
        ok = pairwise_delta_r(p, np.concatenate([np.ones((m, 2), bool), present], 1)) \
            >= DELTA_R_MIN
        momenta[todo[ok]] = p[ok]
        todo = todo[~ok]
    return momenta, n_jets.astype(np.int64)


def write_zmumu(path, momenta: np.ndarray, n_jets: np.ndarray | None, **provenance) -> str:
    """A zmumu file at ``path`` holding ``momenta`` ``(n, 5, 4)`` GeV and ``n_jets`` ``(n,)``
    as given (``n_jets=None`` leaves that dataset out, a broken file; nothing is validated,
    so damaged events can be written); returns the path as a string."""
    with h5py.File(path, "w") as f:
        f["momenta"] = momenta
        if n_jets is not None:
            f["n_jets"] = n_jets
        f.attrs["format"] = FORMAT
        f.attrs["format_version"] = FORMAT_VERSION
        f.attrs["provenance"] = json.dumps({"n": len(momenta), **provenance,
                                            "synthetic": True})
    return str(path)


def write_toy_zmumu(path, n: int, seed: int = 0, fractions=(0.6, 0.3, 0.1), *,
                    n_jets_dataset: bool = True) -> str:
    """A zmumu file of :func:`toy_events` at ``path`` (``n_jets_dataset=False`` leaves the
    ``n_jets`` dataset out, a broken file); returns the path as a string."""
    momenta, n_jets = toy_events(n, seed, fractions)
    return write_zmumu(path, momenta, n_jets if n_jets_dataset else None, seed=seed)
