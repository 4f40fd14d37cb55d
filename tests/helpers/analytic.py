"""Closed-form ``|M|^2`` and a stand-in process, for testing integration and datasets alone.

``EE_MUMU`` carries what the phase-space code reads from a parsed process (``text``,
``masses``, ``n_initial``); ``qed_ee_mumu`` is the photon-exchange ``|M|^2`` for it.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from helpers.kinematics import dot

__all__ = ["ALPHA", "EE_MUMU", "StallingQED", "qed_ee_mumu"]

ALPHA = 1 / 132.507  # MadGraph sm default alpha_EW(MZ)
EE_MUMU = SimpleNamespace(text="e+ e- > mu+ mu-", masses=np.zeros(4), n_initial=2)


def qed_ee_mumu(p: np.ndarray) -> np.ndarray:
    """Spin-averaged ``|M|^2 = 2 e^4 (t^2 + u^2) / s^2``; ``p``: ``(n, 4, 4)`` GeV -> ``(n,)``."""
    e2 = 4 * math.pi * ALPHA
    s = 2 * dot(p[:, 0], p[:, 1])
    t = -2 * dot(p[:, 0], p[:, 2])
    u = -2 * dot(p[:, 0], p[:, 3])
    return 2 * e2**2 * (t**2 + u**2) / s**2


class StallingQED:
    """``qed_ee_mumu`` that, at call number ``stall_at``, creates ``marker`` and hangs.

    Used to kill a generating process at a known point (``kill -9`` while it hangs).
    """

    def __init__(self, stall_at: int | None = None, marker: str | None = None):
        self.stall_at, self.marker, self.calls = stall_at, marker, 0

    def __call__(self, p: np.ndarray) -> np.ndarray:
        self.calls += 1
        if self.calls == self.stall_at:
            Path(self.marker).touch()
            time.sleep(600)
        return qed_ee_mumu(p)
