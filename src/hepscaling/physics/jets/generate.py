"""One seeded chunk of jets, end to end: Pythia batches -> jets -> matching -> JetClass features.

:func:`generate_chunk` is a plain function of ``(jet_class, n, seed)`` so that any executor
(a local process pool, Dask) can run chunks; it builds its own Pythia instance.
"""

from __future__ import annotations

import math

import awkward as ak
import numpy as np

from hepscaling.errors import UsageError, WorkFailed
from hepscaling.physics import lorentz
from hepscaling.physics.jets import clustering
from hepscaling.physics.jets.features import jet_features
from hepscaling.physics.jets.processes import LABELS, JetClassSpec, jet_class, make_pythia
from hepscaling.physics.jets.truth import decay_partons

__all__ = ["AUX_FEATURES", "generate_chunk", "jets_from_events"]

#: Truth information kept alongside (JetClass's ``aux_genpart_*``; never a training input):
#: pT (GeV), eta, phi and signed PDG id of the matched resonance, zeros for QCD jets.
AUX_FEATURES: tuple[str, ...] = ("aux_genpart_pt", "aux_genpart_eta", "aux_genpart_phi",
                                 "aux_genpart_pid")

MAX_BATCH = 500  # events per nextBatch call: ~1500 particles x ~150 bytes each, ~100 MB
MAX_DRY_BATCHES = 20  # give up after this many batches in a row without a single jet


def _charges(pid: ak.Array, pythia) -> ak.Array:
    """Electric charge (units of e) of each particle, from Pythia's particle data table."""
    flat = ak.to_numpy(ak.flatten(pid))
    species, inverse = np.unique(flat, return_inverse=True)
    table = np.array([pythia.particleData.charge(int(s)) for s in species], dtype=np.float64)
    return ak.unflatten(table[inverse], ak.num(pid))


def jets_from_events(batch: ak.Array, spec: JetClassSpec, pythia,
                     max_particles: int) -> dict[str, np.ndarray]:
    """Select at most one jet per event of ``batch`` and compute its features.

    QCD classes take the leading jet if it lies in the JetClass window (500 < pT < 1000 GeV,
    |eta| < 2); signal classes take the highest-pT jet in the window that is matched to the
    resonance and contains its decay partons (:func:`clustering.select_matched`).

    Returns the arrays of :func:`features.jet_features` plus ``label`` (int64), the one-hot
    ``label_*`` columns of :data:`LABELS` (bool) and :data:`AUX_FEATURES` (float32), with one
    row per selected jet in event order.
    """
    particles, pid = clustering.visible_particles(batch)
    jets = clustering.cluster(particles)
    n_events = len(batch)
    aux = np.zeros((n_events, 4))
    if spec.resonance is None:
        chosen = clustering.select_leading(jets)
    else:
        truth = decay_partons(batch, spec.resonance)
        events = np.flatnonzero(truth.ok)
        jet_index, res_index = clustering.select_matched(jets.events(events), truth)
        chosen = np.full(n_events, -1)
        chosen[events] = jet_index
        rows = np.flatnonzero(jet_index >= 0)
        res = truth.resonance[rows, res_index[rows]]
        aux[events[rows]] = np.stack([lorentz.pt(res), lorentz.eta(res), lorentz.phi(res),
                                      truth.resonance_pid[rows, res_index[rows]]], axis=1)
    event = np.flatnonzero(chosen >= 0)
    constituents, cpid = clustering.jet_constituents(particles, pid, jets, event, chosen[event])
    sdmass, tau = clustering.substructure(constituents)
    out = jet_features(constituents, cpid, _charges(cpid, pythia),
                       jets.p4[event, chosen[event]], sdmass, tau, max_particles)
    n_jets = len(event)
    out["label"] = np.full(n_jets, spec.label_index, dtype=np.int64)
    for name in LABELS:
        out[name] = np.full(n_jets, name == spec.label, dtype=bool)
    for i, name in enumerate(AUX_FEATURES):
        out[name] = aux[event, i].astype(np.float32)
    return out


def generate_chunk(jet_class_name: str | JetClassSpec, n: int, seed: int, *,
                   max_particles: int = 128) -> dict[str, np.ndarray]:
    """Generate exactly ``n`` jets of one class with Pythia seed ``seed``.

    Events come from ``pythia.nextBatch`` in batches sized from the acceptance seen so far
    (deterministic given the seed); surplus jets of the last batch are dropped, so the result
    depends only on ``(jet_class, n, seed, max_particles)``.

    Parameters
    ----------
    jet_class_name : str or JetClassSpec
        One of :data:`processes.JET_CLASSES` (``"qcd"``, ``"w"``, ...).
    n : int
        Number of jets (> 0).
    seed : int
        Pythia seed in ``[1, 900_000_000]`` (see :func:`processes.chunk_seed`).
    max_particles : int
        Padding length of the per-particle arrays.

    Returns
    -------
    dict of str to numpy.ndarray
        Feature name -> array with ``n`` rows (see :func:`jets_from_events`).
    """
    spec = jet_class_name if isinstance(jet_class_name, JetClassSpec) else jet_class(
        jet_class_name)
    if n <= 0:
        raise UsageError(f"number of jets must be positive, got {n}; pass e.g. -n 1000")
    if max_particles <= 0:
        raise UsageError(f"max_particles must be positive, got {max_particles}")
    pythia = make_pythia(spec, seed)
    parts: list[dict[str, np.ndarray]] = []
    have, seen, accepted, dry = 0, 0, 0, 0
    while have < n:
        acceptance = max(accepted / seen, 0.05) if seen else spec.acceptance
        size = min(MAX_BATCH, math.ceil(1.1 * (n - have) / acceptance) + 5)
        batch = pythia.nextBatch(size)
        chunk = jets_from_events(batch, spec, pythia, max_particles)
        got = len(chunk["label"])
        seen, accepted = seen + len(batch), accepted + got
        dry = 0 if got else dry + 1
        if dry >= MAX_DRY_BATCHES:
            raise WorkFailed(f"no {spec.name} jet passed the selection in {dry} batches "
                             f"({seen} events); check the Pythia settings of this class")
        parts.append(chunk)
        have += got
    out = {name: np.concatenate([p[name] for p in parts])[:n] for name in parts[0]}
    return out
