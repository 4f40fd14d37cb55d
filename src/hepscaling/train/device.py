"""Device selection: ``auto`` picks CUDA when available, else CPU."""

from __future__ import annotations

import torch

from hepscaling.errors import UsageError

__all__ = ["resolve_device"]


def resolve_device(name: str) -> torch.device:
    """``"auto" | "cpu" | "cuda"`` -> :class:`torch.device`; UsageError if CUDA is missing."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("device 'cuda' requested but torch sees no CUDA GPU; use --device cpu "
                         "or --device auto")
    if name not in ("cpu", "cuda"):
        raise UsageError(f"unknown device {name!r}; choose auto, cpu or cuda")
    return torch.device(name)
