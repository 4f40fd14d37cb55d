"""The SM vertex couplings, one at a time, through two-body decays with textbook |M|^2.

Summed over final spins, averaged over the decaying particle's spin (MadGraph convention).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hepscaling.physics.matrix_element import matrix_element
from hepscaling.physics.sm import SMParameters

HEAVY_HIGGS = {"MH": 300.0}  # so that h > w+ w- and h > z z are open


def decay(mass: float, m1: float, m2: float) -> np.ndarray:
    """A two-body decay at rest, ``(1, 3, 4)`` GeV, in a generic direction."""
    p = math.sqrt((mass**2 - (m1 + m2) ** 2) * (mass**2 - (m1 - m2) ** 2)) / (2 * mass)
    n = np.array([0.36, 0.48, 0.8])
    return np.array([[[mass, 0, 0, 0], [math.hypot(p, m1), *(p * n)],
                      [math.hypot(p, m2), *(-p * n)]]])


def kallen_dot(mass, m1, m2):
    """``p1.p2`` for a decay of ``mass`` into ``m1``, ``m2``."""
    return (mass**2 - m1**2 - m2**2) / 2


def yukawa(name, colours):
    p = SMParameters()
    y, m = {"b": (p.ymb, p.MB), "t": (p.ymt, p.MT), "ta-": (p.ymtau, p.MTA)}[name]
    # (y/v)^2 Tr[(p1 + m)(p2 - m)] = (y/v)^2 4 (p1.p2 - m^2)
    return lambda mh: colours * (y / p.vev) ** 2 * 4 * (kallen_dot(mh, m, m) - m**2), m


def vector_to_fermions(gl, gr, colours, mass):
    # massless fermions: (gl^2 + gr^2) * 2 M^2 summed over spins and polarisations, / 3
    return colours * (gl**2 + gr**2) * 2 * mass**2 / 3


def test_yukawa_couplings():
    p = SMParameters()
    for process, name, colours in (("h > b b~", "b", 3), ("h > ta+ ta-", "ta-", 1)):
        expect, m = yukawa(name, colours)
        got = matrix_element(process)(decay(p.MH, m, m))
        np.testing.assert_allclose(got, expect(p.MH), rtol=1e-12)


@pytest.mark.parametrize(("process", "t3", "charge", "colours"), [
    ("z > e+ e-", -0.5, -1.0, 1), ("z > ve ve~", 0.5, 0.0, 1), ("z > u u~", 0.5, 2 / 3, 3),
    ("z > d d~", -0.5, -1 / 3, 3),
])
def test_z_couplings(process, t3, charge, colours):
    p = SMParameters()
    gz = p.ee / math.sqrt(p.sw2 * (1 - p.sw2))
    expect = vector_to_fermions(gz * (t3 - charge * p.sw2), -gz * charge * p.sw2, colours, p.MZ)
    np.testing.assert_allclose(matrix_element(process)(decay(p.MZ, 0, 0)), expect, rtol=1e-12)


@pytest.mark.parametrize(("process", "colours"), [("w+ > e+ ve", 1), ("w+ > u d~", 3),
                                                  ("w- > mu- vm~", 1)])
def test_w_couplings(process, colours):
    p = SMParameters()
    expect = vector_to_fermions(p.ee / (math.sqrt(2 * p.sw2)), 0.0, colours, p.MW)
    np.testing.assert_allclose(matrix_element(process)(decay(p.MW, 0, 0)), expect, rtol=1e-12)


@pytest.mark.parametrize(("process", "boson"), [("h > w+ w-", "W"), ("h > z z", "Z")])
def test_higgs_gauge_couplings(process, boson):
    p = SMParameters.from_dict(HEAVY_HIGGS)
    g = p.ee / math.sqrt(p.sw2)
    m = p.MW if boson == "W" else p.MZ
    coupling = g * p.MW if boson == "W" else g * p.MZ / math.sqrt(1 - p.sw2)
    k1k2 = kallen_dot(p.MH, m, m)
    # sum over polarisations of |eps1.eps2|^2 = 2 + (k1.k2)^2 / M^4; 1/2! for z z
    expect = coupling**2 * (2 + k1k2**2 / m**4) / (2 if boson == "Z" else 1)
    got = matrix_element(process, HEAVY_HIGGS)(decay(p.MH, m, m))
    np.testing.assert_allclose(got, expect, rtol=1e-12)
