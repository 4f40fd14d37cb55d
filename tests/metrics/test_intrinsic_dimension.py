"""TwoNN intrinsic dimension against manifolds of known dimension."""

import numpy as np
import pytest

from hepscaling.metrics.intrinsic_dimension import twonn_dimension


def _sphere(d: int, n: int, ambient: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform points on the unit sphere S^d (dimension d, no boundary), rotated into
    ``ambient`` dimensions."""
    z = rng.normal(size=(n, d + 1))
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    rotation, _ = np.linalg.qr(rng.normal(size=(ambient, ambient)))
    return np.pad(z, ((0, 0), (0, ambient - d - 1))) @ rotation


@pytest.mark.parametrize("d", [1, 2, 5])
def test_sphere_dimension_is_recovered(d):
    # the MLE's relative standard error is 1/sqrt(n) = 1.8% at n = 3000; 6% is > 3 sigma
    x = _sphere(d, 3000, 20, np.random.default_rng(d))
    assert twonn_dimension(x) == pytest.approx(d, rel=0.06)


def test_invariant_under_similarity_and_blind_to_density():
    rng = np.random.default_rng(7)
    x = _sphere(3, 2000, 10, rng)
    base = twonn_dimension(x)
    assert twonn_dimension(5.0 * x + 3.0) == pytest.approx(base, rel=1e-6)
    # a 2-d plane with a strongly non-uniform (Gaussian) density is still 2-dimensional
    plane = np.pad(rng.normal(size=(2000, 2)) * [1.0, 0.1], ((0, 0), (0, 6)))
    assert twonn_dimension(plane) == pytest.approx(2.0, rel=0.08)


def test_duplicates_are_dropped_and_degenerate_input_is_nan():
    rng = np.random.default_rng(3)
    x = _sphere(2, 2000, 5, rng)
    assert twonn_dimension(np.concatenate([x, x[:200]])) == pytest.approx(
        twonn_dimension(x), rel=1e-9)
    assert np.isnan(twonn_dimension(np.zeros((10, 3))))
    with pytest.raises(ValueError, match="2-d array"):
        twonn_dimension(np.zeros(5))
