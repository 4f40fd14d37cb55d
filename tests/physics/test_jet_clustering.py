"""Clustering, selection, matching and substructure on hand-built events with known answers."""

import warnings

import awkward as ak
import fastjet
import numpy as np
import pytest

from hepscaling.physics.jets import clustering
from hepscaling.physics.jets.truth import Truth


def massless(pt, y, phi):
    """(E, px, py, pz) of massless particles, arrays broadcast."""
    pt, y, phi = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (pt, y, phi)))
    return np.stack([pt * np.cosh(y), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(y)], -1)


def records(events):
    """Jagged {px, py, pz, E} records from a list of (k, 4) (E, px, py, pz) arrays."""
    counts = [len(e) for e in events]
    flat = np.concatenate(events)
    return ak.unflatten(ak.zip({"px": flat[:, 1], "py": flat[:, 2], "pz": flat[:, 3],
                                "E": flat[:, 0]}), counts)


def test_visible_particles_keep_final_non_neutrinos():
    prt = [{"id": pid, "status": status, "p": {"px": 1.0 + i, "py": 0.0, "pz": 0.0, "e": 2.0 + i}}
           for i, (pid, status) in enumerate([(211, 91), (12, 91), (22, 91), (24, -22),
                                              (-14, 91), (-13, 1)])]
    particles, pid = clustering.visible_particles(ak.Array([{"prt": prt}]))
    assert pid.tolist() == [[211, 22, -13]]
    assert particles.px.tolist() == [[1.0, 3.0, 6.0]]
    # events keep their own particles, also when nothing in one of them is visible
    particles, pid = clustering.visible_particles(ak.Array([{"prt": prt[1:2]}, {"prt": prt}]))
    assert pid.tolist() == [[], [211, 22, -13]]
    assert particles.E.tolist() == [[], [2.0, 4.0, 7.0]]


def test_cluster_returns_pt_ordered_jets_with_their_constituents():
    rng = np.random.default_rng(1)
    hard1 = massless(rng.uniform(50, 150, 8), 0.5 + rng.normal(0, 0.1, 8),
                     rng.normal(0, 0.1, 8))  # about 800 GeV at (0.5, 0)
    hard2 = massless(rng.uniform(80, 120, 9), -1 + rng.normal(0, 0.1, 9),
                     3.0 + rng.normal(0, 0.1, 9))  # about 900 GeV at (-1, 3)
    soft = massless([3.0, 2.0], [4.0, -3.0], [1.5, -1.5])
    event = np.concatenate([hard1, soft, hard2])
    jets = clustering.cluster(records([event]))
    assert jets.count.tolist() == [2]
    pt = jets.pt()[0]
    assert pt[0] > pt[1] > 500
    for j in range(2):
        members, _ = clustering.jet_constituents(records([event]), ak.Array([np.arange(19)]),
                                                 jets, np.array([0]), np.array([j]))
        total = [ak.sum(members[c]) for c in ("E", "px", "py", "pz")]
        np.testing.assert_allclose(total, jets.p4[0, j], rtol=1e-12)
    _, pid = clustering.jet_constituents(records([event]), ak.Array([np.arange(19)]), jets,
                                             np.array([0]), np.array([0]))
    assert sorted(pid[0].tolist()) == list(range(10, 19))  # hard2 leads


def test_softdrop_drops_a_soft_wide_branch_and_nsubjettiness_of_two_prongs():
    two_prongs = massless([300.0, 300.0], [0.2, -0.2], [0.0, 0.0])
    soft = massless([5.0], [0.0], [0.65])
    sdmass, tau = clustering.substructure(records([two_prongs, np.concatenate([two_prongs,
                                                                              soft])]))
    expected = np.sqrt(2 * 300.0 * 300.0 * (np.cosh(0.4) - 1.0))  # m^2 = 2 pt1 pt2 (cosh dy - 1)
    np.testing.assert_allclose(sdmass, [expected, expected], rtol=1e-9)
    # beta = 1: any 1-axis between the prongs gives sum pT dR = 300 * 0.4; tau2 = 0
    np.testing.assert_allclose(tau[0], [300 * 0.4 / (600 * 0.8), 0.0, 0.0, 0.0], atol=1e-6)


