"""Loop-induced g g > a a [noborn=QCD] through a massless quark loop, against independent truths.

The truths are written out here, not taken from the library:

- the classic closed form of the summed ``|M|^2`` in the physical region, with real
  logarithms and explicit ``pi^2`` terms (R. Combridge, Nucl. Phys. B174 (1980) 243;
  E. Berger, E. Braaten, R. Field, Nucl. Phys. B239 (1984) 52; as used e.g. by Hoeche,
  Schumann, Siegert, arXiv:0912.3501), which the library never evaluates (it continues one
  complex function into the crossed channels);
- Bern-Dixon-Schmidt's helicity amplitudes (hep-ph/0206194 eqs. 2-3): ten equal 1, the others
  the real forms below;
- symmetries: photon and gluon exchange, parity, Lorentz invariance.
The inputs are typed in from MadGraph's ``sm`` card (helpers.sm_inputs) and 11/9 = sum of the
squared charges of u, d, s, c, b.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from helpers.invariance import assert_lorentz_invariant
from helpers.kinematics import invariant, rambo, two_to_two
from helpers.sm_inputs import ALPHA, ALPHA_S
from hepscaling.errors import UsageError
from hepscaling.physics import matrix_element
from hepscaling.physics.loop_induced import diphoton_helicity_amplitudes

PROCESS = "g g > a a [noborn=QCD]"
SUM_Q2 = 4 / 9 + 1 / 9 + 1 / 9 + 4 / 9 + 1 / 9  # u, d, s, c, b


def points(n: int = 200, seed: int = 3, sqrt_s: float = 500.0) -> np.ndarray:
    """g g -> a a momenta ``(n, 4, 4)`` with ``|cos theta| < 0.98`` and random azimuth."""
    rng = np.random.default_rng(seed)
    return two_to_two(sqrt_s, rng.uniform(-0.98, 0.98, n), rng.uniform(0, 2 * np.pi, n))


def mandelstam(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``s = (p1+p2)^2``, ``t = (p1-p3)^2``, ``u = (p1-p4)^2``, GeV^2 ``(n,)``."""
    return (invariant(p, (0, 1), (1, 1)), invariant(p, (0, 1), (2, -1)),
            invariant(p, (0, 1), (3, -1)))


