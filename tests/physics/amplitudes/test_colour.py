"""SU(3) tensors and the numerical colour bases, against textbook colour algebra."""

from __future__ import annotations

import numpy as np

from hepscaling.physics.amplitudes.colour import (
    colour_matrix,
    generators,
    independent_basis,
    structure_constants,
)


def test_generators_and_structure_constants():
    t, f = generators(), structure_constants()
    np.testing.assert_allclose(np.einsum("aij,bji->ab", t, t), np.eye(8) / 2, atol=1e-15)
    assert f[0, 1, 2] == 1.0 and abs(f[3, 4, 7] - np.sqrt(3) / 2) < 1e-15
    # Fierz: sum_a T^a_ij T^a_kl = (delta_il delta_kj - delta_ij delta_kl / 3) / 2
    d = np.eye(3)
    fierz = (np.einsum("il,kj->ijkl", d, d) - np.einsum("ij,kl->ijkl", d, d) / 3) / 2
    np.testing.assert_allclose(np.einsum("aij,akl->ijkl", t, t), fierz, atol=1e-15)
    # Casimirs: f^acd f^bcd = 3 delta^ab, T^a T^a = 4/3
    np.testing.assert_allclose(np.einsum("acd,bcd->ab", f, f), 3 * np.eye(8), atol=1e-14)
    np.testing.assert_allclose(np.einsum("aij,ajk->ik", t, t), 4 / 3 * d, atol=1e-15)


def test_basis_of_two_gluon_quark_line_and_its_colour_matrix():
    t, f = generators(), structure_constants()
    ab = np.einsum("aij,bjk->ikab", t, t)  # (T^a T^b)_ik
    ba = np.einsum("bij,ajk->ikab", t, t)
    fc = np.einsum("abc,cik->ikab", f, t)  # f^abc T^c = -i [T^a, T^b]
    products = np.stack([ab, ba, fc]).reshape(3, -1)
    basis, coef = independent_basis(products)
    assert basis.shape[0] == 2
    rebuilt = np.zeros_like(products)
    for k, p, c in coef:
        rebuilt[p] += c * basis[k]
    np.testing.assert_allclose(rebuilt, products, atol=1e-14)
    c = colour_matrix(np.stack([ab, ba]))
    np.testing.assert_allclose(c, [[16 / 3, -2 / 3], [-2 / 3, 16 / 3]], atol=1e-13)
