"""Compute-optimal frontier: closed form vs numeric minimisation, optimality, inversion, and the
IsoFLOP (parabola) estimate on data generated from a known joint law."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.laws import compute_optimal, isoflop_frontier, isoflop_minima, joint_law
from hepscaling.laws.frontier import TooFewMinima, compute_for_loss

P = {"E": 1.7, "A": 400.0, "alpha": 0.34, "B": 4000.0, "beta": 0.28}


def _loss(n, d):
    return joint_law(n, d, P["E"], P["A"], P["alpha"], P["B"], P["beta"])


def test_closed_form_is_the_constrained_minimum():
    c = np.array([1e15, 1e18, 1e21])
    n, d, loss = compute_optimal(P, c)
    assert 6 * n * d == pytest.approx(c, rel=1e-12)
    assert loss == pytest.approx(_loss(n, d), rel=1e-12)
    for f in (0.97, 1.03):
        assert np.all(_loss(n * f, c / (6 * n * f)) > loss)
    # exponents of the frontier: N* ~ C^(beta/(alpha+beta))
    slope = np.polyfit(np.log(c), np.log(n), 1)[0]
    assert slope == pytest.approx(P["beta"] / (P["alpha"] + P["beta"]), rel=1e-10)


def test_numeric_path_matches_closed_form_and_handles_other_flop_relations():
    c = np.array([1e16, 1e19])
    n_closed, d_closed, _ = compute_optimal(P, c)
    n_num, d_num, _ = compute_optimal(P, c, flops_per_sample=lambda n: 6.0 * n)
    assert n_num == pytest.approx(n_closed, rel=1e-4)
    assert d_num == pytest.approx(d_closed, rel=1e-4)

    def overhead(n):
        return 6.0 * n + 1e5  # e.g. a fixed preprocessing cost per sample

    n, d, loss = compute_optimal(P, c, flops_per_sample=overhead)
    assert d * overhead(n) == pytest.approx(c, rel=1e-10)
    for f in (0.97, 1.03):
        assert np.all(_loss(n * f, c / overhead(n * f)) > loss)


def test_compute_for_loss_inverts_the_frontier():
    c = compute_for_loss(P, 2.5)
    assert compute_optimal(P, c)[2][0] == pytest.approx(2.5, rel=1e-9)
    assert compute_for_loss(P, 1.7) == np.inf


def test_isoflop_recovers_the_frontier_of_a_known_law():
    rows = []
    for c in (1e15, 1e16, 1e17, 1e18):
        n_star = compute_optimal(P, c)[0][0]
        for n in n_star * np.geomspace(0.1, 10.0, 7):
            rows.append((n, c / (6 * n), c, _loss(n, c / (6 * n))))
    n, d, c, loss = map(np.array, zip(*rows, strict=True))
    front = isoflop_frontier(n, d, c, loss, bootstrap=10)
    assert front.a.value == pytest.approx(P["beta"] / (P["alpha"] + P["beta"]), abs=0.03)
    assert front.b.value == pytest.approx(P["alpha"] / (P["alpha"] + P["beta"]), abs=0.03)
    n_star = compute_optimal(P, front.budgets)[0]
    assert front.n_opt == pytest.approx(n_star, rel=0.2)
    assert front.n_opt * front.d_opt * 6 == pytest.approx(front.budgets, rel=1e-10)


def _fixed_data_sweep(seed: int, noise: float = 0.003):
    """IsoFLOP runs of the known law on a fixed ladder of sizes, as a fixed-D sweep runs them:
    per budget the sizes whose samples processed S = C / (6 N) (repeated passes over one
    dataset) lie in a window (the steps limits), two seeds each, log-normal noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in 10.0 ** np.arange(12.0, 18.01, 0.5):
        for n in 1e3 * 2.0 ** np.arange(15):
            samples = c / (6 * n)
            if 6e7 <= samples <= 6e10:
                rows += [(n, samples, c, _loss(n, samples) * np.exp(noise * z))
                         for z in rng.standard_normal(2)]
    return map(np.array, zip(*rows, strict=True))


A_TRUE = P["beta"] / (P["alpha"] + P["beta"])  # N*(C) ~ C^a of the joint law


def test_isoflop_intervals_cover_the_true_exponent():
    # 68% intervals over independent noise draws contain the true a about 68% of the time
    covered = 0
    for seed in range(12):
        front = isoflop_frontier(*_fixed_data_sweep(seed), bootstrap=100, seed=seed)
        assert front.a.value == pytest.approx(A_TRUE, abs=0.02)
        assert front.b.value == pytest.approx(1 - A_TRUE, abs=0.02)  # D* = C / (6 N*)
        assert front.a.high - front.a.low < 0.03  # informative, not covering by width
        covered += front.a.contains(A_TRUE)
    assert covered >= 5


def test_isoflop_minima_at_the_edge_are_flagged_not_extrapolated():
    n, samples, c, loss = _fixed_data_sweep(0)
    minima = isoflop_minima(n, samples, c, loss, sizes="widths")
    assert [m.budget for m in minima] == sorted(m.budget for m in minima)
    outside = 0
    for m in minima:
        n_star = compute_optimal(P, m.budget)[0][0]
        if not m.n_low < n_star < m.n_high:  # the true optimum beyond the sizes tried
            outside += 1
            assert m.n_opt is None and m.d_opt is None and m.loss_opt is None
            assert m.reason in ("not determined: minimum at the edge of the widths tried",
                                "not determined: only 2 widths (a parabola needs 3)")
        if m.determined:
            assert m.reason == "" and m.n_low < m.n_opt < m.n_high
            assert m.n_opt == pytest.approx(n_star, rel=0.15)
    assert outside >= 2 and sum(m.determined for m in minima) >= 6


def test_lowest_loss_at_an_edge_run_is_an_edge_minimum_even_with_the_vertex_inside():
    # log L = (log N - 0.4)^2 at log N = 0, 1, 2: the vertex (0.4) is inside, the lowest
    # run is the smallest
    x = np.array([0.0, 1.0, 2.0])
    [m] = isoflop_minima(np.exp(x), np.ones(3), np.full(3, 1e12), np.exp((x - 0.4) ** 2))
    assert m.reason == "not determined: minimum at the edge of the model sizes tried"
    [inside] = isoflop_minima(np.exp(x), np.ones(3), np.full(3, 1e12), np.exp((x - 0.9) ** 2))
    assert inside.n_opt == pytest.approx(np.exp(0.9), rel=1e-10)


def test_isoflop_power_law_needs_three_determined_budgets():
    n, samples, c, loss = _fixed_data_sweep(0)
    minima = isoflop_minima(n, samples, c, loss)
    determined = [m.budget for m in minima if m.determined]
    keep = np.isin(c, [*determined[:2], minima[0].budget])  # two determined, one not
    with pytest.raises(TooFewMinima) as err:
        isoflop_frontier(n[keep], samples[keep], c[keep], loss[keep], bootstrap=0)
    assert isinstance(err.value, UsageError)  # exit code 2 in the CLI
    assert list(err.value.minima) == isoflop_minima(n[keep], samples[keep], c[keep], loss[keep])
    assert [m.determined for m in err.value.minima] == [False, True, True]
    assert str(err.value).startswith("the IsoFLOP power law N_opt ~ C^a needs >= 3 compute "
                                     "budgets with a determined minimum, found 2 (C~1e+12: "
                                     "not determined: only 2 model sizes")
