"""Preset run configs shipped with the package (``<name>.yaml`` next to this file)."""

from __future__ import annotations

from pathlib import Path

from hepscaling.errors import UsageError

__all__ = ["preset_names", "preset_path"]

_HERE = Path(__file__).parent


def preset_names() -> list[str]:
    """Names of the shipped presets (file names without ``.yaml``)."""
    return sorted(p.stem for p in _HERE.glob("*.yaml"))


def preset_path(name: str) -> Path:
    """Path of preset ``name`` (UsageError listing the presets if unknown)."""
    path = _HERE / f"{name}.yaml"
    if not path.is_file():
        raise UsageError(f"unknown preset {name!r}; choose one of {', '.join(preset_names())} "
                         "or pass a YAML file path")
    return path
