"""Truth partons: the decaying W / Z / H / top and its decay quarks, from the Pythia record.

Vectorised over a batch of events (awkward arrays from ``pythia.nextBatch``); no Python loop
over events or particles. In Pythia's event record a resonance appears in several copies
(recoil copies during the shower, status -44 ...); the decay products hang off its last copy,
so a decay parton is a quark whose ``mother1`` is the resonance:

- W / Z: the two quarks whose mother is the W / Z;
- H -> b b~: the two b quarks whose mother is the H;
- top -> b W, W -> q q': per top, the b whose mother is the top and the two quarks of the W
  whose first copy's mother is that top (JetClass's ``Top_bqq`` label needs all three).

This mirrors JetClass's ``FatJetMatching`` (``makeNtuples.C`` in
github.com/jet-universe/jetclass_generation), which uses the decay partons of the final
resonance copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import awkward as ak
import numpy as np

__all__ = ["Truth", "decay_partons"]


@dataclass(frozen=True)
class Truth:
    """Resonances and their decay partons for the events where they were found.

    Attributes
    ----------
    ok : bool (n_events,)
        Events with the expected number of decay partons (others cannot be matched).
    resonance : float64 (n_ok, n_res, 4), GeV
        ``(E, px, py, pz)`` of each resonance's last copy (1 per event; 2 for t t~).
    resonance_pid : int64 (n_ok, n_res)
        Signed PDG id of each resonance.
    partons : float64 (n_ok, n_res, n_partons, 4), GeV
        The decay partons of each resonance (2 for W/Z/H, 3 for top).
    """

    ok: np.ndarray
    resonance: np.ndarray
    resonance_pid: np.ndarray
    partons: np.ndarray


def _first_copy(index: np.ndarray, ids: np.ndarray,
                mother: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Follow the mother while it has the same id: the first copy of each particle.

    ``index`` are positions in the flattened batch; ``mother(index)`` gives the mother's
    position (< 0: none).
    """
    while True:
        m = mother(index)
        step = (m >= 0) & (ids[np.maximum(m, 0)] == ids[index])
        if not step.any():
            return index
        index = np.where(step, m, index)


def decay_partons(batch: ak.Array, resonance: int) -> Truth:
    """Find the resonance ``resonance`` (|PDG id| 6, 23, 24 or 25) and its decay partons.

    Works on the flattened record (one numpy array per field, indices shifted by each event's
    offset), so the cost is a few array passes whatever the batch size.

    Parameters
    ----------
    batch : awkward.Array
        Events from ``pythia.nextBatch`` (field ``prt`` with ``id``, ``mother1``, ``p``).
    resonance : int
        |PDG id| of the decaying particle.
    """
    prt = batch.prt
    ends = np.cumsum(ak.to_numpy(ak.num(prt.id)))
    offsets = np.concatenate([[0], ends[:-1]])
    ids = ak.to_numpy(ak.flatten(prt.id)).astype(np.int64)
    local_mother = ak.to_numpy(ak.flatten(prt.mother1))
    aid = np.abs(ids)

    def mother(index: np.ndarray) -> np.ndarray:
        """Flat position of ``mother1`` of the particles at ``index`` (-1: none or the system)."""
        m = local_mother[index].astype(np.int64)
        return np.where(m > 0, m + offsets[np.searchsorted(ends, index, side="right")], -1)

    quark = np.flatnonzero((aid >= 1) & (aid <= 5))  # only quarks can be decay partons
    quark_mother = mother(quark)
    maid = np.where(quark_mother >= 0, aid[np.maximum(quark_mother, 0)], 0)
    if resonance == 6:
        pick = ((aid[quark] == 5) & (maid == 6)) | (maid == 24)
        selected, parent = quark[pick], quark_mother[pick]
        w_first = _first_copy(parent, ids, mother)
        group = np.where(aid[parent] == 24, mother(w_first), parent)
        n_res, n_partons = 2, 3
    else:
        pick = maid == resonance
        if resonance == 25:
            pick &= aid[quark] == 5
        selected, group = quark[pick], quark_mother[pick]
        n_res, n_partons = 1, 2
    # groups are global positions, so sorting by group also sorts by event
    order = np.argsort(group, kind="stable")
    selected, group = selected[order], group[order]
    event = np.searchsorted(ends, selected, side="right")
    per_event = np.bincount(event, minlength=ends.size)
    ok = per_event == n_res * n_partons
    keep = ok[event]
    selected, group = selected[keep], group[keep]
    groups = group.reshape(-1, n_res, n_partons)
    assigned = (groups == groups[:, :, :1]).all(axis=(1, 2))  # n_partons per resonance
    ok[np.flatnonzero(ok)[~assigned]] = False
    selected = selected.reshape(-1, n_res * n_partons)[assigned].ravel()
    res_index = groups[assigned][:, :, 0]
    cols = [ak.to_numpy(ak.flatten(getattr(prt.p, c))) for c in ("e", "px", "py", "pz")]
    n_ok = int(ok.sum())
    return Truth(ok=ok, resonance=np.stack([c[res_index] for c in cols], axis=-1),
                 resonance_pid=ids[res_index],
                 partons=np.stack([c[selected] for c in cols], axis=-1).reshape(
                     n_ok, n_res, n_partons, 4))
