"""Learning-rate schedules: multipliers of the peak learning rate versus the update index.

Update ``s`` (0-based, ``s = 0 .. total - 1``) uses ``lr * factor(s)``; ``factor(total)`` is the
value after the last planned update. Warmup is linear, ``factor(s) = (s + 1) / (warmup + 1)``
for ``s < warmup``, and is capped at ``total - 1`` steps.

- ``cosine``: after warmup ``0.5 (1 + cos(pi (s - w) / (total - w)))``, reaching exactly 0 at
  ``s = total`` (the end of the planned run, as torch's ``CosineAnnealingLR`` with
  ``T_max = total``).
- ``wsd`` (warmup-stable-decay): 1 until the last ``decay_fraction`` of the steps, then linear
  to exactly 0 at ``s = total``.
- ``constant``: 1 after warmup.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["SCHEDULES", "schedule_factor"]

SCHEDULES = ("cosine", "wsd", "constant")


def schedule_factor(kind: str, total: int, warmup: int,
                    decay_fraction: float = 0.2) -> Callable[[int], float]:
    """The multiplier ``factor(s)`` of schedule ``kind`` for a run of ``total`` updates."""
    if kind not in SCHEDULES:
        raise ValueError(f"unknown schedule {kind!r}; choose one of {', '.join(SCHEDULES)}")
    w = min(warmup, total - 1)
    decay_start = max(w, total - max(1, round(decay_fraction * total)))

    def factor(s: int) -> float:
        if s < w:
            return (s + 1) / (w + 1)
        if s >= total:
            return 0.0 if kind != "constant" else 1.0
        if kind == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * (s - w) / (total - w)))
        if kind == "wsd" and s >= decay_start:
            return (total - s) / (total - decay_start)
        return 1.0

    return factor
