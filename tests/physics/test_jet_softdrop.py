"""Soft-drop mass from the numpy declustering: fastjet-contrib's SoftDrop, jet by jet."""

import awkward as ak
import fastjet
import numpy as np
import pytest

from hepscaling.physics.jets.softdrop import softdrop_mass


def four_vectors(pt, y, phi, m=0.0):
    """(E, px, py, pz) of particles with the given pT (GeV), rapidity, azimuth and mass."""
    pt, y, phi, m = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (pt, y, phi, m)))
    mt = np.hypot(pt, m)
    return np.stack([mt * np.cosh(y), pt * np.cos(phi), pt * np.sin(phi), mt * np.sinh(y)], -1)


def ca_sequence(jets):
    """One C/A (R = max) clustering per (k, 4) array of ``jets``, as SoftDrop reclusters."""
    flat = np.concatenate(jets)
    particles = ak.unflatten(ak.zip({"px": flat[:, 1], "py": flat[:, 2], "pz": flat[:, 3],
                                     "E": flat[:, 0]}),
                             [len(j) for j in jets])
    return fastjet.ClusterSequence(particles, fastjet.JetDefinition(
        fastjet.cambridge_algorithm, fastjet.JetDefinition.max_allowable_R))


def random_jet(rng, n_prongs, n_particles):
    """Prongs of hadron-like particles (pion mass) around random axes near (0, 0)."""
    axes = rng.normal(0, 0.3, (n_prongs, 2))
    prong = rng.integers(0, n_prongs, n_particles)
    y, phi = (axes[prong] + rng.normal(0, 0.08, (n_particles, 2))).T
    return four_vectors(rng.exponential(15, n_particles), y, phi, 0.13957)


def mass(p4):
    e, px, py, pz = p4.sum(axis=0)
    return np.sqrt(e**2 - px**2 - py**2 - pz**2)


def test_equals_fastjet_contrib_softdrop_jet_by_jet():
    rng = np.random.default_rng(11)
    jets = [random_jet(rng, rng.integers(1, 4), n) for n in rng.integers(2, 160, 60)]
    jets += [four_vectors([50.0], [0.1], [0.2], [0.5])]  # one particle: its own mass
    sequence = ca_sequence(jets)
    contrib = sequence.exclusive_jets_softdrop_grooming(njets=1, beta=0.0, symmetry_cut=0.1,
                                                        R0=0.8)
    for z_cut, expected in ((0.1, contrib.msoftdrop), (0.3, None)):
        ours = softdrop_mass(sequence, z_cut)
        if expected is None:  # a harder cut can only groom more
            assert np.all(ours <= softdrop_mass(sequence, 0.1) + 1e-9)
        else:
            assert np.array_equal(ours, ak.to_numpy(expected))  # bit for bit
    assert softdrop_mass(sequence, 0.1)[-1] == pytest.approx(0.5, rel=1e-9)


def test_a_soft_prong_is_dropped_and_a_balanced_one_kept():
    hard = four_vectors([300.0, 200.0], [0.0, 0.1], [0.0, 0.05])
    soft = four_vectors([20.0], [0.6], [0.0])  # z = 20 / 520 < 0.1
    balanced = four_vectors([100.0], [0.6], [0.0])  # z = 100 / 600 > 0.1
    sdmass = softdrop_mass(ca_sequence([np.concatenate([hard, soft]),
                                        np.concatenate([hard, balanced])]), 0.1)
    np.testing.assert_allclose(sdmass, [mass(hard), mass(np.concatenate([hard, balanced]))],
                               rtol=1e-12)
    # with a cut above every splitting's z, grooming ends on the hardest particle (massless)
    assert softdrop_mass(ca_sequence([np.concatenate([hard, soft])]), 0.45)[0] == pytest.approx(
        0.0, abs=1e-4)




def test_no_jets():
    nothing = ak.unflatten(ak.zip({c: np.zeros(0) for c in ("px", "py", "pz", "E")}),
                           np.zeros(0, dtype=np.int64))
    sequence = fastjet.ClusterSequence(nothing, fastjet.JetDefinition(
        fastjet.cambridge_algorithm, fastjet.JetDefinition.max_allowable_R))
    assert softdrop_mass(sequence, 0.1).shape == (0,)