def test_nsubjettiness_matches_its_definition_with_exclusive_kt_axes():
    rng = np.random.default_rng(7)
    jets = [massless(rng.exponential(20, 40), rng.normal(0, 0.25, 40), rng.normal(0, 0.25, 40))
            for _ in range(3)]
    data = records(jets)
    sequence = fastjet.ClusterSequence(data, fastjet.JetDefinition(
        fastjet.cambridge_algorithm, fastjet.JetDefinition.max_allowable_R))
    library = ak.to_numpy(sequence.njettiness(axes_definition="KT_Axes", njets=[1, 2, 3, 4],
                                              beta=1.0, R0=0.8)).reshape(-1, 4)
    _, ours = clustering.substructure(data)
    for i, p in enumerate(jets):
        kt = fastjet.ClusterSequence(records([p]), fastjet.JetDefinition(
            fastjet.kt_algorithm, fastjet.JetDefinition.max_allowable_R))
        y = 0.5 * np.log((p[:, 0] + p[:, 3]) / (p[:, 0] - p[:, 3]))
        phi = np.arctan2(p[:, 2], p[:, 1])
        pt = np.hypot(p[:, 1], p[:, 2])
        for n in range(1, 5):
            with warnings.catch_warnings():  # fastjet warns for every algorithm, kt included
                warnings.simplefilter("ignore", UserWarning)
                axes = kt.exclusive_jets(n_jets=n, dcut=-1)[0]
            ay = 0.5 * np.log((axes.E + axes.pz) / (axes.E - axes.pz)).to_numpy()
            aphi = np.arctan2(axes.py, axes.px).to_numpy()
            dphi = np.mod(phi[:, None] - aphi[None, :] + np.pi, 2 * np.pi) - np.pi
            dr = np.hypot(y[:, None] - ay[None, :], dphi).min(axis=1)
            definition = np.sum(pt * dr) / (np.sum(pt) * 0.8)
            np.testing.assert_allclose(library[i, n - 1], definition, rtol=1e-9)
            # the one-pass minimisation (JetClass's axes) can only lower tau_N
            assert ours[i, n - 1] <= definition + 1e-12


def make_jets(pt_eta_phi):
    """A one-event Jets object with massless jets at the given (pt, eta, phi) rows."""
    p4 = massless(*np.asarray(pt_eta_phi, dtype=float).T)[None]
    n = p4.shape[1]
    return clustering.Jets(p4=p4, count=np.array([n]), source=np.arange(n)[None],
                           constituents=ak.Array([[[j] for j in range(n)]]))


def make_truth(res_eta_phi, partons_eta_phi):
    res = massless(600.0, *np.moveaxis(np.asarray(res_eta_phi, dtype=float), -1, 0))[None]
    par = massless(300.0, *np.moveaxis(np.asarray(partons_eta_phi, dtype=float), -1, 0))[None]
    return Truth(ok=np.array([True]), resonance=res, resonance_pid=np.array([[24]]),
                 partons=par)


def test_matching_picks_the_hardest_jet_containing_the_resonance_and_its_partons():
    jets = make_jets([[900.0, 0.0, 0.0], [700.0, 1.0, 2.0]])
    inside = make_truth([[1.0, 2.0]], [[[0.8, 2.1], [1.3, 1.8]]])
    assert [a.tolist() for a in clustering.select_matched(jets, inside)] == [[1], [0]]
    one_parton_out = make_truth([[1.0, 2.0]], [[[0.8, 2.1], [1.0, 2.85]]])
    assert clustering.select_matched(jets, one_parton_out)[0].tolist() == [-1]
    both = make_jets([[950.0, 1.1, 2.0], [900.0, 0.9, 2.0]])
    assert clustering.select_matched(both, inside)[0].tolist() == [0]


@pytest.mark.parametrize(("pt", "eta", "expected"), [(700.0, 1.0, 0), (1100.0, 1.0, -1),
                                                      (450.0, 1.0, -1), (700.0, -2.1, -1)])
def test_leading_jet_window(pt, eta, expected):
    assert clustering.select_leading(make_jets([[pt, eta, 0.3]])).tolist() == [expected]


def test_dphi_wraps_for_matching_across_pi():
    jets = make_jets([[700.0, 0.0, 3.1]])
    truth = make_truth([[0.0, -3.1]], [[[0.1, -3.0], [-0.1, 3.05]]])
    assert clustering.select_matched(jets, truth)[0].tolist() == [0]
