"""Ward identities: replacing a massless gauge boson's polarisation by its momentum kills
the amplitude (summed over the diagrams), for every helicity of the other legs.

For gluons this holds for each colour-basis component separately only when all other
external gluons are physical (transverse), which the engine's wavefunctions are. Massive W/Z
obey no such identity (their longitudinal modes are physical), so they are not tested here.
Fixed widths in s-channel propagators break the identity at the Gamma/M level (the known
gauge problem of the fixed-width scheme), so processes with a massive charged or coloured
internal line are checked with the widths set to zero.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.kinematics import central_events
from hepscaling.physics.matrix_element import matrix_element
from hepscaling.physics.process import parse_process

NO_WIDTHS = {"WT": 0.0, "WW": 0.0, "WZ": 0.0, "WH": 0.0}
CASES = [
    ("u u~ > a a", 2, None), ("u u~ > z g", 3, None), ("u u~ > z g g", 3, None),
    ("u u~ > z g g", 4, None), ("g g > g g g", 0, None), ("g g > g g g", 4, None),
    ("g g > t t~", 0, None), ("g u > z u", 0, None), ("u u~ > z g g g", 5, None),
    ("u d~ > w+ z g", 4, None), ("u d~ > w+ z g g", 5, None), ("g g > t t~ h", 1, NO_WIDTHS),
    ("u u~ > t t~ g", 4, NO_WIDTHS), ("e+ e- > w+ w- a", 4, NO_WIDTHS),
    ("u d~ > w+ a", 3, NO_WIDTHS),
]


@pytest.mark.parametrize(("process", "leg", "params"), CASES)
def test_longitudinal_gauge_boson_decouples(process, leg, params):
    masses = tuple(float(m) for m in parse_process(process).masses[2:])
    p = central_events(6, 1500.0, masses, seed=3)
    me = matrix_element(process, params)
    k = p[:, leg].T.astype(complex)  # (4, n)
    physical = me.helicity_amplitudes(p)
    ward = me.helicity_amplitudes(p, {leg: k})
    scale = np.abs(physical).max() * p[:, leg, 0].max()
    assert np.abs(ward).max() < 1e-11 * scale
    assert np.abs(physical).max() > 0


def _two_to_two(sqrt_s: float, masses: np.ndarray, cos_theta: float = 0.3) -> np.ndarray:
    """One 2 -> 2 event ``(1, 4, 4)`` in the centre-of-mass frame, massive incoming legs."""
    s = sqrt_s**2

    def momentum(a, b):
        return np.sqrt((s - (a + b) ** 2) * (s - (a - b) ** 2)) / (2 * sqrt_s)

    m1, m2, m3, m4 = masses
    pi, pf = momentum(m1, m2), momentum(m3, m4)
    sin_theta = np.sqrt(1 - cos_theta**2)
    return np.array([[[np.hypot(pi, m1), 0, 0, pi], [np.hypot(pi, m2), 0, 0, -pi],
                      [np.hypot(pf, m3), pf * sin_theta, 0, pf * cos_theta],
                      [np.hypot(pf, m4), -pf * sin_theta, 0, -pf * cos_theta]]])


@pytest.mark.parametrize("process", ["w+ w- > h h", "z z > h h", "w+ w- > w+ w-",
                                     "w+ w- > z z", "z z > w+ w-"])
def test_longitudinal_vector_boson_scattering_stays_bounded(process):
    """Single graphs grow like (E/M_W)^4; only the complete set (triple and quartic gauge,
    h V V, h h V V and h h h couplings with their relative signs) stays bounded. Widths are
    zero: fixed widths spoil the cancellation at order Gamma M / s."""
    me = matrix_element(process, NO_WIDTHS)
    masses = me.process.masses
    values = [me(_two_to_two(sqrt_s, masses))[0] for sqrt_s in (2e3, 2e4, 2e5)]
    assert max(values) / min(values) < 1.1
