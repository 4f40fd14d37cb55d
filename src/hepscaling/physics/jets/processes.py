"""Jet classes: the Pythia 8 process settings at 13 TeV, JetClass labels and per-chunk seeds.

Each class is one hard process whose jets (500 < pT < 1000 GeV, |eta| < 2, as in JetClass)
carry one JetClass label:

=========== ============ ==============================================================
class       label        Pythia 8 process (decays forced as listed)
=========== ============ ==============================================================
``qcd``     label_QCD    ``HardQCD:all`` dijets, 450 < pTHat < 1100 GeV
``qcd_zvv`` label_QCD    Z + jet with Z -> nu nu (JetClass's QCD sample is Z(nu nu)+jets)
``w``       label_Wqq    W + jet, W -> q q' (q = d, u, s, c, b)
``z``       label_Zqq    Z + jet, Z -> q q~ (q = d, u, s, c, b), pure Z (no gamma*)
``top``     label_Tbqq   t t~, both W -> q q'
``hbb``     label_Hbb    H + jet (full top-loop matrix elements), H -> b b~
=========== ============ ==============================================================

The label names and their order are JetClass's (``data/JetClass/JetClass_full.yaml`` in
github.com/jet-universe/particle_transformer); the integer label is the index in
:data:`LABELS`, so generated files and the real JetClass share it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hepscaling.errors import UsageError

__all__ = ["JET_CLASSES", "LABELS", "JetClassSpec", "chunk_seed", "jet_class", "make_pythia",
           "parse_classes"]

#: JetClass's ten one-hot label names, in its order; the integer label indexes this tuple.
LABELS: tuple[str, ...] = (
    "label_QCD", "label_Hbb", "label_Hcc", "label_Hgg", "label_H4q", "label_Hqql",
    "label_Zqq", "label_Wqq", "label_Tbqq", "label_Tbl",
)

SQRT_S = 13000.0  # GeV
PT_HAT_MIN = 450.0  # GeV, a little below the 500 GeV jet threshold (radiation out of the cone)
PT_HAT_MAX = 1100.0  # GeV, a little above the 1000 GeV jet ceiling
_HADRONIC = "1 2 3 4 5"  # quark ids a W / Z may decay to


@dataclass(frozen=True)
class JetClassSpec:
    """One jet class.

    Attributes
    ----------
    name : str
        CLI / file name (``"w"``).
    label : str
        JetClass label name (``"label_Wqq"``), one of :data:`LABELS`.
    code : int
        Stable class number that enters the chunk seeds (never reuse or renumber).
    settings : tuple of str
        Pythia 8 ``readString`` lines selecting the process and forcing the decay.
    resonance : int or None
        |PDG id| of the particle the jet must be matched to (None for QCD).
    acceptance : float
        Rough fraction of events giving a selected jet; only sizes the first event batch.
    """

    name: str
    label: str
    code: int
    settings: tuple[str, ...]
    resonance: int | None
    acceptance: float

    @property
    def label_index(self) -> int:
        """The integer label: index of :attr:`label` in :data:`LABELS`."""
        return LABELS.index(self.label)


def _z_plus_jet(decays: str) -> tuple[str, ...]:
    return ("WeakBosonAndParton:qqbar2gmZg = on", "WeakBosonAndParton:qg2gmZq = on",
            "WeakZ0:gmZmode = 2", "23:onMode = off", f"23:onIfAny = {decays}")


JET_CLASSES: dict[str, JetClassSpec] = {spec.name: spec for spec in (
    JetClassSpec("qcd", "label_QCD", 0, ("HardQCD:all = on",), None, 0.6),
    JetClassSpec("qcd_zvv", "label_QCD", 1, _z_plus_jet("12 14 16"), None, 0.6),
    JetClassSpec("w", "label_Wqq", 2,
                 ("WeakBosonAndParton:qqbar2Wg = on", "WeakBosonAndParton:qg2Wq = on",
                  "24:onMode = off", f"24:onIfAny = {_HADRONIC}"), 24, 0.5),
    JetClassSpec("z", "label_Zqq", 3, _z_plus_jet(_HADRONIC), 23, 0.5),
    JetClassSpec("top", "label_Tbqq", 4,
                 ("Top:gg2ttbar = on", "Top:qqbar2ttbar = on",
                  "24:onMode = off", f"24:onIfAny = {_HADRONIC}"), 6, 0.4),
    JetClassSpec("hbb", "label_Hbb", 5,
                 ("HiggsSM:gg2Hg(l:t) = on", "HiggsSM:qg2Hq(l:t) = on",
                  "HiggsSM:qqbar2Hg(l:t) = on", "25:onMode = off", "25:onIfMatch = 5 -5"),
                 25, 0.5),
)}


def jet_class(name: str) -> JetClassSpec:
    """The :class:`JetClassSpec` called ``name``; :class:`UsageError` for an unknown name."""
    try:
        return JET_CLASSES[name]
    except KeyError:
        raise UsageError(f"unknown jet class {name!r}; choose from "
                         f"{', '.join(JET_CLASSES)}") from None


def parse_classes(text: str) -> tuple[JetClassSpec, ...]:
    """Comma-separated class names (``"qcd,w,top"``) -> specs, in the given order.

    Raises :class:`UsageError` for an empty list, an unknown or a repeated name.
    """
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise UsageError(f"no jet class given in {text!r}; pass e.g. --classes qcd,w,top")
    if len(set(names)) != len(names):
        raise UsageError(f"jet class repeated in {text!r}; list each class once")
    return tuple(jet_class(name) for name in names)


def chunk_seed(seed: int, spec: JetClassSpec, chunk: int) -> int:
    """Pythia seed of chunk ``chunk`` of class ``spec`` for the run seed ``seed``.

    Derived with :class:`numpy.random.SeedSequence` from ``(seed, spec.code, chunk)``, so
    chunks are independent streams and adding classes or chunks never changes existing ones.
    Pythia accepts seeds in ``[1, 900_000_000]``.
    """
    if seed < 0 or chunk < 0:
        raise UsageError(f"seed and chunk index must be >= 0, got seed={seed}, chunk={chunk}")
    state = np.random.SeedSequence([seed, spec.code, chunk]).generate_state(1, dtype=np.uint64)
    return int(state[0] % 900_000_000) + 1


def make_pythia(spec: JetClassSpec, pythia_seed: int):
    """A quiet, initialised ``pythia8mc.Pythia`` for ``spec`` at 13 TeV with ``pythia_seed``.

    Everything else is Pythia's default (Monash tune, MPI, ISR/FSR, hadronisation, decays of
    particles with a mayDecay flag).
    """
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    lines = (f"Beams:eCM = {SQRT_S}", "Print:quiet = on", "Random:setSeed = on",
             f"Random:seed = {pythia_seed}", f"PhaseSpace:pTHatMin = {PT_HAT_MIN}",
             f"PhaseSpace:pTHatMax = {PT_HAT_MAX}", *spec.settings)
    for line in lines:
        if not pythia.readString(line):
            raise RuntimeError(f"Pythia rejected the setting {line!r}")
    if not pythia.init():
        raise RuntimeError(f"Pythia failed to initialise for jet class {spec.name!r}")
    return pythia