def classic_summed(s: np.ndarray, t: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Spin- and colour-averaged ``|M|^2`` of g g -> a a (massless quark box, 1/2 for the
    photons), physical region ``s > 0 > t, u``:

        |M|^2 = (alpha alpha_s sum Q^2)^2 / 2 * [5 + B_s + B_t + B_u],
        B_s = (1 + (t-u)/s ln(t/u) + (t^2+u^2)/(2 s^2) (ln^2(t/u) + pi^2))^2,
        B_t = (1 + (s-u)/t ln(-s/u) + (s^2+u^2)/(2 t^2) ln^2(-s/u))^2
              + pi^2 ((s-u)/t + (s^2+u^2)/t^2 ln(-s/u))^2,
        B_u = B_t with t <-> u.
    """
    def crossed(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # B_x: x the crossed channel
        lg = np.log(-s / y)
        return ((1 + (s - y) / x * lg + (s * s + y * y) / (2 * x * x) * lg**2) ** 2
                + np.pi**2 * ((s - y) / x + (s * s + y * y) / (x * x) * lg) ** 2)

    lg = np.log(t / u)
    b_s = (1 + (t - u) / s * lg + (t * t + u * u) / (2 * s * s) * (lg**2 + np.pi**2)) ** 2
    return (ALPHA * ALPHA_S * SUM_Q2) ** 2 / 2 * (5 + b_s + crossed(t, u) + crossed(u, t))


def test_summed_matrix_element_matches_the_classic_closed_form():
    p = points()
    np.testing.assert_allclose(matrix_element(PROCESS)(p), classic_summed(*mandelstam(p)),
                               rtol=1e-12)


def test_normalisation_at_ninety_degrees_by_hand():
    # t = u = -s/2: ln(t/u) = 0, ln(-s/u) = ln 2, (s-u)/t = -3, (s^2+u^2)/t^2 = 5
    p = two_to_two(100.0, np.zeros(1), np.zeros(1))
    l2 = np.log(2.0)
    b_s = (1 + np.pi**2 / 4) ** 2
    b_t = (1 - 3 * l2 + 2.5 * l2**2) ** 2 + np.pi**2 * (-3 + 5 * l2) ** 2
    expected = (ALPHA * ALPHA_S * SUM_Q2) ** 2 / 2 * (5 + b_s + 2 * b_t)
    assert matrix_element(PROCESS)(p)[0] == pytest.approx(expected, rel=1e-13)


def test_helicity_amplitudes_equal_bern_dixon_schmidt():
    p = points(50)
    s, t, u = mandelstam(p)
    amp = diphoton_helicity_amplitudes(s, t, u)
    # BDS's labels are all outgoing, s = s12; the crossed forms below hold with their
    # t = s14, u = s13 (|M|^2 is symmetric under t <-> u, so this labelling cannot change it)
    bt, bu = u, t

    def mhv_crossed(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # BDS M_{-+-+}(t=x, u=y)
        lg = np.log(-x / s)
        return (-0.5 * (x * x + s * s) / y**2 * lg**2 - (x - s) / y * lg - 1
                - 1j * np.pi * ((x * x + s * s) / y**2 * lg + (x - s) / y))

    lg = np.log(bt / bu)
    expected = {
        (0, 0, 1, 1): -0.5 * (bt**2 + bu**2) / s**2 * (lg**2 + np.pi**2) - (bt - bu) / s * lg
        - 1,
        (0, 1, 0, 1): mhv_crossed(bt, bu),
        (1, 0, 0, 1): mhv_crossed(bu, bt),  # BDS: M_{+--+} = M_{-+-+} with t <-> u
    }
    for h in itertools.product((0, 1), repeat=4):
        parity = tuple(1 - x for x in h)
        if h in expected or parity in expected:  # parity partners are equal
            np.testing.assert_allclose(amp[h], expected.get(h, expected.get(parity)),
                                       rtol=1e-12, atol=1e-11)  # O(1) terms cancel
        else:  # zero, one, three or four negative helicities: exactly 1, e.g. M(++++) = 1
            np.testing.assert_array_equal(amp[h], 1.0)
    assert np.sum(np.abs(amp) == 1.0, axis=(0, 1, 2, 3)).min() == 10


def test_bose_symmetry_parity_and_lorentz_invariance():
    me = matrix_element(PROCESS)
    p = rambo(300, 800.0, (0.0, 0.0), seed=5)
    reference = me(p)
    np.testing.assert_allclose(me(p[:, [0, 1, 3, 2]]), reference, rtol=1e-12)  # a <-> a
    np.testing.assert_allclose(me(p[:, [1, 0, 2, 3]]), reference, rtol=1e-12)  # g <-> g
    mirrored = p * np.array([1.0, -1.0, -1.0, -1.0])  # parity
    np.testing.assert_allclose(me(mirrored), reference, rtol=1e-12)
    assert_lorentz_invariant(me, p, seed=9, rtol=1e-12)


def test_vectorised_over_events_and_flavour_sum():
    me = matrix_element(PROCESS)
    p = points(20)
    batch = me(p)
    assert batch.shape == (20,) and batch.dtype == np.float64
    np.testing.assert_array_equal(np.concatenate([me(p[:7]), me(p[7:])]), batch)
    assert me.sum_q2 == pytest.approx(11 / 9, rel=1e-15)
    assert me(p[:0]).shape == (0,)


def test_couplings_follow_the_parameters():
    p = points(5)
    base = matrix_element(PROCESS)(p)
    scaled = matrix_element(PROCESS, {"aS": 0.236, "aEWM1": 132.507 * 2})(p)
    np.testing.assert_allclose(scaled, base, rtol=1e-13)  # alpha_s * alpha unchanged


@pytest.mark.parametrize(("text", "message"), [
    ("g g > a a", r"write 'g g > a a \[noborn=QCD\]'"),
    ("g g > a a g", r"g g > a a g \[noborn=QCD\]"),
    ("g g > a a g g [noborn=QCD]", "not available .it has no compact closed form"),
    ("u u~ > a a [noborn=QCD]", "not available"),
])
def test_unavailable_processes_say_so(text, message):
    with pytest.raises(UsageError, match=message):
        matrix_element(text)


def test_momenta_are_checked():
    p = points(3)
    with pytest.raises(UsageError, match="off its mass shell"):
        matrix_element(PROCESS)(p + np.array([0.0, 0.0, 0.0, 1.0]))
