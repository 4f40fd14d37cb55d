"""Standard-Model inputs for tests, typed in from MadGraph5_aMC@NLO's default ``sm`` param_card.

Independent of :mod:`hepscaling.physics.sm` on purpose: tests that build expectations from these
numbers catch a wrong default or a wrong derived coupling in the library. Masses and widths in
GeV; couplings dimensionless.
"""

from __future__ import annotations

import math

ALPHA = 1.0 / 132.507  # alpha_EW(MZ)
GF = 1.16639e-5  # GeV^-2
ALPHA_S = 0.118
MZ, WZ = 91.188, 2.441404
WW = 2.0476
MT, WT = 173.0, 1.4915
MH = 125.0
GEV2_TO_PB = 0.3893793721e9  # (hbar c)^2 in GeV^2 pb (PDG)

MW = math.sqrt(MZ**2 / 2 + math.sqrt(MZ**4 / 4 - math.pi * ALPHA * MZ**2 / (math.sqrt(2) * GF)))
SW2 = 1.0 - MW**2 / MZ**2  # sin^2 theta_W
CW2 = 1.0 - SW2
E2 = 4.0 * math.pi * ALPHA  # e^2
GS2 = 4.0 * math.pi * ALPHA_S  # gs^2
GZ2 = E2 / (SW2 * CW2)  # Z-fermion coupling e / (sw cw), squared
GW2 = E2 / (2.0 * SW2)  # W-fermion coupling e / (sw sqrt 2), squared
VEV = 2.0 * MW * math.sqrt(SW2) / math.sqrt(E2)  # v = 2 MW sw / e
N_C, CF, CA = 3, 4.0 / 3.0, 3.0

# (T3, Q) of the fermions
ELECTRON = (-0.5, -1.0)
NEUTRINO = (0.5, 0.0)
UP = (0.5, 2.0 / 3.0)
DOWN = (-0.5, -1.0 / 3.0)


def chiral(t3: float, charge: float) -> tuple[float, float]:
    """Z couplings ``(gL, gR) = (T3 - Q sw2, -Q sw2)`` in units of ``e / (sw cw)``."""
    return t3 - charge * SW2, -charge * SW2
