"""Data repetition: limits of the effective data size, the fit's gradient, recovery of R*, the
effective-data factor and solving for the unique data."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.laws import effective_data_size, fit_repetition, power_law
from hepscaling.laws.repetition import REPETITION


def test_effective_data_size_limits():
    u = 1000.0
    assert effective_data_size(u, 1.0, 5.0) == pytest.approx(u)  # one pass: no repetition
    assert effective_data_size(u, 1.001, 5.0) == pytest.approx(u * 1.001, rel=1e-6)  # R << R*
    assert effective_data_size(u, 1e4, 5.0) == pytest.approx(u * 6.0)  # R -> inf: U (1 + R*)
    r = 3.0
    assert effective_data_size(u, 1 + r, 5.0) == pytest.approx(u + u * 5 * (1 - np.exp(-r / 5)))


def test_less_than_one_pass_counts_only_the_samples_seen():
    u = np.array([1000.0, 1000.0, 400.0])
    epochs = np.array([0.25, 0.5, 0.999])
    assert effective_data_size(u, epochs, 5.0) == pytest.approx(u * epochs)
    below, above = effective_data_size(1000.0, [1 - 1e-9, 1 + 1e-9], 5.0)
    assert below == pytest.approx(above, rel=1e-8)  # continuous at one pass


@pytest.mark.parametrize("epochs", [[0.1, 0.3, 0.7, 0.95], [1.2, 2.0, 7.0, 50.0],
                                    [0.5, 1.5, 3.0, 300.0]])
def test_gradient_matches_finite_differences_on_both_sides_of_one_pass(epochs):
    ep = np.array(epochs)
    u = np.stack([np.linspace(-1.0, 1.0, ep.size), ep], axis=1)
    theta = np.array([0.3, 0.5, -3.0, np.log(4.0)])
    value, grad = REPETITION.log_predict(theta, u)
    d_eff = np.exp(u[:, 0]) * np.where(ep < 1, ep, 1 + 4.0 * (1 - np.exp(-(ep - 1) / 4.0)))
    assert np.exp(value) == pytest.approx(np.exp(0.3) * d_eff ** -0.5 + np.exp(-3.0), rel=1e-12)
    eps = 1e-6
    for i in range(theta.size):
        step = np.zeros(4)
        step[i] = eps
        numeric = (REPETITION.log_predict(theta + step, u)[0]
                   - REPETITION.log_predict(theta - step, u)[0]) / (2 * eps)
        assert grad[:, i] == pytest.approx(numeric, rel=1e-6, abs=1e-8)


@pytest.fixture(scope="module")
def fit():
    u = np.repeat(np.logspace(3, 5, 5), 6)
    epochs = np.tile([0.5, 1.0, 2.0, 4.0, 8.0, 32.0], 5)
    loss = power_law(effective_data_size(u, epochs, 6.0), 200.0, 0.5, 1e-3)
    loss = loss * np.exp(0.01 * np.random.default_rng(0).normal(size=loss.size))
    return fit_repetition(u, epochs, loss, bootstrap=20)


def test_fit_recovers_r_star_and_exponent(fit):
    assert fit.params["r_star"] == pytest.approx(6.0, rel=0.25)
    assert fit.params["alpha"] == pytest.approx(0.5, abs=0.03)
    d_eff = fit.effective_data([1e4], [1e3]).value[0]
    assert d_eff == pytest.approx(1e4 * (1 + fit.params["r_star"]), rel=1e-6)


def test_factor_is_the_closed_form_with_asymptote_one_plus_r_star(fit):
    r_star = fit.params["r_star"]
    epochs = np.array([0.5, 1.0, 2.0, 4.0, 10.0])
    band = fit.factor(epochs)
    closed = [0.5, 1.0, 1 + r_star * (1 - np.exp(-1 / r_star)),
              1 + r_star * (1 - np.exp(-3 / r_star)), 1 + r_star * (1 - np.exp(-9 / r_star))]
    assert band.value == pytest.approx(closed, rel=1e-12)
    assert np.all(band.low <= band.value) and np.all(band.value <= band.high)
    assert band.low[:2] == pytest.approx([0.5, 1.0]) and band.high[:2] == pytest.approx([0.5, 1.0])
    # the asymptote is 1 + R*, an affine map of R*: its interval is R*'s shifted by one
    asymptote = fit.factor(np.inf).at(0)
    iv = fit.intervals["r_star"]
    assert (asymptote.value, asymptote.low, asymptote.high) == pytest.approx(
        (1 + iv.value, 1 + iv.low, 1 + iv.high), rel=1e-12)
    factors = fit.to_dict()["factor"]
    assert list(factors) == ["2", "4", "10", "asymptote"]
    assert factors["4"]["value"] == pytest.approx(closed[3], rel=1e-12)


@pytest.mark.parametrize("epochs", [0.5, 1.0, 4.0, 100.0])
def test_solve_inverts_predict(fit, epochs):
    target = 0.01
    unique = fit.solve(target, epochs)
    assert fit.predict([unique.value], [epochs]).value[0] == pytest.approx(target, rel=1e-10)
    assert unique.low <= unique.value <= unique.high
    # more passes over the same data need fewer unique samples
    assert fit.solve(target, 2 * epochs).value < unique.value


def test_solve_rejects_unreachable_targets_and_bad_epochs(fit):
    with pytest.raises(UsageError, match="at or below the fitted floor"):
        fit.solve(fit.params["k"] / 2, 4.0)
    with pytest.raises(UsageError, match="epochs must be"):
        fit.solve(0.01, 0.0)


def test_saturation_beyond_the_data_is_flagged(fit):
    assert not any("r_star" in note for note in fit.notes)  # epochs up to 32 >> R* = 6
    u = np.repeat(np.logspace(3, 5, 5), 3)
    epochs = np.tile([1.0, 2.0, 3.0], 5)
    loss = power_law(effective_data_size(u, epochs, 50.0), 200.0, 0.5, 1e-3)
    short = fit_repetition(u, epochs, loss, bootstrap=0)
    assert short.params["r_star"] > 2.0
    assert any("extrapolation; train some runs for more epochs" in n for n in short.notes)


def test_fit_needs_repeated_runs():
    with pytest.raises(UsageError, match="epochs > 1"):
        fit_repetition(np.logspace(3, 5, 6), np.ones(6), np.logspace(0, -1, 6), bootstrap=0)
