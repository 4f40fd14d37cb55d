"""Generated jets: physics sanity (mass peaks, N-subjettiness), selection, labels, seeding."""

import numpy as np
import pytest

from helpers.jet_samples import jet_sample
from hepscaling.errors import UsageError
from hepscaling.physics.jets import LABELS, generate_chunk

W_MASS, Z_MASS, TOP_MASS, H_MASS = 80.4, 91.19, 172.5, 125.0


def tau21(jets):
    return jets["jet_tau2"] / jets["jet_tau1"]


@pytest.mark.parametrize(("name", "peak", "tolerance"), [
    ("w", W_MASS, 15.0), ("z", Z_MASS, 15.0), ("top", TOP_MASS, 20.0), ("hbb", H_MASS, 15.0)])
def test_signal_soft_drop_mass_peaks_at_the_resonance(name, peak, tolerance):
    sdmass = jet_sample(name)["jet_sdmass"]
    assert abs(np.median(sdmass) - peak) < tolerance
    # a clear peak: the majority within +-20% of the mass (QCD puts < 20% in the W window)
    assert np.mean(np.abs(sdmass - peak) < 0.2 * peak) > 0.5


def test_qcd_soft_drop_mass_is_mostly_light():
    qcd = jet_sample("qcd")["jet_sdmass"]
    # quantile criterion: half the QCD jets below 40 GeV, a quarter below 15 GeV, and only a
    # small fraction in the W window where W jets concentrate
    assert np.quantile(qcd, 0.5) < 40.0
    assert np.quantile(qcd, 0.25) < 15.0
    assert np.mean(np.abs(qcd - W_MASS) < 0.2 * W_MASS) < 0.2


def test_nsubjettiness_separates_two_and_three_prong_jets_from_qcd():
    w, top, qcd = jet_sample("w"), jet_sample("top"), jet_sample("qcd")
    assert np.median(tau21(w)) < np.median(tau21(qcd)) - 0.15
    tau32 = {k: np.median(v["jet_tau3"] / v["jet_tau2"]) for k, v in (("top", top),
                                                                       ("qcd", qcd))}
    assert tau32["top"] < tau32["qcd"] - 0.05
    for jets in (w, top, qcd):
        taus = np.stack([jets[f"jet_tau{i}"] for i in range(1, 5)], axis=1)
        assert np.all(taus >= 0) and np.all(taus[:, 0] > 0)


@pytest.mark.parametrize("name", ["qcd", "w", "top"])
def test_selection_window_and_labels(name):
    jets = jet_sample(name)
    assert np.all((jets["jet_pt"] > 500) & (jets["jet_pt"] < 1000))
    assert np.all(np.abs(jets["jet_eta"]) < 2)
    onehot = np.stack([jets[label] for label in LABELS], axis=1)
    assert np.all(onehot.sum(axis=1) == 1)
    assert np.array_equal(onehot.argmax(axis=1), jets["label"])
    expected = {"qcd": "label_QCD", "w": "label_Wqq", "top": "label_Tbqq"}[name]
    assert np.all(jets["label"] == LABELS.index(expected))


def test_signal_jets_point_at_their_resonance():
    w = jet_sample("w")
    assert set(np.abs(w["aux_genpart_pid"]).astype(int)) == {24}
    dphi = np.mod(w["aux_genpart_phi"] - w["jet_phi"] + np.pi, 2 * np.pi) - np.pi
    assert np.all(np.hypot(w["aux_genpart_eta"] - w["jet_eta"], dphi) < 0.8)
    assert np.all(jet_sample("qcd")["aux_genpart_pt"] == 0)


def test_same_seed_same_jets_other_seed_other_jets():
    a, b = generate_chunk("w", 4, 99), generate_chunk("w", 4, 99)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    c = generate_chunk("w", 4, 100)
    assert not np.array_equal(a["jet_pt"], c["jet_pt"])


def test_z_to_neutrinos_plus_jet_gives_qcd_jets():
    jets = generate_chunk("qcd_zvv", 12, 5)
    assert np.all(jets["label"] == LABELS.index("label_QCD"))
    assert np.median(jets["jet_sdmass"]) < 50.0


@pytest.mark.parametrize(("args", "fragment"), [(("gluino", 5, 1), "unknown jet class"),
                                                (("w", 0, 1), "must be positive"),
                                                (("w", -3, 1), "must be positive")])
def test_bad_input_is_a_one_line_usage_error(args, fragment):
    with pytest.raises(UsageError, match=fragment) as info:
        generate_chunk(*args)
    assert "\n" not in str(info.value)


def auc(score_signal, score_background):
    """Area under the ROC curve = P(signal score > background score) (Mann-Whitney)."""
    scores = np.concatenate([score_signal, score_background])
    ranks = np.empty(scores.size)
    ranks[np.argsort(scores)] = np.arange(1, scores.size + 1)
    n_s, n_b = score_signal.size, score_background.size
    return (ranks[:n_s].sum() - n_s * (n_s + 1) / 2) / (n_s * n_b)


def test_a_tiny_tagger_beats_random():
    """Logistic regression on (soft-drop mass, tau21), trained on half of W and QCD jets."""
    w, qcd = jet_sample("w"), jet_sample("qcd")

    def inputs(jets):
        return np.stack([jets["jet_sdmass"] / 100.0, tau21(jets)], axis=1).astype(np.float64)

    x_w, x_q = inputs(w), inputs(qcd)
    half_w, half_q = len(x_w) // 2, len(x_q) // 2
    x = np.concatenate([x_w[:half_w], x_q[:half_q]])
    y = np.concatenate([np.ones(half_w), np.zeros(half_q)])
    # features: mass, (mass - m_W)^2 (a window), tau21; fitted by gradient descent
    def design(v):
        return np.stack([np.ones(len(v)), v[:, 0], (v[:, 0] - 0.8) ** 2, v[:, 1]], axis=1)

    weights = np.zeros(4)
    for _ in range(3000):
        p = 1 / (1 + np.exp(-design(x) @ weights))
        weights -= 1.0 * design(x).T @ (p - y) / len(y)
    test_auc = auc(design(x_w[half_w:]) @ weights, design(x_q[half_q:]) @ weights)
    # with ~75 test jets per class the AUC of a random guess is 0.5 +- 0.05
    assert test_auc > 0.75
