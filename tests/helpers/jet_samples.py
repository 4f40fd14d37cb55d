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


def write_session_jets(path, classes: str = "qcd,w"):
    """A jet file of the session's shared samples of ``classes`` (equal ``N_JETS`` each),
    written by :func:`hepscaling.data.jets.generate_jets` without running Pythia again."""
    from concurrent.futures import Executor, Future

    from hepscaling.data.jets import generate_jets
    from hepscaling.physics.jets.processes import parse_classes

    class SessionSamples(Executor):
        def submit(self, fn, task):
            future = Future()
            future.set_result(jet_sample(task.spec.name))
            return future

    specs = parse_classes(classes)
    n = N_JETS[specs[0].name]
    return generate_jets(path, specs, n, chunk_size=n, executor=SessionSamples())
