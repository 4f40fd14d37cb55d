"""Small generated jet samples shared by the jet tests (each generated once per session)."""

from __future__ import annotations

import functools

import numpy as np

#: Jets per class in the shared samples: enough for medians and quantiles to +-10%.
N_JETS = {"qcd": 120, "w": 120, "z": 60, "top": 80, "hbb": 60}
SEED = 2026


@functools.cache
def jet_sample(name: str) -> dict[str, np.ndarray]:
    """``N_JETS[name]`` jets of class ``name`` (Pythia seed ``SEED``), padded to 128."""
    from hepscaling.physics.jets import generate_chunk

    return generate_chunk(name, N_JETS[name], SEED, max_particles=128)
