"""Z/gamma* -> mu mu + jets events at 13 TeV from Pythia 8 and FastJet (numpy, no torch).

The pipeline (vectorised over a batch of events):

1. :mod:`~hepscaling.physics.events.process`: inclusive Drell-Yan settings
   (:class:`DrellYanSpec`: ``WeakSingleBoson:ffbar2gmZ``, 66 < m_hat < 116 GeV, gamma*/Z -> mu mu
   only; ISR/FSR and hadronisation on; MPI off and no QED radiation off the muons unless
   switched on) and the per-chunk Pythia seeds;
2. :mod:`~hepscaling.physics.events.selection`: the two muons of the Z decay, anti-kT
   R = 0.4 jets with pT > 20 GeV of the other visible particles, jets within Delta R < 0.4 of
   a muon removed, events with any object pair closer than Delta R = 0.4 vetoed, and the
   exclusive jet multiplicity;
3. :mod:`~hepscaling.physics.events.generate`: :func:`generate_chunk`, the whole chain for
   one seeded chunk of events (what any executor calls).

Event convention (the layout of ``hepscaling data zmumu`` files, :mod:`hepscaling.data.events`):

- ``momenta``: float64 ``(n, 5, 4)``, GeV, ``(E, px, py, pz)`` as in :mod:`hepscaling.physics`;
  object 0 is the mu+, 1 the mu-, 2-4 the jets by decreasing pT; rows beyond ``2 + n_jets``
  are zero;
- ``n_jets``: int64 ``(n,)``, 1, 2 or 3 (exclusive multiplicities; events with 0 or >= 4
  jets are counted, not kept).

Delta R is in pseudorapidity and azimuth (:func:`hepscaling.physics.lorentz.delta_r`).
"""

from hepscaling.physics.events.generate import COUNTS, generate_chunk
from hepscaling.physics.events.process import (
    DELTA_R_MIN,
    JET_PT_MIN,
    JET_R,
    MAX_JETS,
    MUON_MASS,
    N_OBJECTS,
    DrellYanSpec,
    chunk_seed,
)

__all__ = ["COUNTS", "DELTA_R_MIN", "JET_PT_MIN", "JET_R", "MAX_JETS", "MUON_MASS", "N_OBJECTS",
           "DrellYanSpec", "chunk_seed", "generate_chunk"]
