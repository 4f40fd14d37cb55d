"""Fit results: parameters the data do not determine are shown and used as such."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.laws import fit_joint, fit_power_law, joint_law, power_law


def _no_plateau():
    """A power law without floor fitted with one: the floor k is not determined."""
    x = np.logspace(2, 6, 10)
    fit = fit_power_law(x, power_law(x, 500.0, 0.5), bootstrap=10)
    assert fit.undetermined == ("k",)
    return fit


def test_undetermined_parameter_is_shown_as_not_determined():
    fit = _no_plateau()
    assert fit.shown("k") == "not determined (the data show no plateau)"
    assert fit.shown("alpha") == fit.intervals["alpha"]
    assert "       k = not determined (the data show no plateau)" in fit.summary()
    k = fit.to_dict()["params"]["k"]
    assert k["value"] is None and k["low"] is None and k["note"] == fit.shown("k")
    assert fit.to_dict()["params"]["alpha"]["value"] == pytest.approx(0.5, rel=1e-3)


def test_prediction_depending_on_an_undetermined_parameter_is_refused():
    fit = _no_plateau()
    with pytest.raises(UsageError, match=r"the scale reaching 0.001 is not determined: it "
                                         r"depends on k \(the data show no plateau\).*--no-floor"):
        fit.solve(1e-3)
    fit.require_determined("alpha only", ("alpha", "x_c"))  # does not depend on k


def test_frontier_of_a_joint_fit_with_an_undetermined_exponent_is_refused():
    n = np.repeat([1e4, 1e5, 1e6], 4)
    d = np.tile(np.logspace(5, 8, 4), 3)
    # loss flat in D: beta runs to its bound
    fit = fit_joint(n, d, joint_law(n, d, 1.0, 400.0, 0.4, 1e-9, 0.3), bootstrap=10)
    assert "beta" in fit.undetermined
    with pytest.raises(UsageError, match="the compute-optimal frontier is not determined"):
        fit.frontier_exponents()
    with pytest.raises(UsageError, match="compute-optimal frontier is not determined"):
        fit.frontier([1e15])
    with pytest.raises(UsageError, match=r"the C reaching 1\.5 is not determined"):
        fit.solve(1.5)
    out = fit.to_dict()
    assert out["frontier_exponents"] is None and "beta" in out["frontier_note"]
