"""Inclusive Drell-Yan Z/gamma* -> mu mu at 13 TeV in Pythia 8: settings, seeds, the generator.

Constants of the event definition (:mod:`hepscaling.physics.events`) live here too, so the
selection and the file reader share them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hepscaling.errors import UsageError

__all__ = ["DELTA_R_MIN", "JET_PT_MIN", "JET_R", "MAX_JETS", "MUON_MASS", "M_HAT_MAX",
           "M_HAT_MIN", "N_OBJECTS", "SQRT_S", "DrellYanSpec", "chunk_seed", "make_pythia"]

SQRT_S = 13000.0  # GeV
M_HAT_MIN, M_HAT_MAX = 66.0, 116.0  # GeV, window of the gamma*/Z mass
JET_R = 0.4  # anti-kT radius
JET_PT_MIN = 20.0  # GeV
DELTA_R_MIN = 0.4  # minimum Delta R between any two kept objects
MAX_JETS = 3  # exclusive multiplicities 1..MAX_JETS are kept
N_OBJECTS = 2 + MAX_JETS  # mu+, mu-, jets
MUON_MASS = 0.1056583755  # GeV (PDG 2022; Pythia 8.3's value)
_SEED_TAG = 23  # separates these seed streams from the jet classes' ones


@dataclass(frozen=True)
class DrellYanSpec:
    """Switches of the Drell-Yan generation (everything else is fixed, see :meth:`settings`).

    Attributes
    ----------
    mpi : bool
        Multiparton interactions (Pythia's default); off by default: ~10x faster, and
        MPI adds mostly soft jets.
    qed_muons : bool
        QED radiation off the muons (``TimeShower:QEDshowerByL``); off by default, so the
        dimuon mass keeps the gamma*/Z line shape and no photon jets sit next to a muon.
    """

    mpi: bool = False
    qed_muons: bool = False

    def settings(self) -> tuple[str, ...]:
        """The Pythia ``readString`` lines of the process (beam energy and seed aside)."""
        on = {True: "on", False: "off"}
        return ("WeakSingleBoson:ffbar2gmZ = on", f"PhaseSpace:mHatMin = {M_HAT_MIN}",
                f"PhaseSpace:mHatMax = {M_HAT_MAX}", "23:onMode = off", "23:onIfAny = 13",
                f"PartonLevel:MPI = {on[self.mpi]}",
                f"TimeShower:QEDshowerByL = {on[self.qed_muons]}")


def chunk_seed(seed: int, chunk: int) -> int:
    """Pythia seed of chunk ``chunk`` of a run with seed ``seed``, in ``[1, 900_000_000]``.

    Derived with :class:`numpy.random.SeedSequence` from ``(seed, tag, chunk)``: chunks are
    independent streams, and adding chunks never changes existing ones.
    """
    if seed < 0 or chunk < 0:
        raise UsageError(f"seed and chunk index must be >= 0, got seed={seed}, chunk={chunk}")
    state = np.random.SeedSequence([seed, _SEED_TAG, chunk]).generate_state(1, dtype=np.uint64)
    return int(state[0] % 900_000_000) + 1


def make_pythia(spec: DrellYanSpec, pythia_seed: int):
    """A quiet, initialised ``pythia8mc.Pythia`` for ``spec`` at 13 TeV with ``pythia_seed``
    (Monash tune; ISR, FSR, hadronisation and decays on)."""
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    lines = (f"Beams:eCM = {SQRT_S}", "Print:quiet = on", "Random:setSeed = on",
             f"Random:seed = {pythia_seed}", *spec.settings())
    for line in lines:
        if not pythia.readString(line):
            raise RuntimeError(f"Pythia rejected the setting {line!r}")
    if not pythia.init():
        raise RuntimeError("Pythia failed to initialise for Drell-Yan Z/gamma* -> mu mu")
    return pythia
