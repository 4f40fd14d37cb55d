"""Classifier weights on partonic events with a known density: unweighted ``u u~ > mu+ mu- g``
events (hit-or-miss on |M|^2, :mod:`hepscaling.data.unweighted`) against flat phase space
inside the same cuts. The exact ratio is ``w(x) = p_|M|^2(x) / p_flat(x) = |M|^2(x) V / I``,
so the learned ``log w`` must follow ``log |M|^2`` event by event (up to a constant)."""

import numpy as np
import pytest

from hepscaling.data.unweighted import generate_unweighted, read_unweighted
from hepscaling.metrics import classifier_weights
from hepscaling.physics import lorentz
from hepscaling.physics.matrix_element import matrix_element
from hepscaling.physics.phase_space import Cuts, incoming_momenta, rambo
from hepscaling.physics.process import resolve_process

PROCESS, SQRT_S = "u u~ > mu+ mu- g", 60.0  # below the Z: hit-or-miss keeps ~2% of the points
CUTS = Cuts(pt_min=10.0, eta_max=None, m_min=0.0, delta_r_min=0.4)
N = 20_000


def _flat(n: int, seed: int) -> np.ndarray:
    """``n`` flat (RAMBO) massless 3-body final states inside CUTS, float64 (n, 3, 4)."""
    rng = np.random.default_rng(seed)
    kept: list[np.ndarray] = []
    while sum(len(k) for k in kept) < n:
        final, _ = rambo(50_000, SQRT_S, np.zeros(3), rng)
        kept.append(final[CUTS.passes(final, np.ones(3, dtype=bool))])
    return np.concatenate(kept)[:n]


def _features(final: np.ndarray) -> np.ndarray:
    """Per particle E, pT, eta; per pair the invariant mass and Delta phi: float64 (n, 15)."""
    columns = []
    for i in range(3):
        p = final[:, i]
        columns += [p[:, 0], lorentz.pt(p), lorentz.eta(p)]
    for a, b in ((0, 1), (0, 2), (1, 2)):
        columns += [lorentz.mass(final[:, a] + final[:, b]),
                    lorentz.delta_phi(final[:, a], final[:, b])]
    return np.stack(columns, axis=1)


def test_learned_weights_follow_the_exact_matrix_element_ratio(tmp_path):
    path = generate_unweighted(tmp_path / "u.h5", N, seed=1, process=PROCESS, sqrt_s=SQRT_S,
                               cuts=CUTS, progress=False)
    reference = read_unweighted(path)["momenta"][:, 2:]  # (N, 3, 4): mu+, mu-, g
    candidate = _flat(N + 10_000, seed=5)
    cw = classifier_weights(_features(reference), _features(candidate[:N]), seed=0,
                            model={"width": 128, "depth": 3}, train={"epochs": 10})
    fresh = candidate[N:]  # flat events the classifier never saw
    incoming = np.broadcast_to(incoming_momenta(SQRT_S, np.zeros(2)), (len(fresh), 2, 4))
    exact = np.log(matrix_element(resolve_process(PROCESS))(
        np.concatenate([incoming, fresh], axis=1)))
    learned = np.log(cw.weights(_features(fresh)))
    # measured: correlation 0.977, rms of (learned - exact) about its mean 0.108, exact
    # std 0.50; mean w on fresh candidate events 1.000 (the reweighted candidate keeps its
    # normalisation). With 12k events per sample instead the correlation is 0.96.
    assert np.corrcoef(learned, exact)[0, 1] > 0.95
    assert np.std(learned - exact) < 0.16
    assert np.mean(np.exp(learned)) == pytest.approx(1.0, abs=0.03)
    assert 0.62 < cw.auc < 0.68  # measured 0.656
