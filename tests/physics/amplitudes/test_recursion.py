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


def test_t_channel_width_option_only_touches_t_channel_propagators():
    p = central_events(6, 600.0, (173.0, 173.0), seed=2)
    zero_t = matrix_element("g g > t t~")(p)
    with_t = matrix_element("g g > t t~", t_channel_width=True)(p)
    rel = np.abs(with_t / zero_t - 1)
    assert np.all(rel > 1e-7) and np.all(rel < 1e-3)  # Gamma_t^2 / (t - m_t^2) effects
    # without top width, the two conventions coincide; u u~ > t t~ has no t-channel top
    no_width = {"WT": 0.0}
    np.testing.assert_allclose(matrix_element("g g > t t~", no_width, t_channel_width=True)(p),
                               matrix_element("g g > t t~", no_width)(p), rtol=1e-13)
    np.testing.assert_allclose(matrix_element("u u~ > t t~", t_channel_width=True)(p),
                               matrix_element("u u~ > t t~")(p), rtol=1e-13)


def test_helicity_amplitudes_rebuild_the_squared_matrix_element():
    me = matrix_element("u u~ > z g g")
    p = central_events(4, 500.0, (91.188, 0.0, 0.0), seed=6)
    amp = me.helicity_amplitudes(p)
    assert amp.shape[0] == me.n_colour == 2 and amp.shape[-1] == 4
    assert amp.shape[1:-1] == (2, 1, 3, 2, 2)  # the u~ end shares the u end's helicity axis
    colour = me._plan.colour_matrix
    flat = amp.reshape(amp.shape[0], -1, amp.shape[-1])  # (colour, helicities, events)
    summed = np.einsum("kan,kl,lan->n", np.conj(flat), colour, flat).real
    np.testing.assert_allclose(summed / (4 * 9 * 2), me(p), rtol=1e-13)  # spins, colours, 2!
