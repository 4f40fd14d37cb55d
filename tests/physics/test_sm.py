"""SM parameters: MadGraph default inputs and the derived electroweak quantities."""

from __future__ import annotations

import math

import pytest

from hepscaling.errors import UsageError
from hepscaling.physics.sm import SMParameters


def test_defaults_are_madgraph_sm_param_card():
    p = SMParameters()
    assert (p.MZ, p.MT, p.MB, p.MH) == (91.188, 173.0, 4.7, 125.0)
    assert (p.WZ, p.WW, p.WT, p.WH) == (2.441404, 2.0476, 1.4915, 6.382339e-3)
    assert (p.aEWM1, p.Gf, p.aS, p.ymt, p.ymb) == (132.507, 1.16639e-5, 0.118, 173.0, 4.7)


def test_derived_electroweak_quantities_satisfy_tree_relations():
    p = SMParameters()
    # MadGraph's sm model prints MW = 80.419002445756 for the default card
    assert p.MW == pytest.approx(80.419002445756, rel=1e-12)
    assert p.sw2 == pytest.approx(1 - p.MW**2 / p.MZ**2, rel=1e-15)
    # G_F / sqrt(2) = g^2 / (8 MW^2) and v = (sqrt(2) G_F)^(-1/2) at tree level
    assert p.Gf / math.sqrt(2) == pytest.approx(p.gw**2 / (8 * p.MW**2), rel=1e-12)
    assert p.vev == pytest.approx((math.sqrt(2) * p.Gf) ** -0.5, rel=1e-12)
    assert p.ee**2 / (4 * math.pi) == pytest.approx(1 / 132.507, rel=1e-15)
    assert p.gs**2 / (4 * math.pi) == pytest.approx(0.118, rel=1e-15)


def test_overrides_and_bad_names():
    assert SMParameters.from_dict({"MT": 172.5}).MT == 172.5
    assert SMParameters.from_dict(None) == SMParameters()
    with pytest.raises(UsageError, match="unknown SM parameter"):
        SMParameters.from_dict({"mt": 172.5})
    with pytest.raises(UsageError, match="MT"):
        SMParameters(MT=-1.0)
