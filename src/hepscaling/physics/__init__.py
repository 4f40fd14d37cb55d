"""Physics: four-vectors, Standard-Model parameters, phase space, tree-level and loop-induced matrix
elements, jets and Z -> mu mu + jets events.

Conventions (stated once here; every other module points to this docstring):

- Units: GeV for energies, momenta and masses; cross sections in pb.
- Four-momenta are float64 arrays ``(..., 4)`` ordered ``(E, px, py, pz)``; metric (+,-,-,-),
  so ``p.p = E^2 - |p|^2 = m^2``.
- An event batch is ``(n_events, n_particles, 4)`` with the particles in the order of the
  process string, incoming first: for ``"u u~ > t t~ h"`` index 0 is ``u``, 4 is ``h``.
  The z axis is the beam axis; incoming particle 0 moves along +z.
- ``|M|^2`` is summed over final-state and averaged over initial-state helicities and colours,
  and divided by the identical-final-state-particle factor (``n!`` for ``n`` identical
  particles) — what MadGraph's standalone ``SMATRIX`` returns. No flux, no phase-space weight.
- Default Standard-Model parameters are those of MadGraph5_aMC@NLO's default ``sm``
  param_card (see :mod:`hepscaling.physics.sm`).
- Kinematics (pT, phi, eta, rapidity, Delta phi wrapped to ``[-pi, pi)``, Delta R, boosts)
  have one numpy implementation, :mod:`hepscaling.physics.lorentz`, whose docstring states the
  boundary conventions; the amplitude engine and the jets both use it.
"""

from hepscaling.physics.matrix_element import matrix_element
from hepscaling.physics.phase_space import phase_space

__all__ = ["matrix_element", "phase_space"]
