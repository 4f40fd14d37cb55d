"""Decay partons from the Pythia record: momentum conservation in the decay, ids, masses."""

import numpy as np
import pytest

from hepscaling.physics.jets.processes import jet_class, make_pythia
from hepscaling.physics.jets.truth import decay_partons
from hepscaling.physics.lorentz import mass


@pytest.fixture(scope="module")
def batches():
    out = {}
    for name in ("w", "top"):
        spec = jet_class(name)
        out[name] = (spec, make_pythia(spec, 3).nextBatch(30))
    return out


def test_w_partons_are_its_decay_products(batches):
    spec, batch = batches["w"]
    truth = decay_partons(batch, spec.resonance)
    assert truth.ok.all()
    assert truth.partons.shape == (30, 1, 2, 4)
    assert set(np.abs(truth.resonance_pid.ravel())) == {24}
    # the two decay quarks carry exactly the W's four-momentum (last copy before the decay)
    np.testing.assert_allclose(truth.partons.sum(axis=2), truth.resonance, rtol=0, atol=1e-6)
    assert abs(np.median(mass(truth.resonance)) - 80.4) < 3.0


def test_top_partons_are_b_and_w_quarks_of_the_same_top(batches):
    spec, batch = batches["top"]
    truth = decay_partons(batch, spec.resonance)
    assert truth.ok.all()
    assert truth.partons.shape == (30, 2, 3, 4)
    assert sorted(truth.resonance_pid[0]) == [-6, 6]
    m_top = mass(truth.resonance)
    m_bqq = mass(truth.partons.sum(axis=2))
    # b + q + q' rebuild the top up to the shower recoil inside the top decay
    assert abs(np.median(m_top) - 172.5) < 3.0
    assert np.median(np.abs(m_bqq - m_top)) < 3.0
    # each parton is closer to its own top than to the other one
    def direction(p):
        return p[..., 1:] / np.linalg.norm(p[..., 1:], axis=-1, keepdims=True)

    own = np.einsum("nrkj,nrj->nrk", direction(truth.partons), direction(truth.resonance))
    other = np.einsum("nrkj,nrj->nrk", direction(truth.partons),
                      direction(truth.resonance[:, ::-1]))
    assert np.mean(own > other) > 0.9
