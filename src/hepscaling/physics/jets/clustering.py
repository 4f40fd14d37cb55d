"""Jets: anti-kT clustering of the visible final state, selection, truth matching, substructure.

Everything runs on batches through FastJet's awkward-array interface (``fastjet`` on PyPI,
which wraps FastJet and fastjet-contrib). Parameters follow JetClass (its Delphes card
``delphes_card.tcl`` and ``makeNtuples.C`` in github.com/jet-universe/jetclass_generation):

- jets: anti-kT, R = 0.8, E-scheme, on all visible final-state particles (neutrinos
  removed; generator level, no detector); selected if 500 < pT < 1000 GeV and |eta| < 2;
- matching (``FatJetMatching``): a signal jet lies within Delta R < 0.8 of the resonance and
  of each of its decay partons (Delta R in pseudorapidity and azimuth,
  :func:`hepscaling.physics.lorentz.delta_r`);
- soft-drop mass: SoftDrop with beta = 0, z_cut = 0.1, R0 = 0.8 on the jet's constituents
  reclustered with Cambridge/Aachen (``BetaSoftDrop 0.0``, ``SymmetryCutSoftDrop 0.1``,
  ``R0SoftDrop 0.8``; R0 plays no role for beta = 0), computed by :mod:`.softdrop` from
  FastJet's clustering tree;
- N-subjettiness tau_1..tau_4: ``NormalizedMeasure(beta=1, R0=0.8)`` with
  ``OnePass_KT_Axes`` (Delphes ``Beta 1.0``, ``AxisMode 4``):
  ``tau_N = sum_k pT_k min_j DeltaR_jk / (sum_k pT_k R0)`` with Delta R in (rapidity, phi).
"""

from __future__ import annotations

from dataclasses import dataclass

import awkward as ak
import fastjet
import numpy as np

from hepscaling.physics import lorentz
from hepscaling.physics.jets.softdrop import softdrop_mass
from hepscaling.physics.jets.truth import Truth

__all__ = ["Jets", "cluster", "jet_constituents", "select_leading", "select_matched",
           "substructure", "visible_particles"]

JET_R = 0.8
PT_MIN, PT_MAX, ABS_ETA_MAX = 500.0, 1000.0, 2.0  # GeV, GeV, -
SOFTDROP_ZCUT = 0.1  # with beta = 0 (softdrop.py)
NSUB_BETA = 1.0
_NEUTRINOS = (12, 14, 16)

# FastJet prints its banner (please cite arXiv:1111.6097) to stdout on first use; stdout
# carries the CLI's results, so the banner is switched off.
fastjet._swig.ClusterSequence.set_fastjet_banner_stream(None)


def _momenta(px, py, pz, e, counts) -> ak.Array:
    """Packed jagged ``{px, py, pz, E}`` records, the layout FastJet's multi-event path reads.

    Plain records (no ``vector`` behaviour); kinematics go through
    :mod:`hepscaling.physics.lorentz`.
    """
    flat = ak.zip({"px": px, "py": py, "pz": pz, "E": e})
    return ak.unflatten(flat, counts)


def visible_particles(batch: ak.Array, drop: np.ndarray | None = None
                      ) -> tuple[ak.Array, ak.Array]:
    """The visible final state of each event: status > 0, neutrinos removed.

    ``drop`` (bool, one entry per particle of the flattened event records of ``batch``)
    marks further particles to leave out, e.g. the leptons of a Z decay.

    Returns ``(particles, pid)``: jagged ``{px, py, pz, E}`` records (GeV) and int32 PDG ids,
    both ``(n_events, var)``.
    """
    prt = batch.prt
    status = ak.to_numpy(ak.flatten(prt.status))
    pid = ak.to_numpy(ak.flatten(prt.id))
    visible = (status > 0) & ~np.isin(np.abs(pid), _NEUTRINOS)
    keep = np.flatnonzero(visible if drop is None else visible & ~drop)
    ends = np.cumsum(ak.to_numpy(ak.num(prt.id)))
    counts = np.diff(np.searchsorted(keep, ends), prepend=0)  # kept particles per event
    cols = [ak.to_numpy(ak.flatten(getattr(prt.p, c)))[keep] for c in ("px", "py", "pz", "e")]
    return _momenta(*cols, counts), ak.unflatten(pid[keep], counts)


@dataclass(frozen=True)
class Jets:
    """Anti-kT jets above a pT threshold per event, sorted by decreasing pT.

    Attributes
    ----------
    p4 : float64 (n_events, n_max, 4), GeV
        ``(E, px, py, pz)``, zero-padded beyond ``count``.
    count : int64 (n_events,)
        Number of jets above the threshold in each event.
    source : int64 (n_events, n_max)
        Position of each sorted jet in FastJet's (unsorted) output, -1 for padding.
    constituents : awkward.Array (n_events, var, var) int64
        Indices of each jet's constituents in the event's visible-particle list, in FastJet's
        jet order (use ``source`` to look up a sorted jet).
    """

    p4: np.ndarray
    count: np.ndarray
    source: np.ndarray
    constituents: ak.Array

    def events(self, rows: np.ndarray) -> Jets:
        """The jets of the events ``rows`` (int64 indices)."""
        return Jets(self.p4[rows], self.count[rows], self.source[rows], self.constituents[rows])

    def pt(self) -> np.ndarray:
        """float64 (n_events, n_max) GeV, zero for padding."""
        return lorentz.pt(self.p4)

    def in_window(self) -> np.ndarray:
        """bool (n_events, n_max): 500 < pT < 1000 GeV and |eta| < 2 (JetClass)."""
        pt = self.pt()
        return (pt > PT_MIN) & (pt < PT_MAX) & (np.abs(lorentz.eta(self.p4)) < ABS_ETA_MAX)


