"""Learning-rate schedules: multipliers of the peak learning rate versus the update index.

Update ``s`` (0-based, ``s = 0 .. total - 1``) uses ``lr * factor(s)``; ``factor(total)`` is the
value after the last planned update. Warmup is linear, ``factor(s) = (s + 1) / (warmup + 1)``
for ``s < warmup``, and is capped at ``total - 1`` steps.

The decay is planned over a horizon of ``H = round(horizon_scale * total)`` updates (the
``scheduler_scale`` of the amplitude-surrogate study, arXiv:2601.13308): ``horizon_scale = 1``
decays to exactly 0 at the end of the run; ``< 1`` decays too early (the factor is 0 from update
``H`` on, so the last ``total - H`` updates do nothing); ``> 1`` decays too late (the run stops
at a factor above 0).

- ``cosine``: after warmup ``0.5 (1 + cos(pi (s - w) / (H - w)))``, reaching exactly 0 at
  ``s = H`` (for ``H = total`` as torch's ``CosineAnnealingLR`` with ``T_max = total``).
- ``wsd`` (warmup-stable-decay): 1 until the last ``decay_fraction`` of the horizon, then
  linear to exactly 0 at ``s = H``.
- ``constant``: 1 after warmup (no horizon).
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["SCHEDULES", "schedule_factor"]

SCHEDULES = ("cosine", "wsd", "constant")


def schedule_factor(kind: str, total: int, warmup: int, decay_fraction: float = 0.2,
                    horizon_scale: float = 1.0) -> Callable[[int], float]:
    """The multiplier ``factor(s)`` of schedule ``kind`` for a run of ``total`` updates whose
    decay ends after ``round(horizon_scale * total)`` updates (see the module docstring).

    >>> f = schedule_factor("cosine", 100, warmup=0, horizon_scale=0.5)
    >>> f(25), f(50), f(99)
    (0.5, 0.0, 0.0)
    >>> round(schedule_factor("cosine", 100, warmup=0, horizon_scale=2.0)(100), 6)
    0.5
    """
    if kind not in SCHEDULES:
        raise ValueError(f"unknown schedule {kind!r}; choose one of {', '.join(SCHEDULES)}")
    if not horizon_scale > 0:
        raise ValueError(f"horizon_scale must be > 0, got {horizon_scale}")
    w = min(warmup, total - 1)
    horizon = max(w + 1, round(horizon_scale * total))  # the decay ends after warmup
    decay_start = max(w, horizon - max(1, round(decay_fraction * horizon)))

    def factor(s: int) -> float:
        if s < w:
            return (s + 1) / (w + 1)
        if kind == "constant":
            return 1.0
        if s >= horizon:
            return 0.0
        if kind == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * (s - w) / (horizon - w)))
        if s >= decay_start:  # wsd
            return (horizon - s) / (horizon - decay_start)
        return 1.0

    return factor
