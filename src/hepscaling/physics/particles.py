"""The particle content of MadGraph's ``sm`` model: names, PDG ids, quantum numbers, masses.

Names follow MadGraph (``u``, ``u~``, ``e-``, ``e+``, ``ve``, ``ve~``, ``g``, ``a``, ``z``,
``w+``, ``w-``, ``h``, ...). Masses and widths come from :class:`~hepscaling.physics.sm.
SMParameters`; the light quarks, e, mu and the neutrinos are massless.
"""

from __future__ import annotations

from dataclasses import dataclass

from hepscaling.errors import UsageError
from hepscaling.physics.sm import SMParameters

__all__ = ["Particle", "get_particle", "particle_names"]


@dataclass(frozen=True)
class Particle:
    """One particle species with its mass and width for a given parameter set.

    ``spin`` is 2s+1 (1 scalar, 2 fermion, 3 vector); ``colour`` is 1, 3 (quark), -3
    (antiquark) or 8; ``charge`` in units of e; ``mass`` and ``width`` in GeV.
    ``flavour`` holds the conserved additive quantum numbers (3 x charge, quark number of
    each generation, lepton number of each generation), used to validate processes.
    """

    name: str
    pdg: int
    spin: int
    colour: int
    charge: float
    mass: float
    width: float
    flavour: tuple[int, ...]

    @property
    def antiname(self) -> str:
        """Name of the antiparticle (itself for self-conjugate particles)."""
        return _ANTI[self.name]

    @property
    def is_fermion(self) -> bool:
        """True for quarks and leptons."""
        return self.spin == 2


# name: (pdg, 3 x charge, generation 0-2, is_quark, mass parameter, width parameter);
# _table adds spin (2s+1 = 2), colour (3 for quarks, 1 for leptons) and the antiparticles
_FERMIONS = {
    "d": (1, -1, 0, True, None, None), "u": (2, 2, 0, True, None, None),
    "s": (3, -1, 1, True, None, None), "c": (4, 2, 1, True, None, None),
    "b": (5, -1, 2, True, "MB", None), "t": (6, 2, 2, True, "MT", "WT"),
    "e-": (11, -3, 0, False, None, None), "ve": (12, 0, 0, False, None, None),
    "mu-": (13, -3, 1, False, None, None), "vm": (14, 0, 1, False, None, None),
    "ta-": (15, -3, 2, False, "MTA", "WTA"), "vt": (16, 0, 2, False, None, None),
}
_ANTI_NAMES = {"e-": "e+", "mu-": "mu+", "ta-": "ta+"}
# name: (pdg, spin, colour, 3 x charge, mass parameter, width parameter)
_BOSONS = {
    "g": (21, 3, 8, 0, None, None), "a": (22, 3, 1, 0, None, None),
    "z": (23, 3, 1, 0, "MZ", "WZ"), "w+": (24, 3, 1, 3, "MW", "WW"),
    "w-": (-24, 3, 1, -3, "MW", "WW"), "h": (25, 1, 1, 0, "MH", "WH"),
}


def _table() -> tuple[dict[str, tuple], dict[str, str]]:
    table: dict[str, tuple] = {}
    anti: dict[str, str] = {}
    for name, (pdg, q3, gen, quark, mpar, wpar) in _FERMIONS.items():
        aname = _ANTI_NAMES.get(name, name + "~")
        flavour = [q3, 0, 0, 0, 0, 0, 0]
        flavour[1 + gen + (0 if quark else 3)] = 1
        table[name] = (pdg, 2, 3 if quark else 1, q3, tuple(flavour), mpar, wpar)
        table[aname] = (-pdg, 2, -3 if quark else 1, -q3, tuple(-x for x in flavour), mpar, wpar)
        anti[name], anti[aname] = aname, name
    for name, (pdg, spin, colour, q3, mpar, wpar) in _BOSONS.items():
        table[name] = (pdg, spin, colour, q3, (q3, 0, 0, 0, 0, 0, 0), mpar, wpar)
    anti.update({"g": "g", "a": "a", "z": "z", "h": "h", "w+": "w-", "w-": "w+"})
    return table, anti


_TABLE, _ANTI = _table()


def particle_names() -> list[str]:
    """All particle names known to the ``sm`` model, in MadGraph spelling."""
    return list(_TABLE)


def get_particle(name: str, params: SMParameters | None = None) -> Particle:
    """Look up a particle by its MadGraph name; mass and width from ``params`` (default sm).

    Raises
    ------
    UsageError
        unknown name.
    """
    if name not in _TABLE:
        raise UsageError(
            f"unknown particle {name!r}; known sm particles: {' '.join(_TABLE)}"
        )
    params = params or SMParameters()
    pdg, spin, colour, q3, flavour, mpar, wpar = _TABLE[name]
    mass = getattr(params, mpar) if mpar else 0.0
    width = getattr(params, wpar) if wpar else 0.0
    return Particle(name, pdg, spin, colour, q3 / 3, float(mass), float(width), flavour)
