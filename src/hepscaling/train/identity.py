"""Run identity: what makes two runs the same run, whatever directory their data live in.

A run is identified by its resolved config with each data file's *path* (the task config's
``DATA_FILES`` fields: ``task.dataset`` for most tasks, ``reference`` and ``candidate`` for the
two-sample classifier) replaced by the data's *identity* (:func:`data_digest`), hashed by
:func:`hepscaling.records.config_hash` (:func:`identity_hash`). So

- a sweep directory copied or moved elsewhere keeps its run ids (its finished runs stay
  finished; the runner points their records at the new paths);
- a dataset deleted and regenerated with other settings gives new run ids: the finished runs
  of the old data are not "done" for the new data;
- a dataset regenerated with the same settings (generation is seeded and deterministic) is the
  same data and keeps the run ids.

The data identity of a file is 16 hex digits of SHA-256 over

- its ``provenance`` root attribute (every hepscaling HDF5 dataset has one), as canonical
  JSON without the keys that may differ between bit-identical files
  (:data:`hepscaling.data.chunks.VOLATILE`: creation time, environment, code version, resumes);
- otherwise (row files ``.npy`` / 2-D ``.h5``, JetClass ``.root``): its size and content (the
  whole file up to 64 MiB, else its first and last 8 MiB, so planning a sweep on big external
  files stays fast).

A glob of files (JetClass) combines the identities of the matching files in name order. A
path matching no file keeps the path itself in the hash (the run then fails when it loads its
data, and that failed attempt holds no result; see :func:`hepscaling.train.loop.run_training`).
"""

from __future__ import annotations

import copy
import functools
import glob
import hashlib
import json
from pathlib import Path
from typing import Any

import h5py

from hepscaling.data.chunks import VOLATILE
from hepscaling.errors import UsageError
from hepscaling.records import config_hash
from hepscaling.tasks.base import task_config_class

__all__ = ["config_data_digest", "data_digest", "data_files", "identity_config", "identity_hash"]

_WHOLE = 64 * 2**20  # files up to this size are hashed whole
_SAMPLE = 8 * 2**20  # else this much of their start and of their end


def data_digest(dataset: str) -> str | None:
    """The identity of the data at ``dataset`` (a file path or a glob of files), or None when
    no file matches (see the module docstring)."""
    names = sorted(glob.glob(dataset)) if glob.has_magic(dataset) else [dataset]
    files = [Path(name).resolve() for name in names if Path(name).is_file()]
    if not files:
        return None
    if len(files) == 1:
        return _file_digest(files[0], *_stamp(files[0]))
    joined = ",".join(_file_digest(f, *_stamp(f)) for f in files)
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def _stamp(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


@functools.lru_cache(maxsize=256)
def _file_digest(path: Path, size: int, mtime_ns: int, inode: int) -> str:
    """Digest of one file; cached per (path, size, modification time, inode: a file replaced
    by a rename is a new inode)."""
    provenance = _provenance(path)
    sha = hashlib.sha256()
    if provenance is not None:
        kept = {k: v for k, v in provenance.items() if k not in VOLATILE}
        sha.update(b"provenance:" + json.dumps(kept, sort_keys=True, default=str).encode())
        return sha.hexdigest()[:16]
    sha.update(f"content:{size}:".encode())
    with open(path, "rb") as f:
        if size <= _WHOLE:
            sha.update(f.read())
        else:
            sha.update(f.read(_SAMPLE))
            f.seek(size - _SAMPLE)
            sha.update(f.read(_SAMPLE))
    return sha.hexdigest()[:16]


def _provenance(path: Path) -> dict | None:
    """The JSON ``provenance`` root attribute of an HDF5 file, or None."""
    if not h5py.is_hdf5(path):
        return None
    try:
        with h5py.File(path, "r") as f:
            found = json.loads(f.attrs["provenance"]) if "provenance" in f.attrs else None
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def data_files(task: dict[str, Any]) -> dict[str, str]:
    """The task's data-file fields (``DATA_FILES`` of its config class) that name a path."""
    try:
        keys = task_config_class(str(task.get("kind"))).DATA_FILES
    except UsageError:  # an unknown kind: the config fails when loaded; identify by its dataset
        keys = ("dataset",)
    return {key: task[key] for key in keys if isinstance(task.get(key), str)}


def identity_config(config: dict[str, Any]) -> dict[str, Any]:
    """A copy of the resolved ``config`` with each data-file path of its task replaced by
    ``"data:<digest>"`` (:func:`data_digest`), when it names existing files."""
    task = config.get("task")
    if not isinstance(task, dict):
        return config
    digests = {key: data_digest(path) for key, path in data_files(task).items()}
    if not any(digests.values()):
        return config
    out = copy.deepcopy(config)
    for key, digest in digests.items():
        if digest is not None:
            out["task"][key] = f"data:{digest}"
    return out


def config_data_digest(config: dict[str, Any]) -> str | None:
    """The identity of all the data ``config`` trains on (stored in the run record): the
    :func:`data_digest` of its one data file, or of several combined in field order; None
    when no file exists."""
    task = config.get("task")
    files = data_files(task) if isinstance(task, dict) else {}
    digests = [data_digest(path) for path in files.values()]
    if len(digests) == 1 or not any(digests):
        return digests[0] if digests else None
    text = json.dumps(dict(zip(files, digests, strict=True)), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def identity_hash(config: dict[str, Any]) -> str:
    """The run id of a resolved config: ``config_hash(identity_config(config))``."""
    return config_hash(identity_config(config))
