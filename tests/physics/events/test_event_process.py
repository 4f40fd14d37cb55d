"""Drell-Yan settings and seeds: Pythia accepts the switches, seeds are independent streams."""

import pytest

from hepscaling.errors import UsageError
from hepscaling.physics.events.process import DrellYanSpec, chunk_seed, make_pythia


def test_settings_follow_the_switches():
    default, switched = DrellYanSpec().settings(), DrellYanSpec(mpi=True, qed_muons=True).settings()
    assert "PartonLevel:MPI = off" in default and "TimeShower:QEDshowerByL = off" in default
    assert "PartonLevel:MPI = on" in switched and "TimeShower:QEDshowerByL = on" in switched
    assert "23:onIfAny = 13" in default and "PhaseSpace:mHatMin = 66.0" in default


def test_pythia_takes_the_settings():
    pythia = make_pythia(DrellYanSpec(mpi=True), 5)
    assert pythia.settings.flag("PartonLevel:MPI")
    assert not pythia.settings.flag("TimeShower:QEDshowerByL")
    assert pythia.settings.parm("PhaseSpace:mHatMax") == 116.0


def test_chunk_seeds_are_distinct_stable_and_in_pythias_range():
    seeds = [chunk_seed(s, i) for s in range(3) for i in range(50)]
    assert len(set(seeds)) == len(seeds) and all(1 <= s <= 900_000_000 for s in seeds)
    assert chunk_seed(1, 7) == chunk_seed(1, 7)
    with pytest.raises(UsageError, match="must be >= 0"):
        chunk_seed(-1, 0)
