"""Training checkpoints: one ``checkpoint.pt`` per run directory, replaced atomically.

The checkpoint is a dict of tensors, numbers, strings and lists (loadable with
``torch.load(weights_only=True)``): the run id, model / optimiser / best-model state dicts, the
batch-order generator state and position, the step, curves so far and the early-stopping state.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch

from hepscaling.errors import UsageError
from hepscaling.records import CHECKPOINT_NAME

__all__ = ["CHECKPOINT_NAME", "load_checkpoint", "save_checkpoint"]


def save_checkpoint(state: dict[str, Any], run_dir: str | os.PathLike) -> Path:
    """Write ``state`` to ``run_dir/checkpoint.pt`` via a temporary file and a rename."""
    path = Path(run_dir) / CHECKPOINT_NAME
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(run_dir: str | os.PathLike, run_id: str,
                    device: torch.device) -> dict[str, Any] | None:
    """The checkpoint of run ``run_id`` in ``run_dir`` (tensors on ``device``), or None.

    Raises :class:`UsageError` if the directory holds the checkpoint of a different config.
    """
    path = Path(run_dir) / CHECKPOINT_NAME
    if not path.exists():
        return None
    state = torch.load(path, map_location=device, weights_only=True)
    if state.get("run_id") != run_id:
        raise UsageError(f"{path} belongs to run {state.get('run_id')!r}, not to this config "
                         f"(run {run_id!r}); use a fresh --out directory or delete it")
    return state
