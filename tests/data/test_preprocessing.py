"""Preprocessing: particle types, identical-particle order, partonic frame, invariants."""

import numpy as np
import pytest

from helpers.kinematics import dot, rambo
from hepscaling.data.preprocessing import (
    log_invariants,
    sort_identical,
    standardize,
    to_partonic_frame,
    type_ids,
)
from hepscaling.errors import UsageError


def test_type_ids_number_names_by_first_appearance():
    assert type_ids(("g", "g", "z", "g", "a")) == (0, 0, 1, 0, 2)


def test_log_invariants_by_hand():
    p = np.array([[[2.0, 0, 0, 1], [3.0, 0, 1, 0], [5.0, 1, 1, 1]]])
    # pairs (0,1), (0,2), (1,2): 6, 10 - 1 = 9, 15 - 1 = 14
    assert np.allclose(log_invariants(p), np.log([[6.0, 9.0, 14.0]]))
    with pytest.raises(UsageError, match=r"p_i\.p_j <= 0"):
        log_invariants(np.array([[[1.0, 0, 0, 1], [1.0, 0, 0, 1]]]))


def test_sort_identical_orders_only_identical_final_state_particles():
    p = rambo(50, 100.0, (0.0, 0.0, 0.0, 0.0), seed=2)  # 2 -> 4
    types = (0, 1, 2, 3, 2, 2)  # particles 2, 4, 5 identical; 3 distinct
    out = sort_identical(p, types, n_initial=2)
    e = out[:, [2, 4, 5], 0]
    assert np.all(e[:, :-1] >= e[:, 1:])
    assert np.array_equal(out[:, [0, 1, 3]], p[:, [0, 1, 3]])
    assert np.allclose(np.sort(out[:, [2, 4, 5], 0], axis=1), np.sort(p[:, [2, 4, 5], 0], axis=1))


def test_partonic_frame():
    p = rambo(20, 200.0, (10.0, 0.0, 0.0), seed=1)
    rng = np.random.default_rng(0)
    eta = rng.uniform(-2, 2, 20)[:, None]  # longitudinal boost of each event
    lab = p.copy()
    lab[..., 0] = np.cosh(eta) * p[..., 0] + np.sinh(eta) * p[..., 3]
    lab[..., 3] = np.sinh(eta) * p[..., 0] + np.cosh(eta) * p[..., 3]
    back = to_partonic_frame(lab, n_initial=2)
    assert np.allclose(back, p, atol=1e-9)
    assert np.allclose(dot(back, back), dot(p, p), atol=1e-8)


def test_standardize():
    x = np.column_stack([np.arange(10.0), np.full(10, 7.0)])
    z, _, std = standardize(x, x)
    assert np.allclose(z.mean(axis=0), 0) and np.allclose(z[:, 0].std(), 1)
    assert std[1] == 1.0 and np.all(z[:, 1] == 0)
