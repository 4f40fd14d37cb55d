"""Fixtures of the sweep tests: a tiny toy amplitude file and tiny run configs."""

from pathlib import Path

import pytest

from helpers.amplitude_files import write_toy_amplitudes


@pytest.fixture(scope="session")
def toy_dataset(tmp_path_factory) -> Path:
    """A 300-event toy amplitude file (u u~ > g g g)."""
    return write_toy_amplitudes(tmp_path_factory.mktemp("data") / "toy.h5", n=300)


@pytest.fixture(scope="session")
def trainer():
    """Two local workers shared by the tests that really train (torch imported once each)."""
    from hepscaling.sweeps import LocalExecutor

    with LocalExecutor(2) as executor:
        yield executor


@pytest.fixture
def fake_env(tmp_path) -> dict[str, Path]:
    """Control directory of the fake run function (see ``helpers.sweep_fakes``): pass
    ``files["dataset"]`` as the dataset; ``ledger.txt``, ``pids.txt`` and ``held.txt`` appear
    next to it."""
    return {"dataset": tmp_path / "toy.h5", "ledger": tmp_path / "ledger.txt",
            "pids": tmp_path / "pids.txt", "held": tmp_path / "held.txt",
            "control": tmp_path / "fake.json"}
