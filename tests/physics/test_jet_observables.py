"""Jet observables on hand-checkable jets: ratios, pT_D, girth, mass, counts."""

import numpy as np
import pytest

from hepscaling.physics.jets.observables import (
    OBSERVABLE_FIELDS,
    OBSERVABLES,
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
