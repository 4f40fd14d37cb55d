"""SU(3) colour tensors and the numerical colour bases of the recursion.

Every off-shell current carries a colour tensor with one axis per external leg it contains
(dimension 1, 3 or 8) plus one axis for its off-shell leg. The tensors a current can have
span a small space; :func:`orthonormal_basis` finds an orthonormal basis of that space
numerically (once per process) and the coefficients of every product tensor in it. Since the
basis of the full amplitude is orthonormal under the sum over all external colours, the
colour-summed ``|M|^2`` is simply the sum of ``|a_k|^2`` over the basis coefficients ``a_k``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = ["colour_dim", "generators", "orthonormal_basis", "structure_constants"]


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


def orthonormal_basis(products: np.ndarray, rtol: float = 1e-9
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal basis of the span of the rows of ``products`` and the row coefficients.

    products : complex ``(n_products, d)`` flattened colour tensors.
    Returns ``basis`` complex ``(r, d)`` (orthonormal rows) and ``coef`` complex
    ``(r, n_products)`` with ``products.T == basis.T @ coef`` to rounding.
    """
    q, r, _ = scipy.linalg.qr(products.T, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int(np.sum(diag > rtol * max(diag.max(initial=0.0), 1e-300)))
    basis = q[:, :rank].T.copy()
    coef = np.conj(basis) @ products.T
    resid = np.abs(basis.T @ coef - products.T).max(initial=0.0)
    if resid > 1e-8 * max(np.abs(products).max(initial=0.0), 1.0):
        raise RuntimeError(f"colour basis reduction failed (residual {resid:.3g})")
    return basis, coef
