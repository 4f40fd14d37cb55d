"""Test-suite root: puts ``tests/`` on ``sys.path`` (tests import ``helpers``) and holds the
fixtures shared across folders."""

import pytest
import torch

from helpers.amplitude_files import write_toy_amplitudes


@pytest.fixture(scope="session")
def toy_h5(tmp_path_factory):
    """800 toy ``u u~ > g g g`` events in our HDF5 layout."""
    return write_toy_amplitudes(tmp_path_factory.mktemp("data") / "toy.h5", n=800)


@pytest.fixture(autouse=True)
def _one_thread():
    """Single-threaded torch: small models train far faster than with two threads on a busy
    2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
