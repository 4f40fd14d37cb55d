"""Loop-induced processes through a massless quark loop (MadGraph's ``[noborn=QCD]``).

- :mod:`.matrix_element`: the ``|M|^2`` callable, normalisation, stability check;
- :mod:`.diphoton`: ``g g > a a``, the Bern-Dixon-Schmidt box;
- :mod:`.diphoton_jet`: ``g g > a a g``, Bern-Dixon-Kosower primitives summed over photons;
- :mod:`.functions`: the logarithmic functions of the five-point primitives;
- :mod:`.spinors`: spinor products.
"""

from hepscaling.physics.loop_induced.diphoton import box, diphoton_helicity_amplitudes
from hepscaling.physics.loop_induced.diphoton_jet import diphoton_jet_helicity_amplitudes
from hepscaling.physics.loop_induced.matrix_element import (
    AT_RISK_BELOW,
    CHECKED_PROCESSES,
    QUARK_CHARGES,
    LoopInducedMatrixElement,
    StabilityResult,
    smallest_invariant_ratio,
)

__all__ = ["AT_RISK_BELOW", "CHECKED_PROCESSES", "QUARK_CHARGES", "LoopInducedMatrixElement",
           "StabilityResult", "box", "diphoton_helicity_amplitudes",
           "diphoton_jet_helicity_amplitudes", "smallest_invariant_ratio"]
