"""Run records: one JSON file per training run, the single source every table, fit and report reads.

A record holds the fully resolved config, the run identity (a hash of the config in which the
dataset counts by the digest of its provenance, see :func:`hepscaling.train.config.run_id`),
that data digest, code version, seed, N (trainable parameters), D (training samples),
C (training FLOPs), the training length, wall time, device and CPU threads, final metrics and
metric curves versus step. Records are written atomically
(temporary file + rename), so a killed process never leaves a half-written record, and a
directory of records can be re-scanned at any time.

Layout: each run owns a directory holding ``record.json`` (:data:`RECORD_NAME`), its checkpoint
``checkpoint.pt`` (:data:`CHECKPOINT_NAME`) and its log ``run.log`` (:data:`LOG_NAME`, written
through :func:`logging_to` by the training loop and the sweep worker); a sweep directory holds
many such run directories, found by :func:`load_records`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hepscaling.errors import UsageError

__all__ = [
    "CHECKPOINT_NAME",
    "LOG_NAME",
    "PRECISION_FORMAT",
    "PRECISION_NAME",
    "RECORD_NAME",
    "RunRecord",
    "atomic_write_text",
    "config_hash",
    "default_file_mode",
    "flat_config",
    "load_records",
    "logging_to",
    "read_record",
    "record_paths",
    "records_frame",
    "utc_now",
    "write_record",
]

RECORD_NAME = "record.json"
CHECKPOINT_NAME = "checkpoint.pt"
LOG_NAME = "run.log"
#: the summary of a generator-precision measurement beside its two classifier runs
#: (written by hepscaling.precision.events, read by the report's precision section)
PRECISION_NAME = "precision.json"
PRECISION_FORMAT = "hepscaling.precision"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
Status = Literal["running", "done", "failed", "diverged"]


class RunRecord(BaseModel):
    """Everything downstream code needs to know about one training run."""

    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="constants")

    schema_version: int = 2
    run_id: str = Field(description="the run identity, see hepscaling.train.config.run_id")
    status: Status
    config: dict[str, Any] = Field(description="the fully resolved run config")
    code_version: str
    seed: int
    data_digest: str = Field("", description="identity of the training data (digest of the "
                             "dataset's provenance, see hepscaling.train.identity); '' when "
                             "the dataset could not be read")
    n_params: int = Field(0, description="N: trainable parameters counted for scaling laws "
                          "(Model.n_params_scaling: the jet GPT leaves out its embeddings)")
    n_train: int = Field(0, description="D: training samples")
    flops: float = Field(0.0, description="C: training FLOPs spent (analytic count)")
    flops_per_sample: float = Field(0.0, description="training FLOPs per sample (fwd + bwd)")
    steps: int = 0
    samples_seen: int = 0
    epochs: float = Field(0.0, description="passes over the D training samples")
    wall_time: float = Field(0.0, description="seconds")
    cpu_time: float = Field(0.0, description="CPU seconds of the training process over the same "
                            "span as wall_time, all its threads (0: not recorded); unlike "
                            "wall_time, barely changed by other jobs on shared cores")
    compile_time: float = Field(0.0, description="seconds of wall_time spent compiling the "
                                "model (train.compile; 0 for eager runs; see "
                                "hepscaling.train.compilation)")
    device: str = "cpu"
    precision: Literal["fp32", "bf16"] = Field(
        "fp32", description="precision of the training steps (train.precision with 'auto' "
        "resolved; see hepscaling.train.mixed_precision)")
    threads: int = Field(0, description="torch CPU threads of the run (0: not recorded)")
    started_at: str = ""
    finished_at: str = ""
    stop_reason: str = Field("", description="e.g. 'completed', 'early_stopping', 'diverged'")
    metrics: dict[str, float | None] = Field(default_factory=dict)
    curves: dict[str, list[float | None]] = Field(
        default_factory=dict, description="metric curves; every list aligned with curves['step']"
    )
    histograms: dict[str, dict[str, list[float]]] = Field(
        default_factory=dict,
        description="named histograms of the final test set, each {'edges': (n+1,), 'counts': (n,)}"
        " (e.g. 'test_pull' for heteroscedastic runs)",
    )
    error: str | None = None
    environment: dict[str, str] = Field(default_factory=dict)


def utc_now() -> str:
    """Current UTC time as an ISO-8601 string."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def config_hash(config: dict[str, Any]) -> str:
    """16 hex digits of the SHA-256 of ``config`` as canonical (sorted) JSON (the run id
    hashes the config with the dataset's identity in place of its path)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def default_file_mode() -> int:
    """Mode of a new file under the process umask (``0o644`` under the usual ``022``)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file in the same directory and a rename.

    The file gets the permissions of any new file (``0o666`` less the umask), not the
    owner-only ``0o600`` of the temporary file it starts as.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, default_file_mode())
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_record(record: RunRecord, run_dir: str | os.PathLike) -> Path:
    """Atomically write ``record`` as ``run_dir/record.json``; returns the file path."""
    return atomic_write_text(Path(run_dir) / RECORD_NAME, record.model_dump_json(indent=1))


