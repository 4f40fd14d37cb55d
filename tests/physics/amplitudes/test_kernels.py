"""Vertex and propagator kernels against explicit 4x4 Dirac matrices and metric contractions."""

from __future__ import annotations

import numpy as np
import pytest

from hepscaling.physics.amplitudes import kernels as K

METRIC = np.diag([1.0, -1.0, -1.0, -1.0])
SIGMA = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.array([[1, 0], [0, -1]])]
ZERO = np.zeros((2, 2))
GAMMA = [np.block([[ZERO, np.eye(2)], [np.eye(2), ZERO]])] + [
    np.block([[ZERO, s], [-s, ZERO]]) for s in SIGMA]
PL, PR = np.diag([1.0, 1, 0, 0]), np.diag([0.0, 0, 1, 1])
GL, GR = 0.3 - 0.2j, -0.7 + 0.1j
N = 5


def rand(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def slash(v):  # v: (4,) upper components -> gamma^mu v_mu
    lower = METRIC @ v
    return sum(GAMMA[mu] * lower[mu] for mu in range(4))


def test_dirac_matrices_are_the_chiral_basis():
    for mu in range(4):
        for nu in range(4):
            anti = GAMMA[mu] @ GAMMA[nu] + GAMMA[nu] @ GAMMA[mu]
            np.testing.assert_allclose(anti, 2 * METRIC[mu, nu] * np.eye(4))


def test_fermion_vector_vertex():
    row, col, vec = rand(4, N, seed=1), rand(4, N, seed=2), rand(4, N, seed=3)
    coupling = GL * PL + GR * PR
    vector = K.ffv_vector(row, col, GL, GR)
    out_col = K.ffv_col(col, vec, GL, GR)
    out_row = K.ffv_row(row, vec, GL, GR)
    for n in range(N):
        expect = [row[:, n] @ GAMMA[mu] @ coupling @ col[:, n] for mu in range(4)]
        np.testing.assert_allclose(vector[:, n], expect, atol=1e-13)
        np.testing.assert_allclose(out_col[:, n], slash(vec[:, n]) @ coupling @ col[:, n],
                                   atol=1e-13)
        np.testing.assert_allclose(out_row[:, n], row[:, n] @ slash(vec[:, n]) @ coupling,
                                   atol=1e-13)


@pytest.mark.parametrize("mass", [0.0, 173.0])
def test_fermion_propagators(mass):
    o = rand(4, N, seed=4)
    p = np.real(rand(4, N, seed=5)) * 100
    width = 1.5
    row, col = K.prop_row(o, p, mass, width), K.prop_col(o, p, mass, width)
    for n in range(N):
        den = p[:, n] @ METRIC @ p[:, n] - mass**2 + 1j * mass * width
        numerator = (slash(p[:, n]) + mass * np.eye(4)) * 1j / den
        np.testing.assert_allclose(row[:, n], o[:, n] @ numerator, rtol=1e-12)
        np.testing.assert_allclose(col[:, n], numerator @ o[:, n], rtol=1e-12)


def test_massive_vector_propagator():
    o, p = rand(4, N, seed=6), np.real(rand(4, N, seed=7)) * 100
    mass, width = 91.188, 2.4
    out = K.prop_vector(o, p, mass, width)
    for n in range(N):
        den = p[:, n] @ METRIC @ p[:, n] - mass**2 + 1j * mass * width
        tensor = -1j * (np.linalg.inv(METRIC) - np.outer(p[:, n], p[:, n]) / mass**2) / den
        np.testing.assert_allclose(out[:, n], tensor @ METRIC @ o[:, n], rtol=1e-12)


def test_triple_gauge_vertex():
    j1, j2 = rand(4, N, seed=8), rand(4, N, seed=9)
    p1, p2 = np.real(rand(4, N, seed=10)), np.real(rand(4, N, seed=11))
    p3 = -p1 - p2
    out = K.vvv(j1, j2, p1, p2, p3, 0.9)
    for n in range(N):
        a, b, q1, q2, q3 = j1[:, n], j2[:, n], p1[:, n], p2[:, n], p3[:, n]
        g = np.linalg.inv(METRIC)  # g^{mu nu}
        gamma = (np.einsum("mn,r->mnr", g, q1 - q2) + np.einsum("nr,m->mnr", g, q2 - q3)
                 + np.einsum("rm,n->mnr", g, q3 - q1))  # all indices up
        expect = 0.9 * np.einsum("mnr,ma,nb,a,b->r", gamma, METRIC, METRIC, a, b)
        np.testing.assert_allclose(out[:, n], expect, atol=1e-12)


def chiral(x, keep_first_half):
    """Zero one chirality half, per helicity index: index 0 keeps ``keep_first_half``."""
    x = x.copy()
    x[2:, 0] = 0 if keep_first_half else x[2:, 0]
    x[:2, 0] = x[:2, 0] if keep_first_half else 0
    x[:2, 1] = 0 if keep_first_half else x[:2, 1]
    x[2:, 1] = x[2:, 1] if keep_first_half else 0
    return x


def test_split_kernels_match_the_full_ones_on_chiral_inputs():
    # (comp, helicity of the massless line, events); row index 0 = P_L half, col index 0 = P_R
    row, col = chiral(rand(4, 2, N, seed=12), True), chiral(rand(4, 2, N, seed=13), False)
    vec, p = rand(4, 1, N, seed=14), np.real(rand(4, N, seed=15)) * 50
    np.testing.assert_allclose(K.ffv_vector(row, col, GL, GR, split_axis=1),
                               K.ffv_vector(row, col, GL, GR), atol=1e-13)
    np.testing.assert_allclose(K.ffv_col(col, vec, GL, GR, split_axis=1),
                               K.ffv_col(col, vec, GL, GR), atol=1e-13)
    np.testing.assert_allclose(K.ffv_row(row, vec, GL, GR, split_axis=1),
                               K.ffv_row(row, vec, GL, GR), atol=1e-13)
    # vertex outputs (before the propagator) have the opposite chirality
    out_row, out_col = chiral(rand(4, 2, N, seed=16), False), chiral(rand(4, 2, N, seed=17), True)
    np.testing.assert_allclose(K.prop_row(out_row, p, 0.0, 0.0, split_axis=1),
                               K.prop_row(out_row, p, 0.0, 0.0), atol=1e-13)
    np.testing.assert_allclose(K.prop_col(out_col, p, 0.0, 0.0, split_axis=1),
                               K.prop_col(out_col, p, 0.0, 0.0), atol=1e-13)
