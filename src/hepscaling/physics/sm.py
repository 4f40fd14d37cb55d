"""Standard-Model parameters: MadGraph's default ``sm`` param_card and the derived couplings.

The inputs are those of MadGraph5_aMC@NLO's ``sm`` model with its default restriction
(``restrict_default``): alpha_EW(MZ)^-1, G_F and MZ fix the electroweak sector, so MW and
sin^2(theta_W) are derived:

    MW^2 = MZ^2/2 + sqrt(MZ^4/4 - pi alpha MZ^2 / (sqrt(2) G_F)),   sw2 = 1 - MW^2/MZ^2,
    e = sqrt(4 pi alpha),   g_w = e / sw,   v = 2 MW sw / e,   g_s = sqrt(4 pi alpha_s).

alpha_s is fixed (no running). The CKM matrix is the identity; u, d, s, c, e, mu and the
neutrinos are massless; the Yukawa couplings of t, b and tau use ``ymt``, ``ymb``, ``ymtau``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from hepscaling.errors import UsageError

__all__ = ["SMParameters"]


@dataclass(frozen=True)
class SMParameters:
    """Independent SM inputs (GeV for masses and widths); derived quantities are properties.

    Every field defaults to MadGraph's default ``sm`` param_card value.
    """

    aEWM1: float = 132.507  # 1 / alpha_EW at MZ
    Gf: float = 1.16639e-5  # Fermi constant, GeV^-2
    aS: float = 0.118  # strong coupling alpha_s (fixed)
    MZ: float = 91.188
    MT: float = 173.0
    MB: float = 4.7
    MH: float = 125.0
    MTA: float = 1.777
    WZ: float = 2.441404
    WW: float = 2.0476
    WT: float = 1.4915
    WH: float = 6.382339e-3
    WTA: float = 2.27e-12
    ymt: float = 173.0  # top Yukawa mass parameter
    ymb: float = 4.7
    ymtau: float = 1.777

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise UsageError(
                    f"SM parameter {f.name}={value!r} is invalid; give a finite number >= 0"
                )
        if self.MZ**4 / 4 - self.aEW * math.pi * self.MZ**2 / (math.sqrt(2) * self.Gf) < 0:
            raise UsageError(
                f"MZ={self.MZ}, aEWM1={self.aEWM1}, Gf={self.Gf} give no real MW; "
                "use physical electroweak inputs"
            )

    @classmethod
    def from_dict(cls, values: dict | None) -> SMParameters:
        """Build from ``{name: value}`` overrides of the defaults (UsageError on unknown names)."""
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UsageError(
                f"unknown SM parameter(s) {unknown}; known names are {sorted(known)}"
            )
        return cls(**{k: float(v) for k, v in values.items()})

    def as_dict(self) -> dict[str, float]:
        """The independent inputs as a plain dict (for provenance records)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def aEW(self) -> float:
        """alpha_EW."""
        return 1.0 / self.aEWM1

    @property
    def MW(self) -> float:
        """W mass in GeV, derived from MZ, alpha_EW and G_F."""
        mz2 = self.MZ**2
        return math.sqrt(mz2 / 2 + math.sqrt(mz2**2 / 4 - self.aEW * math.pi * mz2
                                             / (math.sqrt(2) * self.Gf)))

    @property
    def sw2(self) -> float:
        """sin^2(theta_W) = 1 - MW^2/MZ^2."""
        return 1.0 - self.MW**2 / self.MZ**2

    @property
    def sw(self) -> float:
        """sin(theta_W)."""
        return math.sqrt(self.sw2)

    @property
    def cw(self) -> float:
        """cos(theta_W) = MW/MZ."""
        return self.MW / self.MZ

    @property
    def ee(self) -> float:
        """Electric charge unit e = sqrt(4 pi alpha_EW)."""
        return math.sqrt(4 * math.pi * self.aEW)

    @property
    def gw(self) -> float:
        """SU(2) coupling g = e / sw."""
        return self.ee / self.sw

    @property
    def vev(self) -> float:
        """Higgs vacuum expectation value v = 2 MW sw / e in GeV."""
        return 2 * self.MW * self.sw / self.ee

    @property
    def gs(self) -> float:
        """Strong coupling g_s = sqrt(4 pi alpha_s)."""
        return math.sqrt(4 * math.pi * self.aS)
