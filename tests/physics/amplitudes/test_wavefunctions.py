"""External wavefunctions satisfy the completeness relations that helicity sums rely on."""

from __future__ import annotations

import numpy as np
import pytest

from hepscaling.physics.amplitudes.wavefunctions import polarisations, spinor_col, spinor_row

METRIC = np.diag([1.0, -1.0, -1.0, -1.0])
SIGMA = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.array([[1, 0], [0, -1]])]


def gamma(mu):
    zero = np.zeros((2, 2))
    if mu == 0:
        return np.block([[zero, np.eye(2)], [np.eye(2), zero]])
    return np.block([[zero, SIGMA[mu - 1]], [-SIGMA[mu - 1], zero]])


def momenta(mass, seed=0):
    q = np.random.default_rng(seed).normal(scale=50.0, size=(6, 3))
    q[0] = [0.0, 0.0, -30.0]  # exactly along -z, the singular direction of the spinor phase
    q[1] = [0.0, 0.0, 30.0]
    if mass:
        q[2] = 0.0  # at rest
    return np.column_stack([np.sqrt((q**2).sum(axis=1) + mass**2), q])


@pytest.mark.parametrize("mass", [0.0, 173.0])
@pytest.mark.parametrize("incoming", [True, False])
def test_spinor_completeness(mass, incoming):
    p = momenta(mass)
    col = spinor_col(p, mass, incoming)  # u for incoming, v for outgoing
    row = spinor_row(p, mass, not incoming)  # ubar for outgoing, vbar for incoming
    sign = 1.0 if incoming else -1.0
    for n in range(p.shape[0]):
        pslash = sum(METRIC[mu, mu] * p[n, mu] * gamma(mu) for mu in range(4))
        total = np.einsum("ih,jh->ij", col[:, :, n], row[:, :, n])
        np.testing.assert_allclose(total, pslash + sign * mass * np.eye(4), atol=1e-12 * p[n, 0])


@pytest.mark.parametrize("mass", [0.0, 91.188])
def test_polarisations_are_transverse_and_complete(mass):
    p = momenta(mass, seed=1)
    eps = polarisations(p, mass)
    assert eps.shape[1] == (3 if mass else 2)
    # each is orthogonal to p and normalised to -1
    dots = np.einsum("nm,mk,khn->hn", p, METRIC, eps)
    norms = np.einsum("mhn,mk,khn->hn", eps, METRIC, eps)
    np.testing.assert_allclose(dots, 0.0, atol=1e-12 * p[:, 0].max())
    np.testing.assert_allclose(norms, -1.0, atol=1e-12)
    if mass:
        total = np.einsum("mhn,khn->nmk", eps, eps)
        expect = -np.linalg.inv(METRIC)[None] + np.einsum("nm,nk->nmk", p, p) / mass**2
        np.testing.assert_allclose(total, expect, atol=1e-10)
