"""Compute-optimal frontier: closed form vs numeric minimisation, optimality, inversion, and the
IsoFLOP (parabola) estimate on data generated from a known joint law."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.laws import compute_optimal, isoflop_frontier, joint_law
from hepscaling.laws.frontier import compute_for_loss

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


def test_isoflop_needs_two_budgets_with_a_minimum():
    n = np.array([1e5, 1e6, 1e7])
    c = np.full(3, 1e16)
    with pytest.raises(UsageError, match=">= 2 compute budgets"):
        isoflop_frontier(n, c / (6 * n), c, _loss(n, c / (6 * n)), bootstrap=0)
