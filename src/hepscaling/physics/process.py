"""Parsing of MadGraph-style process strings (``"u u~ > t t~ h QCD<=2 QED<=3"``).

Supported syntax: one or two incoming particles, ``>``, the outgoing particles (MadGraph ``sm``
names), and optional coupling-order limits ``QCD<=n`` / ``QED<=n`` (``QCD=n`` is read as
``QCD<=n``, as in MadGraph). Without limits the matrix element uses MadGraph's rule: the
lowest QED order that has tree-level diagrams. A trailing ``[noborn=QCD]`` (MadGraph's
spelling) marks a loop-induced process, e.g. ``"g g > a a [noborn=QCD]"``
(:mod:`hepscaling.physics.loop_induced`). Decay chains, multiparticle labels, ``/``, ``$``
exclusions and other ``[...]`` options are not supported.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.physics.particles import Particle, get_particle
from hepscaling.physics.sm import SMParameters

__all__ = ["Process", "parse_process", "resolve_process"]

_ORDER = re.compile(r"^(QCD|QED)(<=|=)(\d+)$")
_NOBORN = re.compile(r"\[\s*noborn\s*=\s*QCD\s*\]\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Process:
    """A parsed scattering (2 -> n) or decay (1 -> n) process.

    Attributes
    ----------
    text : the normalised process string.
    initial, final : the incoming and outgoing :class:`Particle` objects, in string order.
    orders : explicit coupling-order limits, e.g. ``{"QCD": 2, "QED": 3}`` (empty = default).
    params : the :class:`SMParameters` used for masses and couplings.
    loop : ``"QCD"`` for a loop-induced process (``[noborn=QCD]``), else ``""``.
    """

    text: str
    initial: tuple[Particle, ...]
    final: tuple[Particle, ...]
    orders: dict[str, int] = field(default_factory=dict)
    params: SMParameters = field(default_factory=SMParameters)
    loop: str = ""

    @property
    def particles(self) -> tuple[Particle, ...]:
        """All particles, incoming first, in process order."""
        return self.initial + self.final

    @property
    def n_initial(self) -> int:
        """Number of incoming particles (1 or 2)."""
        return len(self.initial)

    @property
    def n_final(self) -> int:
        """Number of outgoing particles ``n_f``."""
        return len(self.final)

    @property
    def phase_space_dim(self) -> int:
        """Dimension ``d = 3 n_f - 4`` of the ``n_f``-body phase space at fixed ``sqrt(s)``.

        Examples
        --------
        >>> parse_process("u u~ > t t~ h").phase_space_dim
        5
        """
        return 3 * self.n_final - 4

    @property
    def masses(self) -> np.ndarray:
        """On-shell masses, float64 ``(k,)`` GeV, in process order."""
        return np.array([p.mass for p in self.particles], dtype=np.float64)

    @property
    def identical_factor(self) -> int:
        """Product of n! over groups of identical final-state particles."""
        out = 1
        for n in Counter(p.name for p in self.final).values():
            for i in range(2, n + 1):
                out *= i
        return out


def parse_process(text: str, params: SMParameters | dict | None = None) -> Process:
    """Parse a MadGraph process string.

    Parameters
    ----------
    text : e.g. ``"u u~ > t t~ h"``, ``"u u~ > t t~ h QCD<=2 QED<=3"`` or the loop-induced
        ``"g g > a a [noborn=QCD]"``.
    params : :class:`SMParameters`, a dict of overrides, or None for MadGraph's defaults.

    Raises
    ------
    UsageError
        bad syntax, unknown particle, or a process that violates charge, lepton/quark
        flavour or colour conservation.
    """
    if not isinstance(params, SMParameters):
        params = SMParameters.from_dict(params)
    if not isinstance(text, str) or text.count(">") != 1:
        raise UsageError(
            f"process {text!r} must look like 'u u~ > z g' (one '>' between in and out)"
        )
    left, right = text.split(">")
    loop = ""
    if _NOBORN.search(right):
        right, loop = _NOBORN.sub("", right), "QCD"
    if "[" in right or "]" in right:
        raise UsageError(
            f"process {text!r}: the only supported '[...]' option is a trailing "
            "'[noborn=QCD]' (loop-induced processes such as 'g g > a a [noborn=QCD]')"
        )
    tokens = right.split()
    orders: dict[str, int] = {}
    while tokens and _ORDER.match(tokens[-1].upper()):
        name, _, value = _ORDER.match(tokens.pop().upper()).groups()
        orders[name] = int(value)
    if any(_ORDER.match(t.upper()) for t in tokens):
        raise UsageError(f"process {text!r}: put coupling orders (QCD<=n QED<=m) at the end")
    if loop and orders:
        raise UsageError(
            f"process {text!r}: a loop-induced process has fixed coupling orders; drop "
            "QCD<=n / QED<=m"
        )
    for token in left.split() + tokens:
        if token in {"/", "$", ",", "@"} or token.startswith(("/", "$", "(")):
            raise UsageError(
                f"process {text!r}: {token!r} is not supported; give a single process such "
                "as 'u u~ > z g' with optional QCD<=n QED<=m"
            )
    initial = tuple(get_particle(t, params) for t in left.split())
    final = tuple(get_particle(t, params) for t in tokens)
    if len(initial) not in (1, 2) or not final:
        raise UsageError(
            f"process {text!r} needs 1 or 2 incoming and at least 1 outgoing particle"
        )
    _check_conservation(text, initial, final)
    normal = " ".join(p.name for p in initial) + " > " + " ".join(p.name for p in final)
    if orders:
        normal += " " + " ".join(f"{k}<={v}" for k, v in sorted(orders.items()))
    if loop:
        normal += f" [noborn={loop}]"
    return Process(normal, initial, final, orders, params, loop)


def resolve_process(process: str | Process,
                    params: SMParameters | dict | None = None) -> Process:
    """The :class:`Process` of a process string, or a :class:`Process` as given.

    With ``params``, a :class:`Process` is parsed again from its text with those parameters;
    a string is parsed with them (None: MadGraph's defaults). Raises :class:`UsageError` as
    :func:`parse_process` does.
    """
    if isinstance(process, str):
        return parse_process(process, params)
    if params is not None:
        return parse_process(process.text, params)
    return process


def _check_conservation(text: str, initial: tuple[Particle, ...],
                        final: tuple[Particle, ...]) -> None:
    names = ("electric charge", "quark number (1st generation)", "quark number (2nd "
             "generation)", "quark number (3rd generation)", "electron number",
             "muon number", "tau number")
    net = np.sum([p.flavour for p in final], axis=0) - np.sum([p.flavour for p in initial],
                                                              axis=0)
    for name, value in zip(names, net, strict=True):
        if value:
            raise UsageError(
                f"process {text!r} violates {name} conservation; check the particle names"
            )
    # colours as seen with every particle outgoing (an incoming quark counts as a 3bar)
    outgoing = Counter(-p.colour if abs(p.colour) == 3 else p.colour for p in initial)
    outgoing.update(p.colour for p in final)
    if (outgoing[3] - outgoing[-3]) % 3 or (outgoing[8] == 1 and not outgoing[3]
                                            and not outgoing[-3]):
        raise UsageError(f"process {text!r} cannot be a colour singlet; check the particles")
