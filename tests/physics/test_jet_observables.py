"""Jet observables on hand-checkable jets: ratios, pT_D, girth, mass, counts."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.physics.jets.observables import (
    OBSERVABLE_FIELDS,
    OBSERVABLES,
    constituent_observables,
    jet_observables,
)


def _jets() -> dict[str, np.ndarray]:
    """Two jets, three slots: jet 0 has constituents of pT 3 and 1 GeV (one charged) at
    Delta R 0.1 and 0.5; jet 1 has no stored constituent and zero tau_1."""
    pt = np.array([[3.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    return {
        "jet_pt": np.array([100.0, 50.0], dtype=np.float32),
        "jet_eta": np.array([0.0, 1.0], dtype=np.float32),
        "jet_energy": np.array([125.0, 50.0 * np.cosh(1.0)], dtype=np.float32),
        "jet_nparticles": np.array([2, 0]), "jet_sdmass": np.array([70.0, 0.0]),
        "jet_tau1": np.array([0.4, 0.0]), "jet_tau2": np.array([0.2, 0.1]),
        "jet_tau3": np.array([0.1, 0.1]), "jet_tau4": np.array([0.05, 0.1]),
        "part_mask": np.array([[True, True, False], [False, False, False]]),
        "part_pt_log": np.log(pt), "part_deltaR": np.array([[0.1, 0.5, 0.0], [0.0] * 3]),
        "part_charge": np.array([[1, 0, 1], [0, 0, 0]]),
        "part_logptrel": np.log(np.array([[0.03, 0.01, 1.0], [1.0, 1.0, 1.0]])),
    }


def test_values_by_hand():
    a = _jets()
    assert OBSERVABLES["mass"](a) == pytest.approx([75.0, 0.0], abs=1e-2)  # 125^2 - 100^2
    assert OBSERVABLES["ptd"](a) == pytest.approx([np.sqrt(10) / 4, 0.0])
    assert OBSERVABLES["girth"](a) == pytest.approx([(0.3 + 0.5) / 4, 0.0])
    assert OBSERVABLES["tau21"](a) == pytest.approx([0.5, 0.0])  # zero denominator -> 0
    assert OBSERVABLES["n_charged"](a).tolist() == [1.0, 0.0]  # padding is not counted
    assert OBSERVABLES["lead_pt_frac"](a) == pytest.approx([0.03, 1.0])
    assert OBSERVABLES["log_pt"](a) == pytest.approx(np.log([100.0, 50.0]))


def test_every_observable_is_float64_per_jet_from_the_listed_fields():
    a = {k: v for k, v in _jets().items() if k in OBSERVABLE_FIELDS}
    table = jet_observables(a, tuple(OBSERVABLES))
    assert table.shape == (2, len(OBSERVABLES)) and table.dtype == np.float64
    assert np.isfinite(table).all()


def _pair(dphi: float = 0.2) -> dict[str, np.ndarray]:
    """One jet of two 100 GeV constituents at Delta eta 0 and Delta phi +-dphi/2, padded to 3."""
    return {"part_mask": np.array([[True, True, False]]),
            "part_pt_log": np.log([[100.0, 100.0, 1.0]]), "part_deta": np.zeros((1, 3)),
            "part_dphi": np.array([[dphi / 2, -dphi / 2, 0.3]])}


def test_constituent_observables_by_hand():
    names = ("mass", "pt", "multiplicity", "tau21", "tau32", "d2")
    values = constituent_observables(_pair(), names)[0]
    expected = [200 * np.sin(0.1), 200 * np.cos(0.1), 2.0, 0.0, 0.0, 0.0]  # two prongs: tau2 = 0
    assert values == pytest.approx(expected, abs=1e-9)


def test_a_jet_without_constituents_has_zero_observables_next_to_others():
    """A generator may stop at once: an empty jet between two others (zero everything, like a
    single constituent) leaves the others' values unchanged."""
    names = ("mass", "pt", "multiplicity", "tau21", "tau32")
    pair = _pair()
    empty = {k: np.concatenate([v, np.zeros_like(v[:1]), v]) for k, v in pair.items()}
    values = constituent_observables(empty, names)
    assert values[1].tolist() == [0.0] * len(names)
    np.testing.assert_array_equal(values[[0, 2]], np.repeat(
        constituent_observables(pair, names), 2, axis=0))


def test_d2_of_three_constituents_by_hand():
    """Equal pT at the corners of a triangle with sides 0.3, 0.4, 0.5 (z = 1/3 each)."""
    jets = {"part_mask": np.ones((1, 3), bool), "part_pt_log": np.zeros((1, 3)),
            "part_deta": np.array([[0.0, 0.3, 0.0]]), "part_dphi": np.array([[0.0, 0.0, 0.4]])}
    e2 = (0.3 + 0.4 + 0.5) / 9
    e3 = 0.3 * 0.4 * 0.5 / 27
    assert constituent_observables(jets, ("d2",))[0, 0] == pytest.approx(e3 / e2**3)


def test_constituent_observables_follow_the_stored_jets():
    """Pythia top jets with all constituents stored: the massless-constituent mass and tau
    ratios are close to the stored (massive, rapidity-based) ones."""
    from helpers.jet_samples import jet_sample

    a = jet_sample("top")
    full = a["jet_nparticles"] <= a["part_mask"].shape[1]
    a = {k: v[full] for k, v in a.items()}
    got = constituent_observables(a, ("mass", "pt", "tau21", "tau32"))
    assert np.median(np.abs(got[:, 0] / OBSERVABLES["mass"](a) - 1)) < 0.02
    assert np.median(np.abs(got[:, 1] / a["jet_pt"] - 1)) < 0.01
    assert np.median(np.abs(got[:, 2] - OBSERVABLES["tau21"](a))) < 0.02
    assert np.median(np.abs(got[:, 3] - OBSERVABLES["tau32"](a))) < 0.02


def test_unknown_constituent_observable():
    with pytest.raises(UsageError, match="unknown constituent observable"):
        constituent_observables(_pair(), ("mass", "width"))
