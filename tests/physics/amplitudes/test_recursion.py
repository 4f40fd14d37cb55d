"""The Berends-Giele plan: subset partitions, fermion-permutation parity, leg-order independence."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.kinematics import central_events
from hepscaling.physics.amplitudes.recursion import _parity, _partitions
from hepscaling.physics.matrix_element import matrix_element
from hepscaling.physics.process import parse_process


@pytest.mark.parametrize(("n", "k", "stirling"), [(2, 2, 1), (4, 2, 7), (5, 2, 15), (4, 3, 6),
                                                  (5, 3, 25), (6, 3, 90)])
def test_partitions_are_the_unordered_set_partitions(n, k, stirling):
    mask = (1 << n) - 1
    parts = list(_partitions(mask, k))
    assert len(parts) == stirling  # Stirling numbers of the second kind
    assert len({frozenset(p) for p in parts}) == stirling
    for blocks in parts:
        assert all(blocks) and sum(blocks) == mask
        assert all(a & b == 0 for i, a in enumerate(blocks) for b in blocks[i + 1:])


def test_parity():
    assert _parity([0, 1, 2, 3]) == 1
    assert _parity([1, 0, 2, 3]) == -1
    assert _parity([2, 3, 0, 1]) == 1
    assert _parity([3, 0, 1, 2]) == -1


@pytest.mark.parametrize(("process", "order"), [
    ("u u~ > z g g", [1, 0, 3, 2, 4]),
    ("u u~ > u u~ g", [1, 0, 4, 3, 2]),
    ("u d~ > w+ z g", [1, 0, 4, 2, 3]),
    ("g g > t t~ h", [0, 1, 4, 3, 2]),
    ("e+ e- > mu+ mu- a", [1, 0, 3, 4, 2]),
])
def test_result_does_not_depend_on_the_order_of_the_legs(process, order):
    """Another leg order changes the recursion (closing leg, helicity locking, fermion
    signs, colour bases) but not |M|^2."""
    proc = parse_process(process)
    names = [p.name for p in proc.particles]
    permuted = " ".join(names[i] for i in order[:2]) + " > " + " ".join(
        names[i] for i in order[2:])
    p = central_events(8, 800.0, tuple(float(m) for m in proc.masses[2:]), seed=4)
    np.testing.assert_allclose(matrix_element(permuted)(p[:, order]), matrix_element(process)(p),
                               rtol=1e-12)
