"""Boosted-jet samples in the JetClass convention: Pythia 8 events, FastJet jets, features.

The pipeline (one direction, every step vectorised over a batch of events):

1. :mod:`~hepscaling.physics.jets.processes`: the jet classes (Pythia 8 settings at 13 TeV,
   JetClass label names) and the per-chunk Pythia seeds;
2. :mod:`~hepscaling.physics.jets.truth`: the decaying boson / top and its decay partons,
   read from the Pythia event record;
3. :mod:`~hepscaling.physics.jets.clustering`: anti-kT R=0.8 jets of the visible final state
   (FastJet's awkward-array interface), jet selection and truth matching, soft-drop mass and
   N-subjettiness (fastjet-contrib, JetClass's parameters);
4. :mod:`~hepscaling.physics.jets.features`: the JetClass per-particle and per-jet features;
5. :mod:`~hepscaling.physics.jets.generate`: :func:`generate_chunk`, the whole chain for one
   seeded chunk of jets (what any executor calls).

:mod:`~hepscaling.physics.jets.observables` computes jet observables (mass, N-subjettiness
ratios, pT_D, girth, ...) from the stored arrays, for tagging inputs and sample comparisons.

Four-momenta follow :mod:`hepscaling.physics`: float64 ``(..., 4)`` ``(E, px, py, pz)`` in GeV.
Writing, reading and resuming HDF5 jet files lives in :mod:`hepscaling.data.jets`.
"""

from hepscaling.physics.jets.generate import generate_chunk
from hepscaling.physics.jets.processes import JET_CLASSES, LABELS, chunk_seed, jet_class

__all__ = ["JET_CLASSES", "LABELS", "chunk_seed", "generate_chunk", "jet_class"]
