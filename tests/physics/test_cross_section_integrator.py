"""Monte Carlo cross sections against closed forms, with analytic |M|^2 passed in."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from helpers.analytic import ALPHA, EE_MUMU, qed_ee_mumu
from hepscaling.errors import UsageError
from hepscaling.physics import cross_section as cross_section_module
from hepscaling.physics.cross_section import GEV2_TO_PB, cross_section, flux
from hepscaling.physics.lorentz import minkowski_dot
from hepscaling.physics.phase_space import Cuts, incoming_momenta, massless_volume


def test_qed_ee_to_mumu_total():
    sqrt_s = 10.0
    xs = cross_section(EE_MUMU, sqrt_s, 20_000, seed=1, me2=qed_ee_mumu)
    exact = 4 * math.pi * ALPHA**2 / (3 * sqrt_s**2) * GEV2_TO_PB
    assert xs.n == 20_000 and xs.efficiency == 1.0
    assert 0 < xs.error_pb < 0.01 * exact
    assert abs(xs.value_pb - exact) < 4 * xs.error_pb


def test_qed_ee_to_mumu_inside_eta_cut(monkeypatch):
    # d sigma / d cos = (pi alpha^2 / 2 s)(1 + cos^2), integrated over |cos| < tanh(eta_max);
    # small chunks exercise the merging of per-chunk moments
    monkeypatch.setattr(cross_section_module, "_CHUNK", 7000)
    sqrt_s, eta_max = 10.0, 0.8
    c = math.tanh(eta_max)
    xs = cross_section(EE_MUMU, sqrt_s, 20_000, seed=2, cuts=Cuts(eta_max=eta_max),
                       me2=qed_ee_mumu)
    exact = math.pi * ALPHA**2 / (2 * sqrt_s**2) * (2 * c + 2 * c**3 / 3) * GEV2_TO_PB
    assert xs.efficiency == pytest.approx(c, abs=0.02)
    assert 0 < xs.error_pb < 0.01 * exact
    assert abs(xs.value_pb - exact) < 4 * xs.error_pb


def test_constant_me2_gives_volume_over_flux():
    # massless initial state: F = 2 s; massive 2-body volume lambda^(1/2) / (8 pi s)
    proc = SimpleNamespace(masses=np.array([0.0, 0.0, 80.0, 120.0]), n_initial=2)
    sqrt_s = 300.0
    s = sqrt_s**2
    xs = cross_section(proc, sqrt_s, 1000, seed=0, me2=lambda p: np.ones(len(p)))
    lam = (s - 200.0**2) * (s - 40.0**2)
    np.testing.assert_allclose(xs.value_pb, math.sqrt(lam) / (8 * math.pi * s) / (2 * s)
                               * GEV2_TO_PB, rtol=1e-10)
    massless5 = SimpleNamespace(masses=np.zeros(7), n_initial=2)
    xs5 = cross_section(massless5, sqrt_s, 100, seed=0, me2=lambda p: np.ones(len(p)))
    np.testing.assert_allclose(xs5.value_pb, massless_volume(5, s) / (2 * s) * GEV2_TO_PB,
                               rtol=1e-12)
    assert xs5.error_pb < 1e-12 * xs5.value_pb


def test_flux_is_the_invariant_form():
    for masses in ([0.0, 0.0], [173.0, 0.0], [173.0, 125.0]):
        p1, p2 = incoming_momenta(500.0, masses)
        invariant = 4 * math.sqrt(minkowski_dot(p1, p2) ** 2 - masses[0] ** 2 * masses[1] ** 2)
        assert flux(500.0, masses) == pytest.approx(invariant, rel=1e-12)
    assert flux(500.0, [0.0, 0.0]) == pytest.approx(2 * 500.0**2)


def test_decay_and_too_few_events_are_refused():
    decay = SimpleNamespace(text="h > b b~", masses=np.array([125.0, 4.7, 4.7]), n_initial=1)
    with pytest.raises(UsageError, match="2 incoming"):
        cross_section(decay, 125.0, 100, seed=0, me2=lambda p: np.ones(len(p)))
    with pytest.raises(UsageError, match="at least 2 events"):
        cross_section(EE_MUMU, 10.0, 1, seed=0, me2=qed_ee_mumu)
