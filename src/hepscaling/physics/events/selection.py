"""Objects of a Drell-Yan event: the Z's muons, anti-kT R = 0.4 jets, overlap removal, veto.

Per event of a Pythia batch (:func:`select`):

- muons: the final-state mu+ and mu- of the gamma*/Z decay (a final muon whose chain of muon
  copies starts at the Z; muons from hadron or tau decays and photon splittings are not);
- jets: FastJet anti-kT R = 0.4 (E-scheme) on the visible final state without those two muons
  and without neutrinos, pT > 20 GeV, by decreasing pT; jets within Delta R < 0.4 of a muon are
  removed;
- veto: any pair of the remaining objects (muons and all jets) closer than Delta R = 0.4
  (anti-kT works in rapidity, so two jets can be slightly closer in pseudorapidity).
"""

from __future__ import annotations

from dataclasses import dataclass

import awkward as ak
import numpy as np

from hepscaling.errors import WorkFailed
from hepscaling.physics import lorentz
from hepscaling.physics.events.process import DELTA_R_MIN, JET_PT_MIN, JET_R
from hepscaling.physics.jets import clustering

__all__ = ["Selected", "pairwise_delta_r", "select", "z_muons"]

_MUON, _Z = 13, 23


@dataclass(frozen=True)
class Selected:
    """The objects of each event of a batch.

    Attributes
    ----------
    momenta : float64 (n_events, 2 + n_max, 4), GeV
        mu+, mu-, then the jets left after overlap removal by decreasing pT, zero-padded.
    n_jets : int64 (n_events,)
        Jets left after overlap removal (any number).
    vetoed : bool (n_events,)
        Some pair of the objects is closer than Delta R = 0.4.
    """

    momenta: np.ndarray
    n_jets: np.ndarray
    vetoed: np.ndarray


def z_muons(batch: ak.Array) -> tuple[np.ndarray, np.ndarray]:
    """The mu+ and mu- of each event's gamma*/Z decay.

    Returns ``(momenta, flat)``: float64 ``(n_events, 2, 4)`` GeV (mu+, mu-) and the two
    muons' int64 ``(n_events, 2)`` indices into the flattened particle records of ``batch``.

    Raises
    ------
    WorkFailed
        an event without exactly one such mu+ and one mu- (not a Z -> mu mu event).
    """
    prt = batch.prt
    counts = ak.to_numpy(ak.num(prt.id))
    pid = ak.to_numpy(ak.flatten(prt.id))
    status = ak.to_numpy(ak.flatten(prt.status))
    event = np.repeat(np.arange(counts.size), counts)
    mother = (np.cumsum(counts) - counts)[event] + ak.to_numpy(ak.flatten(prt.mother1))
    final = np.flatnonzero((status > 0) & (np.abs(pid) == _MUON))
    origin = mother[final]
    while True:  # climb the copies of each muon (recoils, radiation) to where it was made
        copy = np.flatnonzero(np.abs(pid[origin]) == _MUON)
        if not copy.size:
            break
        origin[copy] = mother[origin[copy]]
    from_z = np.zeros(pid.size, dtype=bool)
    from_z[final[pid[origin] == _Z]] = True
    flat = np.empty((counts.size, 2), dtype=np.int64)
    for column, sign in enumerate((-1, 1)):  # PDG: mu+ is -13, mu- is 13
        found = np.flatnonzero(from_z & (pid == sign * _MUON))
        if not np.array_equal(event[found], np.arange(counts.size)):
            raise WorkFailed("an event has no single Z -> mu mu muon pair; check the Pythia "
                             "settings (23:onIfAny = 13)")
        flat[:, column] = found
    p = prt.p
    columns = [ak.to_numpy(ak.flatten(getattr(p, c))) for c in ("e", "px", "py", "pz")]
    return np.stack([c[flat] for c in columns], axis=-1), flat


def pairwise_delta_r(momenta: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Smallest Delta R between two present objects of each event.

    Parameters
    ----------
    momenta : float64 (n, k, 4), GeV.
    present : bool (n, k), which objects exist (the rest is padding).

    Returns float64 (n,): the minimum over pairs, ``inf`` with fewer than two objects.
    """
    dr = lorentz.delta_r(momenta[:, :, None], momenta[:, None, :])  # (n, k, k)
    k = momenta.shape[1]
    pair = present[:, :, None] & present[:, None, :] & ~np.eye(k, dtype=bool)
    return np.where(pair, dr, np.inf).min(axis=(1, 2), initial=np.inf)


def select(batch: ak.Array) -> Selected:
    """Muons, jets and the Delta R veto of every event of the Pythia ``batch`` (module
    docstring)."""
    muons, flat = z_muons(batch)
    drop = np.zeros(len(ak.flatten(batch.prt.id)), dtype=bool)
    drop[flat.ravel()] = True
    particles, _ = clustering.visible_particles(batch, drop)
    jets = clustering.cluster(particles, r=JET_R, pt_min=JET_PT_MIN)
    n_max = jets.p4.shape[1]
    present = np.arange(n_max) < jets.count[:, None]
    near_muon = (lorentz.delta_r(jets.p4[:, :, None], muons[:, None]) < DELTA_R_MIN).any(-1)
    keep = present & ~near_muon
    order = np.argsort(~keep, axis=1, kind="stable")  # kept jets first, pT order unchanged
    jet_p4 = np.take_along_axis(jets.p4 * keep[..., None], order[..., None], axis=1)
    n_jets = keep.sum(axis=1)
    momenta = np.concatenate([muons, jet_p4], axis=1)
    objects = np.concatenate([np.ones((len(n_jets), 2), dtype=bool),
                              np.arange(n_max) < n_jets[:, None]], axis=1)
    vetoed = pairwise_delta_r(momenta, objects) < DELTA_R_MIN
    return Selected(momenta=momenta, n_jets=n_jets.astype(np.int64), vetoed=vetoed)
