"""Code version and environment stamps written into every dataset and run record."""

from __future__ import annotations

import functools
import platform
import subprocess
from pathlib import Path

from hepscaling import __version__


@functools.cache
def code_version() -> str:
    """``"<package version>"`` plus ``"+g<commit>[.dirty]"`` when run from a git checkout."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return __version__
    if not commit:
        return __version__
    return f"{__version__}+g{commit}" + (".dirty" if dirty else "")


def environment() -> dict[str, str]:
    """Python, platform and key library versions, for provenance (read without importing them)."""
    from importlib.metadata import PackageNotFoundError, version

    env = {"python": platform.python_version(), "platform": platform.platform()}
    for package in ("numpy", "torch", "h5py"):
        try:
            env[package] = version(package)
        except PackageNotFoundError:
            continue
    return env
