"""The training-length verdict: converged, lowest at a shorter length, not converged."""

import pytest

from hepscaling.laws.convergence import length_verdict


def test_a_point_whose_last_step_up_gains_less_than_the_tolerance_is_converged():
    verdict = length_verdict([1500, 6000, 24000], [4.0, 1.0, 0.95])
    assert verdict.converged and verdict.chosen == 24000
    assert verdict.text == "converged: 4x more steps gain 5%"


def test_the_tolerance_is_the_boundary():
    assert length_verdict([10, 20], [1.0, 0.9], tolerance=0.1).converged
    assert not length_verdict([10, 20], [1.0, 0.89], tolerance=0.1).converged
    assert length_verdict([10, 20], [1.0, 0.89], tolerance=0.2).converged


def test_a_shorter_run_ending_lower_is_the_converged_length():
    verdict = length_verdict([1500, 6000, 24000, 96000], [3.0, 1.0, 1.4, 2.0])
    assert verdict.chosen == 6000
    assert verdict.text == "lowest at 6000 steps (longer runs end higher)"


def test_lowest_at_the_shortest_length_says_so():
    verdict = length_verdict([1500, 6000], [1.0, 1.2])
    assert verdict.chosen == 1500
    assert verdict.text == "lowest at 1500 steps (longer runs end higher, the shortest tried)"


def test_a_point_still_improving_is_not_converged():
    verdict = length_verdict([6000, 24000, 96000], [1.0, 0.3, 0.1])
    assert verdict.chosen is None and not verdict.converged
    assert verdict.text == "not converged: 4x more steps still gain a factor 3"


def test_a_single_length_cannot_be_judged():
    verdict = length_verdict([6000], [1.0])
    assert not verdict.converged
    assert verdict.text == "not converged: 6000 steps only, nothing to compare"


@pytest.mark.parametrize("steps", [[20, 10], [10, 10]])
def test_lengths_must_ascend(steps):
    with pytest.raises(ValueError, match="distinct and ascending"):
        length_verdict(steps, [1.0, 1.0])