def read_record(path: str | os.PathLike) -> RunRecord:
    """Read one record (a ``record.json`` file or a run directory holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / RECORD_NAME
    if not path.exists():
        raise UsageError(f"run record not found: {path} (point to a run directory or record.json)")
    try:
        return RunRecord.model_validate_json(path.read_text())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "<top>"
        raise UsageError(f"malformed run record {path}: {where}: {first['msg']}") from exc


def record_paths(directory: str | os.PathLike) -> list[Path]:
    """The ``record.json`` files under ``directory`` (recursively, sorted).

    Records below a hidden directory (a name starting with ``.``) are not runs of this
    directory but copies, e.g. the artifacts of an MLflow store ``DIR/.mlflow``, and are skipped.
    Raises :class:`UsageError` if the directory does not exist.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise UsageError(f"run directory not found: {directory} (pass the --out of a sweep or run)")
    return sorted(p for p in directory.rglob(RECORD_NAME)
                  if not any(part.startswith(".") for part in p.relative_to(directory).parts[:-1]))


def load_records(directory: str | os.PathLike) -> list[RunRecord]:
    """All records of :func:`record_paths` ``(directory)``, sorted by run id."""
    return sorted((read_record(p) for p in record_paths(directory)), key=lambda r: r.run_id)


def _flatten(prefix: str, obj: Any, out: dict[str, Any]) -> None:
    if isinstance(obj, dict):
        for key, value in obj.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, out)
    elif isinstance(obj, list | tuple):
        out[prefix] = json.dumps(obj)
    else:
        out[prefix] = obj


def flat_config(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` flattened to dotted keys (``{"model": {"width": 8}}`` -> ``{"model.width":
    8}``), lists and tuples as JSON text.

    >>> flat_config({"model": {"width": 8, "layers": [1, 2]}, "seed": 0})
    {'model.width': 8, 'model.layers': '[1, 2]', 'seed': 0}
    """
    out: dict[str, Any] = {}
    _flatten("", config, out)
    return out


def records_frame(records: list[RunRecord]):
    """One row per run: ``run_id, status, N, D, C, epochs, steps, wall_time, ...``, the final
    metrics as ``metric.<name>`` and the config flattened as ``config.<dotted.key>``.

    Returns a :class:`pandas.DataFrame` (empty, with the fixed columns, for no records).
    """
    import pandas as pd

    rows = []
    for r in records:
        row: dict[str, Any] = {column: getattr(r, field) for column, field in _FIXED.items()}
        row.update({f"metric.{k}": v for k, v in r.metrics.items()})
        row.update({f"config.{k}": v for k, v in flat_config(r.config).items()})
        rows.append(row)
    return pd.DataFrame(rows, columns=None if rows else list(_FIXED))


#: the fixed columns of :func:`records_frame` and the record fields they hold
_FIXED = {"run_id": "run_id", "status": "status", "seed": "seed", "N": "n_params",
          "D": "n_train", "C": "flops", "epochs": "epochs", "steps": "steps",
          "samples_seen": "samples_seen", "wall_time": "wall_time",
          "compile_time": "compile_time", "device": "device",
          "precision": "precision",
          "stop_reason": "stop_reason", "error": "error"}


class _RunLogHandler(logging.FileHandler):
    """Appends the log records of one thread to a run log."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8")
        self.thread = threading.get_ident()
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread == self.thread and super().filter(record)


@contextmanager
def logging_to(path: str | os.PathLike) -> Iterator[logging.FileHandler]:
    """Send this thread's log records (``hepscaling`` loggers from INFO, others from their own
    level) to ``path``, appending, while the block runs.

    Nested use for the same file and thread (the sweep worker around the training loop) adds
    no second handler, so every line is written once. Yields the file handler.
    """
    path = Path(path).resolve()
    root, package = logging.getLogger(), logging.getLogger("hepscaling")
    for handler in root.handlers:
        if (isinstance(handler, _RunLogHandler) and handler.baseFilename == str(path)
                and handler.thread == threading.get_ident()):
            yield handler
            return
    handler = _RunLogHandler(path)
    old_level = package.level
    package.setLevel(logging.INFO)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        package.setLevel(old_level)
        handler.close()
