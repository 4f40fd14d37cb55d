"""Object selection: the Z's muons from the event record, Delta R between objects, the veto."""

import awkward as ak
import numpy as np
import pytest

from hepscaling.physics import lorentz
from hepscaling.physics.events.process import DrellYanSpec, make_pythia
from hepscaling.physics.events.selection import pairwise_delta_r, select, z_muons


def _along(pt: float, eta: float, phi: float, m: float = 0.0) -> np.ndarray:
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    return np.array([np.sqrt(px**2 + py**2 + pz**2 + m**2), px, py, pz])


def test_pairwise_delta_r_takes_the_closest_present_pair():
    objects = np.stack([_along(40, 0.0, 0.0), _along(40, 0.3, 0.4), _along(30, 2.0, 2.0),
                        _along(50, 0.0, 0.1)])[None]  # the last one is "absent"
    present = np.array([[True, True, True, False]])
    assert pairwise_delta_r(objects, present) == pytest.approx([0.5])  # hypot(0.3, 0.4)
    assert pairwise_delta_r(objects, np.array([[True, False, False, True]])) == pytest.approx(
        [0.1])
    assert pairwise_delta_r(objects, np.array([[True, False, False, False]])) == [np.inf]


def test_pairwise_delta_r_wraps_phi():
    objects = np.stack([_along(40, 0.0, 3.1), _along(40, 0.0, -3.1)])[None]
    assert pairwise_delta_r(objects, np.ones((1, 2), bool)) == pytest.approx([2 * np.pi - 6.2])


@pytest.fixture(scope="module")
def batch():
    return make_pythia(DrellYanSpec(), 11).nextBatch(300)


def test_z_muons_are_the_mu_plus_then_the_mu_minus_of_the_z(batch):
    momenta, flat = z_muons(batch)
    pid = ak.to_numpy(ak.flatten(batch.prt.id))
    assert momenta.shape == (300, 2, 4)
    assert (pid[flat[:, 0]] == -13).all() and (pid[flat[:, 1]] == 13).all()
    m_hat = ak.to_numpy(batch.info.mHat)  # no QED radiation: the pair keeps the Z's mass
    np.testing.assert_allclose(lorentz.mass(momenta.sum(axis=1)), m_hat, rtol=1e-6)


def test_select_removes_jets_near_muons_and_orders_by_pt(batch):
    events = select(batch)
    n_max = events.momenta.shape[1] - 2
    assert events.n_jets.max() <= n_max
    jets = events.momenta[:, 2:]
    present = np.arange(n_max) < events.n_jets[:, None]
    pt = lorentz.pt(jets)
    assert (pt[present] > 20).all() and (jets[~present] == 0).all()
    assert (np.diff(pt, axis=1) <= 0).all()
    near = lorentz.delta_r(jets[:, :, None], events.momenta[:, None, :2]).min(-1)
    assert (near[present] >= 0.4).all()
    objects = np.concatenate([np.ones((len(pt), 2), bool), present], axis=1)
    np.testing.assert_array_equal(events.vetoed,
                                  pairwise_delta_r(events.momenta, objects) < 0.4)