def cluster(particles: ak.Array, r: float = JET_R, pt_min: float = PT_MIN) -> Jets:
    """Anti-kT jets of radius ``r`` with pT > ``pt_min`` (GeV) of each event's ``particles``
    ({px,py,pz,E}); defaults: JetClass's R = 0.8, 500 GeV."""
    sequence = fastjet.ClusterSequence(particles, fastjet.JetDefinition(fastjet.antikt_algorithm,
                                                                        r))
    jets = sequence.inclusive_jets(pt_min)
    count = ak.to_numpy(ak.num(jets)).astype(np.int64)
    p4 = np.stack([ak.to_numpy(ak.flatten(jets[c])) for c in ("E", "px", "py", "pz")], axis=-1)
    event = np.repeat(np.arange(len(count)), count)
    start = np.cumsum(count) - count
    order = np.lexsort((-np.hypot(p4[:, 1], p4[:, 2]), event))  # by event, then pT down
    rank = np.arange(order.size) - start[event[order]]
    n_max = max(int(count.max()) if count.size else 0, 1)
    padded = np.zeros((count.size, n_max, 4))
    padded[event[order], rank] = p4[order]
    source = np.full((count.size, n_max), -1, dtype=np.int64)
    source[event[order], rank] = order - start[event[order]]
    return Jets(p4=padded, count=count, source=source,
                constituents=sequence.constituent_index(pt_min))


def select_leading(jets: Jets) -> np.ndarray:
    """int64 (n_events,): 0 where the leading jet is in the JetClass window, else -1."""
    return np.where(jets.in_window()[:, 0], 0, -1)


def select_matched(jets: Jets, truth: Truth) -> tuple[np.ndarray, np.ndarray]:
    """The highest-pT jet in the window matched to a resonance that contains its decay partons.

    Parameters
    ----------
    jets : Jets
        Jets of the events with ``truth.ok`` (``n_ok`` events).
    truth : Truth
        Resonances and decay partons of the same events.

    Returns
    -------
    jet_index : int64 (n_ok,)
        Index of the selected jet, -1 where no jet qualifies.
    resonance_index : int64 (n_ok,)
        Which resonance the selected jet is matched to (-1 where none).
    """
    dr_res = lorentz.delta_r(jets.p4[:, :, None], truth.resonance[:, None])  # (n, J, R)
    dr_par = lorentz.delta_r(jets.p4[:, :, None, None], truth.partons[:, None])  # (n, J, R, K)
    matched = (dr_res < JET_R) & (dr_par < JET_R).all(axis=-1) & jets.in_window()[:, :, None]
    any_res = matched.any(axis=-1)  # (n, J)
    has = any_res.any(axis=-1)
    jet_index = np.where(has, np.argmax(any_res, axis=-1), -1)
    rows = np.arange(len(jet_index))
    res_index = np.where(has, np.argmax(matched[rows, np.maximum(jet_index, 0)], axis=-1), -1)
    return jet_index, res_index


def jet_constituents(particles: ak.Array, pid: ak.Array, jets: Jets, event: np.ndarray,
                     jet_index: np.ndarray) -> tuple[ak.Array, ak.Array]:
    """Constituents of jet ``jet_index[i]`` of event ``event[i]``: ({px,py,pz,E}, pid) jagged."""
    index = jets.constituents[event]
    index = index[ak.local_index(index, axis=1) == jets.source[event, jet_index][:, None]]
    index = ak.flatten(index, axis=2)
    return particles[event][index], pid[event][index]


def substructure(constituents: ak.Array) -> tuple[np.ndarray, np.ndarray]:
    """Soft-drop mass and N-subjettiness of each jet (one jet per row of ``constituents``).

    Returns ``sdmass`` float64 (n_jets,) GeV and ``tau`` float64 (n_jets, 4) (tau_1..tau_4),
    with JetClass's parameters (module docstring).
    """
    if len(constituents) == 0:
        return np.zeros(0), np.zeros((0, 4))
    recluster = fastjet.JetDefinition(fastjet.cambridge_algorithm,
                                      fastjet.JetDefinition.max_allowable_R)
    sequence = fastjet.ClusterSequence(constituents, recluster)
    tau = sequence.njettiness(measure_definition="NormalizedMeasure",
                              axes_definition="OnePass_KT_Axes", njets=[1, 2, 3, 4],
                              beta=NSUB_BETA, R0=JET_R)
    return softdrop_mass(sequence, SOFTDROP_ZCUT), ak.to_numpy(tau).reshape(-1, 4)
