"""Event coordinates of the generators, in both muon systems (objects, dimuon): exact inverse,
Jacobian against finite differences, one physical density whichever system carries it,
periodic azimuths, standardisation, saving, and the defects of generated events."""

import math

import numpy as np
import pytest

from helpers.zmumu_files import toy_events
from hepscaling.data.event_coordinates import DEFECTS, M2_EPS, SYSTEMS, EventCoordinates
from hepscaling.errors import UsageError
from hepscaling.physics import lorentz
from hepscaling.physics.events import MUON_MASS
from hepscaling.physics.events.dimuon import dimuon_system


@pytest.fixture(scope="module")
def events():
    momenta, n_jets = toy_events(3000, seed=1)
    return {k: momenta[n_jets == k] for k in (1, 2, 3)}


@pytest.mark.parametrize("k", [1, 2, 3])
def test_layout_and_standardisation(events, k):
    coords = EventCoordinates(k).fit(events[k])
    y, phi_ref = coords.encode(events[k])
    assert coords.d == y.shape[1] == 5 + 4 * k
    assert coords.names[:5] == ("log_pt_mu1", "eta_mu1", "log_pt_mu2", "eta_mu2", "dphi_mu2")
    assert coords.periodic.sum() == 1 + k and coords.objects.max() == 1 + k
    flat = ~coords.periodic
    np.testing.assert_allclose(y[:, flat].mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(y[:, flat].std(0), 1, rtol=1e-12)
    # azimuth differences stay in radians, in [-pi, pi)
    assert (y[:, coords.periodic] >= -math.pi).all() and (y[:, coords.periodic] < math.pi).all()
    np.testing.assert_allclose(phi_ref, lorentz.phi(events[k][:, 0]))


def test_dimuon_system_layout(events):
    p = events[2]
    coords = EventCoordinates(2, "dimuon").fit(p)
    assert coords.names == ("asinh_m_mumu", "log_pt_mumu", "y_mumu", "atanh_cos_theta",
                            "phi_star", "log_pt_j1", "eta_j1", "dphi_j1", "log_m2_j1",
                            "log_pt_j2", "eta_j2", "dphi_j2", "log_m2_j2")
    assert coords.periodic.nonzero()[0].tolist() == [4, 7, 11]
    assert coords.objects.tolist() == [0, 0, 0, 1, 1] + [2] * 4 + [3] * 4
    raw, phi_ref = coords.raw(p)
    pair = p[:, 0] + p[:, 1]
    np.testing.assert_allclose(phi_ref, lorentz.phi(pair))  # the pair is the reference
    mass = 91.188 + 2.441404 / 2 * np.sinh(raw[:, 0])  # M_Z + Gamma_Z / 2 sinh(z)
    np.testing.assert_allclose(mass, lorentz.mass(pair), rtol=1e-12)
    np.testing.assert_allclose(raw[:, 2], lorentz.rapidity(pair), atol=1e-12)
    np.testing.assert_allclose(raw[:, 7], lorentz.delta_phi(p[:, 2], pair), atol=1e-12)


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("k", [1, 2, 3])
def test_decode_inverts_encode_to_1e_10(events, k, system):
    p = events[k]
    coords = EventCoordinates(k, system).fit(p)
    y, phi_ref = coords.encode(p)
    back = coords.decode(y, phi_ref)
    scale = p[..., :1].max(axis=1, keepdims=True)  # the hardest energy of each event
    assert np.abs(back - p).max(initial=0) <= 1e-10 * scale.min()
    assert (np.abs(back - p) / scale).max() < 1e-10
    assert (back[:, 2 + k:] == 0).all()  # zero padding
    # and the other way round, from coordinates no event had
    z = np.random.default_rng(0).normal(size=(500, coords.d))
    z[:, coords.periodic] = np.random.default_rng(1).uniform(-math.pi, math.pi,
                                                             (500, 1 + k))
    ok = ~coords.out_of_support(z)
    again, _ = coords.encode(coords.decode(z[ok], seed=3))
    np.testing.assert_allclose(again, z[ok], atol=1e-8)


@pytest.mark.parametrize("system", SYSTEMS)
def test_muons_come_back_on_their_mass_shell_and_rotations_drop_out(events, system):
    p = events[2]
    coords = EventCoordinates(2, system).fit(p)
    y, phi_ref = coords.encode(p)
    decoded = coords.decode(y, seed=5)  # a fresh uniform azimuth
    np.testing.assert_allclose(lorentz.mass(decoded[:, :2]), MUON_MASS, rtol=1e-6)
    rotation = decoded[:, 0, 1:3] @ np.array([[1.0], [1j]])  # azimuth of the mu+
    assert abs(np.mean(np.exp(1j * np.angle(rotation)))) < 0.1  # uniform: no mean direction
    y2, _ = coords.encode(decoded)
    np.testing.assert_allclose(y2, y, atol=1e-8)  # the coordinates do not see the rotation
    # periodic: shifting an azimuth difference by 2 pi gives the same event
    shifted = y.copy()
    shifted[:, coords.periodic] += 2 * math.pi
    np.testing.assert_allclose(coords.decode(shifted, phi_ref), coords.decode(y, phi_ref),
                               atol=1e-9 * p[..., 0].max())


def _x_to_coordinates(coords: EventCoordinates, x: np.ndarray, k: int) -> np.ndarray:
    """(y, phi_ref) of the free momenta x = muon 3-momenta, jet 4-momenta (6 + 4k,)."""
    p = np.zeros((1, 5, 4))
    for i in range(2):
        v = x[3 * i:3 * i + 3]
        p[0, i] = [math.sqrt(v @ v + MUON_MASS**2), *v]
    p[0, 2:2 + k] = x[6:].reshape(k, 4)
    y, phi_ref = coords.encode(p)
    return np.append(y[0], phi_ref[0])


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("k", [1, 2, 3])
def test_log_abs_det_jacobian_matches_finite_differences(events, k, system):
    p = events[k]
    coords = EventCoordinates(k, system).fit(p)
    y, _ = coords.encode(p)
    safe = np.flatnonzero((np.abs(y[:, coords.periodic]) < 3.0).all(1))[:5]  # off the wrap
    analytic = coords.log_abs_det_jacobian(p[safe])
    for event, expected in zip(safe, analytic, strict=True):
        x = np.concatenate([p[event, 0, 1:], p[event, 1, 1:], p[event, 2:2 + k].ravel()])
        step = 1e-8 * np.maximum(np.abs(x), 1.0)
        jac = np.empty((x.size, x.size))
        for j in range(x.size):
            up, down = x.copy(), x.copy()
            up[j] += step[j]
            down[j] -= step[j]
            jac[:, j] = (_x_to_coordinates(coords, up, k)
                         - _x_to_coordinates(coords, down, k)) / (2 * step[j])
        sign, numeric = np.linalg.slogdet(jac)
        assert sign != 0 and numeric == pytest.approx(expected, abs=1e-5)


def _numeric_log_det(function, z: np.ndarray) -> float:
    """log|det d function / dz| at z (d,) by central differences."""
    step = 1e-6 * np.maximum(np.abs(z), 1.0)
    jac = np.stack([(function(z + np.eye(z.size)[j] * step[j])
                     - function(z - np.eye(z.size)[j] * step[j])) / (2 * step[j])
                    for j in range(z.size)], axis=1)
    sign, log_det = np.linalg.slogdet(jac)
    assert sign != 0
    return float(log_det)


def test_the_same_density_has_the_same_physical_likelihood_in_both_systems(events):
    """A density known in dimuon coordinates (a standard normal, uniform angles), carried to
    object coordinates through the numerical Jacobian of the map between the two: both systems
    must give each event the same physical log density."""
    p = events[1]
    dimuon, objects = EventCoordinates(1, "dimuon").fit(p), EventCoordinates(1).fit(p)
    y_dim, ref_dim = dimuon.encode(p)
    y_obj, _ = objects.encode(p)
    away = ((np.abs(y_dim[:, dimuon.periodic]) < 3.0).all(1)
            & (np.abs(y_obj[:, objects.periodic]) < 3.0).all(1))
    rows = np.flatnonzero(away)[:6]

    def dimuon_to_objects(z: np.ndarray) -> np.ndarray:
        momenta = dimuon.decode(z[None, :-1], z[-1:])
        y, ref = objects.encode(momenta)
        return np.append(y[0], ref[0])

    flat = ~dimuon.periodic
    log_q_dim = (-0.5 * np.sum(y_dim[rows][:, flat] ** 2, axis=1)
                 - 0.5 * flat.sum() * math.log(2 * math.pi)
                 - dimuon.periodic.sum() * math.log(2 * math.pi))
    log_q_obj = log_q_dim - np.array([
        _numeric_log_det(dimuon_to_objects, np.append(y_dim[r], ref_dim[r])) for r in rows])
    np.testing.assert_allclose(objects.physical_log_prob(log_q_obj, p[rows]),
                               dimuon.physical_log_prob(log_q_dim, p[rows]), atol=1e-5)


def test_a_breit_wigner_mass_is_a_sech_density_of_asinh_m_mumu():
    """The reason for asinh_m_mumu: a Cauchy (Breit-Wigner) pair mass of the Z's mass and width
    has the density 1 / (pi cosh z) in it; checked on sampled pairs through the map."""
    rng = np.random.default_rng(4)
    n = 40000
    mass = 91.188 + 2.441404 / 2 * np.tan(rng.uniform(-1.4, 1.4, n))  # |M - M_Z| < 7 GeV
    e = mass / 2
    p = np.zeros((n, 5, 4))
    p[:, :2, 0] = e[:, None]
    p[:, :2, 2] = np.sqrt(e**2 - MUON_MASS**2)[:, None] * [1.0, -1.0]  # back to back along y
    p[:, 2] = [60.0, 40.0, 0.0, 0.0]  # a jet, unused here
    z = EventCoordinates(1, "dimuon").raw(p)[0][:, 0]
    np.testing.assert_allclose(z, np.arcsinh((dimuon_system(p[:, 0], p[:, 1]).mass - 91.188)
                                             / (2.441404 / 2)), atol=1e-9)
    counts, edges = np.histogram(z, np.linspace(-1.5, 1.5, 13))
    sech = np.diff(2 * np.arctan(np.tanh(edges / 2))) / math.pi  # integral of 1/(pi cosh z)
    accepted = 2 * 1.4 / math.pi  # the share of the Cauchy drawn
    np.testing.assert_allclose(counts / n, sech / accepted, rtol=0.06)


@pytest.mark.parametrize("system", SYSTEMS)
def test_physical_log_prob_adds_the_jacobian_and_the_azimuth(events, system):
    coords = EventCoordinates(1, system).fit(events[1])
    log_q = np.zeros(len(events[1]))
    np.testing.assert_allclose(coords.physical_log_prob(log_q, events[1]),
                               coords.log_abs_det_jacobian(events[1]) - math.log(2 * math.pi))


@pytest.mark.parametrize("system", SYSTEMS)
def test_saved_map_is_the_same_map(events, system):
    coords = EventCoordinates(3, system).fit(events[3])
    again = EventCoordinates.from_dict(coords.to_dict())
    assert again.system == system
    np.testing.assert_array_equal(again.encode(events[3])[0], coords.encode(events[3])[0])
    with pytest.raises(UsageError, match="retrain the run"):
        EventCoordinates.from_dict({**coords.to_dict(), "m2_eps": 1.0})
    saved_before_systems = {k: v for k, v in coords.to_dict().items() if k != "system"}
    assert EventCoordinates.from_dict(saved_before_systems).system == "objects"


def test_defects_of_generated_events(events):
    coords = EventCoordinates(2).fit(events[2])
    y, phi_ref = coords.encode(events[2][:6])
    y[0, 0] = np.nan  # non-finite
    raw_m2 = coords.names.index("log_m2_j1")
    y[1, raw_m2] = (math.log(M2_EPS / 2) - coords.mean[raw_m2]) / coords.std[raw_m2]  # m^2 < 0
    j1_dphi, j2_dphi = coords.names.index("dphi_j1"), coords.names.index("dphi_j2")
    j1_eta, j2_eta = coords.names.index("eta_j1"), coords.names.index("eta_j2")
    y[2, j2_dphi], y[2, j2_eta] = y[2, j1_dphi] + 0.1, (
        y[2, j1_eta] * coords.std[j1_eta] + coords.mean[j1_eta] - coords.mean[j2_eta]
    ) / coords.std[j2_eta]  # j2 on top of j1: Delta R = 0.1
    pt1, pt2 = coords.names.index("log_pt_j1"), coords.names.index("log_pt_j2")
    y[3, [pt1, pt2]] = (y[3, [pt2, pt1]] * coords.std[[pt2, pt1]] + coords.mean[[pt2, pt1]]
                        - coords.mean[[pt1, pt2]]) / coords.std[[pt1, pt2]]  # swapped pT
    ordered = np.diff(lorentz.pt(events[2][3, 2:4])) < 0
    momenta = coords.decode(y, phi_ref)
    flags = coords.defects(y, momenta)
    assert list(flags) == list(DEFECTS)
    assert np.flatnonzero(flags["non_finite"]).tolist() == [0]
    assert np.flatnonzero(flags["out_of_support"]).tolist() == [1]
    assert 2 in np.flatnonzero(flags["delta_r_below_min"])
    assert flags["jets_unordered"][3] == bool(ordered)
    assert not flags["jet_pt_below_min"].any()
    assert (lorentz.mass_squared(momenta[1, 2:4]) >= -1e-9).all()  # m^2 clipped at 0


@pytest.mark.parametrize("k", [0, 4, "all"])
def test_unknown_multiplicity_is_a_one_line_error(k):
    with pytest.raises(UsageError, match="choose n_jets 1 to 3"):
        EventCoordinates(k)


def test_dimuon_defects_flag_a_pair_below_threshold(events):
    coords = EventCoordinates(1, "dimuon").fit(events[1])
    y, phi_ref = coords.encode(events[1][:3])
    z = math.asinh((0.1 - 91.188) / (2.441404 / 2))  # M = 0.1 GeV < 2 m_mu
    y[0, 0] = (z - coords.mean[0]) / coords.std[0]
    y[1, 3] = 40.0  # atanh(cos theta) far out: still a direction, in support
    momenta = coords.decode(y, phi_ref)
    flags = coords.defects(y, momenta)
    assert np.flatnonzero(flags["out_of_support"]).tolist() == [0]
    assert np.isfinite(momenta).all()
    np.testing.assert_allclose(lorentz.mass(momenta[0, 0] + momenta[0, 1]), 2 * MUON_MASS,
                               atol=1e-6)  # clipped to threshold


def test_unknown_system_is_a_one_line_error():
    with pytest.raises(UsageError, match="unknown event coordinate system 'cartesian'; choose "
                                         "one of objects, dimuon") as info:
        EventCoordinates(1, "cartesian")
    assert "\n" not in str(info.value)
