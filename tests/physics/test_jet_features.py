"""JetClass features: hand-checked definitions on toy jets, and consistency on Pythia jets."""

import awkward as ak
import numpy as np

from helpers.jet_samples import jet_sample
from hepscaling.physics.jets.features import JET_FEATURES, PARTICLE_FEATURES, jet_features


def toy(jet_eta, phis):
    """One jet of three massless particles near (jet_eta, phis) plus its summed four-vector."""
    pt = np.array([10.0, 40.0, 20.0])
    eta = jet_eta + np.array([0.1, -0.05, 0.2])
    phi = np.asarray(phis)
    p = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], 1)
    cons = ak.Array([{"px": r[1], "py": r[2], "pz": r[3], "E": r[0]} for r in p])
    return p, ak.Array([cons]), p.sum(axis=0)[None]


def features(cons, jet, pid=(211, 22, -11), charge=(1.0, 0.0, 1.0), max_particles=5):
    return jet_features(cons, ak.Array([list(pid)]), ak.Array([list(charge)]), jet,
                        np.array([12.0]), np.array([[0.4, 0.2, 0.1, 0.05]]), max_particles)


def test_constituents_sorted_padded_and_typed():
    _, cons, jet = toy(0.5, [0.1, 0.0, -0.1])
    f = features(cons, jet)
    assert set(f) == {*PARTICLE_FEATURES, "part_mask", *JET_FEATURES}
    assert f["part_mask"].tolist() == [[True, True, True, False, False]]
    np.testing.assert_allclose(np.exp(f["part_pt_log"][0, :3]), [40.0, 20.0, 10.0], rtol=1e-6)
    assert f["part_isPhoton"][0].tolist() == [1, 0, 0, 0, 0]  # the 40 GeV photon leads
    assert f["part_isElectron"][0].tolist() == [0, 1, 0, 0, 0]
    assert f["part_isChargedHadron"][0].tolist() == [0, 0, 1, 0, 0]
    assert f["part_charge"][0].tolist() == [0, 1, 1, 0, 0]
    assert all(f[name].dtype == np.float32 for name in (*PARTICLE_FEATURES, *JET_FEATURES))
    assert f["jet_nparticles"].tolist() == [3] and f["jet_sdmass"].tolist() == [12.0]
    truncated = features(cons, jet, max_particles=2)
    assert truncated["part_mask"].tolist() == [[True, True]]
    assert truncated["jet_nparticles"].tolist() == [3]  # counts all constituents


def test_deta_sign_follows_the_jet_hemisphere_and_dphi_wraps():
    p, cons, jet = toy(-1.0, [3.1, -3.1, 3.0])
    f = features(cons, jet)
    jet_pt = np.hypot(jet[0, 1], jet[0, 2])
    jet_eta = np.arcsinh(jet[0, 3] / jet_pt)
    jet_phi = np.arctan2(jet[0, 2], jet[0, 1])
    order = [1, 2, 0]  # by decreasing pT
    eta = np.arcsinh(p[order, 3] / np.hypot(p[order, 1], p[order, 2]))
    phi = np.arctan2(p[order, 2], p[order, 1])
    dphi = (phi - jet_phi + np.pi) % (2 * np.pi) - np.pi
    # jet at negative eta: part_deta = -(eta - jet_eta) (JetClass makeNtuples.C)
    np.testing.assert_allclose(f["part_deta"][0, :3], -(eta - jet_eta), atol=1e-6)
    np.testing.assert_allclose(f["part_dphi"][0, :3], dphi, atol=1e-6)
    assert np.all(np.abs(f["part_dphi"][0, :3]) < 0.2)  # wrapped across +-pi
    np.testing.assert_allclose(f["part_deltaR"][0, :3], np.hypot(eta - jet_eta, dphi), atol=1e-6)
    np.testing.assert_allclose(f["part_logptrel"][0, :3],
                               np.log(np.array([40.0, 20.0, 10.0]) / jet_pt), atol=1e-6)
    np.testing.assert_allclose(f["part_logerel"][0, :3], np.log(p[order, 0] / jet[0, 0]),
                               atol=1e-6)


def test_pythia_jet_features_match_their_constituents():
    f = jet_sample("w")
    full = f["jet_nparticles"] <= f["part_mask"].shape[1]
    assert full.mean() > 0.9
    mask = f["part_mask"][full]
    assert np.array_equal(mask.sum(axis=1), f["jet_nparticles"][full].astype(int))
    total = {c: np.sum(f[f"part_{c}"][full].astype(np.float64), axis=1)
             for c in ("px", "py", "pz", "energy")}
    pt = np.hypot(total["px"], total["py"])
    np.testing.assert_allclose(f["jet_pt"][full], pt, rtol=1e-4)
    np.testing.assert_allclose(f["jet_energy"][full], total["energy"], rtol=1e-4)
    np.testing.assert_allclose(f["jet_eta"][full], np.arcsinh(total["pz"] / pt), atol=1e-4)
    np.testing.assert_allclose(f["jet_phi"][full], np.arctan2(total["py"], total["px"]),
                               atol=1e-4)
    # per-particle features from the stored four-vectors, JetClass formulas
    m = f["part_mask"]
    part_pt = np.hypot(f["part_px"], f["part_py"]).astype(np.float64)[m]
    row = np.nonzero(m)[0]
    np.testing.assert_allclose(f["part_logptrel"][m], np.log(part_pt / f["jet_pt"][row]),
                               atol=1e-4)
    eta = np.arcsinh(f["part_pz"][m] / part_pt)
    sign = np.where(f["jet_eta"] > 0, 1.0, -1.0)[row]
    np.testing.assert_allclose(f["part_deta"][m], (eta - f["jet_eta"][row]) * sign, atol=1e-4)
    # anti-kT R = 0.8 gathers particles within R (in rapidity, phi) of the hard core, so nearly
    # all constituents lie within R of the final axis (pseudorapidity, used by part_deltaR,
    # differs for soft massive hadrons; a hard second prong can pull the axis away)
    def rapidity(energy, pt, pz):  # asinh(pz / mT): no E - pz cancellation in float32 inputs
        m2 = np.clip(energy.astype(np.float64) ** 2 - pt**2 - pz.astype(np.float64) ** 2, 0, None)
        return np.arcsinh(pz / np.sqrt(pt**2 + m2))

    y = rapidity(f["part_energy"][m], part_pt, f["part_pz"][m])
    jet_pt = f["jet_pt"].astype(np.float64)
    jet_y = rapidity(f["jet_energy"], jet_pt, jet_pt * np.sinh(f["jet_eta"]))
    assert np.mean(np.hypot(y - jet_y[row], f["part_dphi"][m]) < 0.8) > 0.98
    padded_pt = np.where(m, np.hypot(f["part_px"], f["part_py"]), -1.0)
    assert np.all(np.diff(padded_pt, axis=1) <= 1e-3)  # sorted by decreasing pT
    for name in PARTICLE_FEATURES:
        assert np.all(f[name][~m] == 0), name
    kinds = sum(f[name] for name in ("part_isChargedHadron", "part_isNeutralHadron",
                                     "part_isPhoton", "part_isElectron", "part_isMuon"))
    assert np.array_equal(kinds, m.astype(np.float32))  # exactly one type per particle
    assert np.all((f["part_charge"] != 0)[m] <= (f["part_isChargedHadron"]
                                                + f["part_isElectron"] + f["part_isMuon"])[m])
