"""SU(3) colour tensors and the numerical colour bases of the recursion.

Every off-shell current carries a colour tensor with one axis per external leg it contains
(dimension 1, 3 or 8) plus one axis for its off-shell leg. The tensors a current can have span
a small space; :func:`independent_basis` picks a basis of that space among the tensors
themselves, numerically and once per process, with the (sparse) coefficients of every product
tensor in it. The colour-summed ``|M|^2`` is ``sum_kl conj(a_k) C_kl a_l`` with the colour
matrix ``C`` of the amplitude's basis (:func:`colour_matrix`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["colour_dim", "colour_matrix", "generators", "independent_basis", "structure_constants"]


def generators() -> np.ndarray:
    """``T^a = lambda^a / 2`` as ``(8, 3, 3)`` complex; ``Tr(T^a T^b) = delta^ab / 2``."""
    lam = np.zeros((8, 3, 3), dtype=np.complex128)
    lam[0, 0, 1] = lam[0, 1, 0] = 1
    lam[1, 0, 1], lam[1, 1, 0] = -1j, 1j
    lam[2, 0, 0], lam[2, 1, 1] = 1, -1
    lam[3, 0, 2] = lam[3, 2, 0] = 1
    lam[4, 0, 2], lam[4, 2, 0] = -1j, 1j
    lam[5, 1, 2] = lam[5, 2, 1] = 1
    lam[6, 1, 2], lam[6, 2, 1] = -1j, 1j
    lam[7] = np.diag([1, 1, -2]) / np.sqrt(3)
    return lam / 2


def structure_constants() -> np.ndarray:
    """Real ``f^{abc}`` ``(8, 8, 8)`` from ``[T^a, T^b] = i f^{abc} T^c``."""
    t = generators()
    comm = np.einsum("aij,bjk->abik", t, t) - np.einsum("bij,ajk->abik", t, t)
    return np.real(-2j * np.einsum("abij,cji->abc", comm, t))


def colour_dim(colour: int) -> int:
    """Tensor-axis dimension of a particle with colour label 1, 3, -3 or 8."""
    return abs(colour)


def independent_basis(products: np.ndarray, priority: np.ndarray | None = None,
                      rtol: float = 1e-9) -> tuple[np.ndarray, list[tuple[int, int, complex]]]:
    """A basis made of linearly independent rows of ``products`` and sparse coefficients.

    products : complex ``(n_products, d)`` flattened colour tensors.
    priority : ``(n_products,)``; rows are tried in increasing priority (then in order) and
        kept when independent of the rows kept so far, so simple tensors (e.g. from 3-point
        vertices) form the basis and the others decompose with few, simple coefficients.
    Returns ``basis`` complex ``(r, d)`` and the nonzero coefficients ``[(k, p, c), ...]`` with
    ``products[p] = sum_k c basis[k]``; colour relations make most of them 0 or +-1.
    """
    order = np.argsort(np.zeros(len(products)) if priority is None else priority,
                       kind="stable")
    scale = max(np.abs(products).max(initial=0.0), 1e-300)
    ortho: list[np.ndarray] = []  # orthonormal rows spanning the kept products
    chosen = []
    for p in order:  # Gram-Schmidt with plain ufuncs (BLAS threads thrash on shared cores)
        v = products[p].copy()
        norm = np.sqrt(np.sum(np.abs(v) ** 2))
        if norm <= rtol * scale:
            continue
        for _ in range(2):  # twice, for stability
            for q in ortho:
                v -= np.sum(np.conj(q) * v) * q
        rest = np.sqrt(np.sum(np.abs(v) ** 2))
        if rest > rtol * norm:
            ortho.append(v / rest)
            chosen.append(p)
    if not chosen:
        return products[:0], []
    chosen.sort()
    basis = products[chosen]
    q = np.array(ortho)
    # coordinates in the orthonormal rows, then in the chosen products (a small r x r solve)
    in_q = np.einsum("kd,pd->kp", np.conj(q), products, optimize=False)
    coef = np.linalg.solve(in_q[:, chosen], in_q)
    resid = np.abs(np.einsum("kd,kp->pd", basis, coef, optimize=False) - products).max()
    if resid > 1e-9 * scale:
        raise RuntimeError(f"colour basis reduction failed (residual {resid:.3g})")
    coef[np.abs(coef) < 1e-12] = 0.0
    for value in (1.0, -1.0):
        coef[np.abs(coef - value) < 1e-12] = value
    return basis, [(int(k), int(p), complex(coef[k, p])) for k, p in zip(*np.nonzero(coef),
                                                                          strict=True)]


def colour_matrix(basis: np.ndarray) -> np.ndarray:
    """``C_kl = sum over all colours of conj(B_k) B_l``, complex ``(r, r)`` Hermitian."""
    flat = basis.reshape(basis.shape[0], -1)
    return np.einsum("kd,ld->kl", np.conj(flat), flat, optimize=False)
