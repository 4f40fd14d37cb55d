"""Is a point trained to convergence? The verdict from its runs at increasing training length.

A point's *ladder* is its runs that differ only in the training length ``train.steps`` (and
the seed): a sweep whose spec has ``converge:`` climbs one per axis point, and a grid over
``train.steps`` holds one at every other point. From the loss at each length (mean over the
seeds), lengths ascending, and the two longest (``r`` = their step ratio, ``g`` = loss of the
longer / loss of the shorter):

- **converged** at the longest length when it ends lowest and ``g >= 1 - tolerance``: ``r``
  times more steps gained less than ``tolerance`` (default 10%);
- **lowest at S steps** when a shorter run ends lower than the longest: longer training
  overfits (or the gain is below the noise). The point is converged, at ``S``; when ``S`` is
  the shortest length tried, the text says so (an even shorter run might end lower);
- **not converged** otherwise, and with a single length (nothing to compare). A law fitted
  to such runs measures the optimisation floor of their length, not the data's or the
  model's.

Sweeps decide on the validation loss (``val_loss``, never the test metric the laws then fit),
so choosing a length does not select on the test set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DEFAULT_TOLERANCE", "LengthVerdict", "length_verdict"]

#: a longer run that lowers the loss by less than this fraction counts as no gain
DEFAULT_TOLERANCE = 0.1


@dataclass(frozen=True)
class LengthVerdict:
    """The verdict on one point: its run lengths ``steps`` (ascending), the mean ``losses`` at
    them and the ``chosen`` length whose runs stand for the converged point (``None``: not
    converged)."""

    steps: tuple[int, ...]
    losses: tuple[float, ...]
    chosen: int | None
    text: str

    @property
    def converged(self) -> bool:
        return self.chosen is not None


def length_verdict(steps: Sequence[int], losses: Sequence[float],
                   tolerance: float = DEFAULT_TOLERANCE) -> LengthVerdict:
    """The verdict (module docstring) from the run lengths ``steps`` (ascending, distinct) and
    the mean losses at them.

    >>> length_verdict([6000, 24000], [1.0, 0.95]).text
    'converged: 4x more steps gain 5%'
    >>> length_verdict([6000, 24000, 96000], [1.0, 0.5, 0.6]).chosen
    24000
    >>> length_verdict([6000, 24000], [1.0, 0.1]).text
    'not converged: 4x more steps still gain a factor 10'
    """
    steps, losses = tuple(int(s) for s in steps), tuple(float(v) for v in losses)
    if len(steps) != len(losses) or list(steps) != sorted(set(steps)):
        raise ValueError(f"steps {steps} must be distinct and ascending, one loss each")
    if len(steps) < 2:
        return LengthVerdict(steps, losses, None,
                             f"not converged: {steps[0]} steps only, nothing to compare")
    best = min(range(len(losses)), key=losses.__getitem__)
    if best != len(losses) - 1:
        edge = ", the shortest tried" if best == 0 else ""
        return LengthVerdict(steps, losses, steps[best],
                             f"lowest at {steps[best]} steps (longer runs end higher{edge})")
    ratio, gain = steps[-1] / steps[-2], losses[-1] / losses[-2]
    if gain >= 1.0 - tolerance:
        return LengthVerdict(steps, losses, steps[-1],
                             f"converged: {ratio:.3g}x more steps gain {1.0 - gain:.0%}")
    return LengthVerdict(steps, losses, None, f"not converged: {ratio:.3g}x more steps still "
                                              f"gain a factor {1.0 / gain:.3g}")
