"""Loop-induced processes through a massless quark loop (``[noborn=QCD]``)."""
from hepscaling.physics.loop_induced.diphoton import (QUARK_CHARGES, LoopInducedMatrixElement,
                                                      box, diphoton_helicity_amplitudes)
__all__ = ["QUARK_CHARGES", "LoopInducedMatrixElement", "box", "diphoton_helicity_amplitudes"]
