"""Z -> mu mu + jets observables on hand-made events with hand-checkable values."""

import math

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.physics.events.observables import (
    INV_DR_MAX,
    event_observables,
    observable_names,
)


def _massless(pt, eta, phi):
    return [pt * math.cosh(eta), pt * math.cos(phi), pt * math.sin(phi), pt * math.sinh(eta)]


def _event():
    """mu+ (40 GeV, eta 0, phi 0), mu- (30, eta 1, phi 3), jets j1 (50 GeV, mass 10, eta 0,
    phi -3; so dphi(mu-, j1) wraps), j2 (25, eta 0.5, phi -3 + 0.1: Delta R to j1 ~ 0.51),
    no j3."""
    j1 = [math.hypot(50, 10), 50 * math.cos(-3), 50 * math.sin(-3), 0.0]
    p = np.zeros((1, 5, 4))
    p[0, 0], p[0, 1], p[0, 2] = _massless(40, 0, 0), _massless(30, 1, 3), j1
    p[0, 3] = _massless(25, 0.5, -2.9)
    return p


def test_names_per_multiplicity():
    assert observable_names(1) == ("pt_mu1", "eta_mu1", "pt_mu2", "eta_mu2", "dphi_mu1_mu2",
                                   "m_mumu", "pt_j1", "eta_j1", "dphi_mu2_j1", "m_j1")
    assert [len(observable_names(n)) for n in (1, 2, 3)] == [10, 15, 21]
    assert observable_names(3)[-3:] == ("inv_dr_j1_j2", "inv_dr_j1_j3", "inv_dr_j2_j3")
    with pytest.raises(UsageError, match="n_jets must be 1 to 3, got 4"):
        observable_names(4)


def test_values():
    names = ("pt_mu1", "eta_mu2", "dphi_mu1_mu2", "pt_j1", "m_j1", "dphi_mu2_j1",
             "dphi_j1_j2", "m_mumu", "inv_dr_j1_j2")
    got = dict(zip(names, event_observables(_event(), names)[0], strict=True))
    assert got["pt_mu1"] == pytest.approx(40) and got["eta_mu2"] == pytest.approx(1)
    assert got["dphi_mu1_mu2"] == pytest.approx(3)
    assert got["pt_j1"] == pytest.approx(50) and got["m_j1"] == pytest.approx(10)
    assert got["dphi_mu2_j1"] == pytest.approx(-6 + 2 * math.pi)  # wrapped to [-pi, pi)
    assert got["dphi_j1_j2"] == pytest.approx(0.1)
    # massless muons: m^2 = 2 pT1 pT2 (cosh(d eta) - cos(d phi))
    assert got["m_mumu"] == pytest.approx(math.sqrt(2 * 40 * 30 * (math.cosh(1) - math.cos(3))))
    assert got["inv_dr_j1_j2"] == pytest.approx(1 / math.hypot(0.5, 0.1))


def test_inverse_delta_r_is_capped_and_errors_are_one_line():
    p = _event()
    p[0, 3] = p[0, 2] * 0.5  # j2 collinear with j1
    assert event_observables(p, ("inv_dr_j1_j2",))[0, 0] == INV_DR_MAX
    with pytest.raises(UsageError, match=r"unknown observable\(s\) \['pt_j4'\]"):
        event_observables(p, ("pt_j4",))
    with pytest.raises(UsageError, match=r"expected \(n, 5, 4\)"):
        event_observables(p[:, :4], ("pt_mu1",))
