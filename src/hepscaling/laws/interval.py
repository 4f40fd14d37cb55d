"""A central value with its interval, and its one text format ``value [low, high]``."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Interval"]


@dataclass(frozen=True)
class Interval:
    """A central value with a percentile interval ``[low, high]`` at confidence ``level``.

    Formatting gives ``value [low, high]``, each number with the format spec (default
    ``.4g``); ``str`` uses the default:

    >>> iv = Interval(0.123456, 0.1, 0.15, 0.68)
    >>> f"{iv}", f"{iv:.2f}", str(Interval(2e5, 1e5, float("inf"), 0.68))
    ('0.1235 [0.1, 0.15]', '0.12 [0.10, 0.15]', '2e+05 [1e+05, inf]')
    """

    value: float
    low: float
    high: float
    level: float

    def __format__(self, spec: str) -> str:
        """``value [low, high]``, each number formatted with ``spec`` (empty: ``.4g``)."""
        spec = spec or ".4g"
        return f"{self.value:{spec}} [{self.low:{spec}}, {self.high:{spec}}]"

    def __str__(self) -> str:
        """``value [low, high]`` with 4 significant digits."""
        return format(self)

    def contains(self, v: float) -> bool:
        """Whether ``low <= v <= high``."""
        return bool(self.low <= v <= self.high)

    def to_dict(self) -> dict[str, float]:
        """``{"value", "low", "high", "level"}`` for JSON output."""
        return {"value": self.value, "low": self.low, "high": self.high, "level": self.level}
