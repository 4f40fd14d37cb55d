"""Export run records to MLflow: one MLflow run per record, updated in place when exported again.

What a record becomes (experiment: ``--experiment``, by default the sweep's name):

- params: the resolved config flattened to dotted keys (``model.width``, ``train.lr``, ...);
- metrics: ``N``, ``D``, ``C`` (FLOPs), ``epochs``, ``steps``, ``wall_time`` (s) and the final
  metrics under their record names (``test_mse``, ...), at step = the run's steps; every curve
  of the record as the metric history ``curve/<name>`` by training step (non-finite points as
  NaN, timestamps ``started_at + wall_time`` where the record has them);
- tags: ``hepscaling.run_id``, ``hepscaling.status``, ``hepscaling.code_version``,
  ``hepscaling.sweep``, ``hepscaling.data_digest``, ``hepscaling.stop_reason``, the error of a
  failed run; the MLflow run status FINISHED (done), FAILED (failed, diverged) or RUNNING;
- artifacts: ``record.json``.

The sweep itself is one more MLflow run (tag ``hepscaling.kind = sweep``), the parent of the
records' runs, holding the sweep's HTML report (``report/``) as artifacts when there is one;
it is RUNNING while a record is, FINISHED otherwise.

Re-exporting never duplicates: runs are found by their ``hepscaling.run_id`` tag, and a run
remembers how far it was exported (tags ``hepscaling.exported_points`` and
``hepscaling.exported_state``), so only new curve points are logged and an unchanged record
is skipped. A run whose config changed in the store's eyes (e.g. a dataset path after the sweep
directory moved; MLflow params cannot change) is deleted and exported afresh.

Params longer than MLflow's limit are cut to it before logging (a store would cut them anyway,
and the cut value, compared with the full one, would look like a changed config on every
export). Each record is logged with one ``log_batch`` call where MLflow's per-call limits allow
(tracking servers are slow per request), and MLflow's run and experiment URLs are not printed
(a server makes MLflow print them to stdout, which belongs to our commands).

The default store is SQLite in the sweep directory, ``DIR/.mlflow/mlflow.db`` with artifacts
in ``DIR/.mlflow/mlartifacts`` (a hidden directory, so :func:`hepscaling.records.load_records`
does not mistake the exported ``record.json`` copies for runs); a local store elsewhere inside
the sweep directory is refused for the same reason.

:class:`LiveExport` repeats the export in the background while a sweep runs
(``hepscaling sweep run --mlflow``); against a tracking server its requests give up after
``LIVE_REQUEST_TIMEOUT`` seconds without retrying (MLflow's defaults, 120 s and 7 retries with
backoff, would hold a pass for minutes), unless ``MLFLOW_HTTP_REQUEST_TIMEOUT`` or
``MLFLOW_HTTP_REQUEST_MAX_RETRIES`` are set.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from hepscaling.errors import UsageError
from hepscaling.records import RunRecord, flat_config, read_record, record_paths
from hepscaling.sweeps.plan import PLAN_NAME, load_plan

__all__ = ["LIVE_REQUEST_TIMEOUT", "STORE_DIR", "ExportResult", "LiveExport",
           "default_tracking_uri", "export_mlflow", "import_mlflow"]

STORE_DIR = ".mlflow"
TAG = "hepscaling."
_STATUS = {"done": "FINISHED", "failed": "FAILED", "diverged": "FAILED", "running": "RUNNING"}
# MLflow's log_batch limits: params, tags, metrics and entries in all per call
_MAX_BATCH = {"params": 100, "tags": 100, "metrics": 1000}
_MAX_ENTRIES = 1000
_MAX_PARAM_VALUE, _MAX_TAG_VALUE = 6000, 5000  # MLflow cuts longer param values to 6000
LIVE_REQUEST_TIMEOUT = 10  # s, per request of a live export to a tracking server


@dataclass(frozen=True)
class ExportResult:
    """What an export did: the store, the experiment, the MLflow run id of the sweep's run
    (``sweep_run``) and of each record (``runs``: record run id -> MLflow run id), and how many
    records were ``created``, ``updated`` or ``unchanged``."""

    tracking_uri: str
    experiment: str
    experiment_id: str
    sweep_run: str
    runs: dict[str, str]
    created: int
    updated: int
    unchanged: int


def import_mlflow():
    """The ``mlflow`` module, or :class:`UsageError` naming the extra to install."""
    try:
        import mlflow
    except ImportError as exc:
        raise UsageError("MLflow is not installed; pip install 'hepscaling[mlflow]'") from exc
    return mlflow


def default_tracking_uri(directory: str | os.PathLike) -> str:
    """The default store of ``directory``: ``sqlite:///DIR/.mlflow/mlflow.db`` (absolute)."""
    return f"sqlite:///{Path(directory).resolve() / STORE_DIR / 'mlflow.db'}"


def _local_store(uri: str) -> tuple[str, Path] | None:
    """``("sqlite", db file)`` or ``("file", store directory)`` of a local store, else None."""
    parsed = urlparse(uri)
    if parsed.scheme == "sqlite":
        return "sqlite", Path(uri.removeprefix("sqlite:///")).resolve()
    if parsed.scheme in ("", "file"):
        return "file", Path(parsed.path if parsed.scheme else uri).resolve()
    return None


def _artifact_root(uri: str) -> Path | None:
    """Where a local store keeps artifacts (``mlartifacts`` next to a SQLite file; inside a
    file store); None for a tracking server."""
    store = _local_store(uri)
    if store is None:
        return None
    kind, path = store
    return path.parent / "mlartifacts" if kind == "sqlite" else path


def _check_store(directory: Path, uri: str) -> None:
    root = _artifact_root(uri)
    if root is None or not root.is_relative_to(directory.resolve()):
        return
    inside = root.relative_to(directory.resolve()).parts
    if not any(part.startswith(".") for part in inside):
        raise UsageError(f"the MLflow store {uri} keeps its artifacts in {root}, inside the sweep "
                         f"directory, where their record.json copies would count as runs; put "
                         f"it outside {directory} or under {directory / STORE_DIR}")


def _settings(uri: str, request_timeout: int | None) -> dict[str, str]:
    """MLflow's environment while exporting to ``uri``: no run URLs on stdout; a file store
    allowed (MLflow >= 3.7 refuses one unless ``MLFLOW_ALLOW_FILE_STORE`` is set, and one given
    explicitly is the user's choice); with ``request_timeout``, requests to a server that give
    up after that many seconds, without retrying."""
    settings = {"MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true"}
    store = _local_store(uri)
    if store is not None and store[0] == "file":
        settings["MLFLOW_ALLOW_FILE_STORE"] = "true"
    if store is None and request_timeout is not None:
        settings |= {"MLFLOW_HTTP_REQUEST_TIMEOUT": str(request_timeout),
                     "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"}
    return settings


@contextmanager
def _environment(settings: dict[str, str]) -> Iterator[None]:
    """Set the variables of ``settings`` that are not set already (the user's values win) for
    the duration of the block, and remove them after."""
    added = [name for name in settings if name not in os.environ]
    os.environ.update({name: settings[name] for name in added})
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def _millis(iso: str) -> int | None:
    try:
        return int(datetime.fromisoformat(iso).timestamp() * 1000)
    except ValueError:
        return None


def _sweep_name(directory: Path) -> str:
    return load_plan(directory).name if (directory / PLAN_NAME).is_file() else \
        directory.resolve().name


def _experiment(client, name: str, uri: str) -> str:
    """Id of experiment ``name`` (created, or restored if deleted)."""
    found = client.get_experiment_by_name(name)
    if found is None:
        store = _local_store(uri)
        location = (store[1].parent / "mlartifacts" / name).as_uri() \
            if store and store[0] == "sqlite" else None
        return client.create_experiment(name, artifact_location=location)
    if found.lifecycle_stage == "deleted":
        client.restore_experiment(found.experiment_id)
    return found.experiment_id


def _existing_runs(client, experiment_id: str) -> dict[str, Any]:
    """The active MLflow runs of the experiment that carry a ``hepscaling.run_id`` tag, by it."""
    runs: dict[str, Any] = {}
    token = None
    while True:
        page = client.search_runs([experiment_id], filter_string=f"tags.`{TAG}run_id` != ''",
                                  max_results=1000, page_token=token)
        runs.update({r.data.tags[f"{TAG}run_id"]: r for r in page})
        token = page.token
        if not token:
            return runs


def _log(client, run_id: str, *, params: dict[str, str], tags: dict[str, str],
         metrics: list) -> None:
    """Log everything in as few ``log_batch`` calls as MLflow's per-call limits allow (one,
    unless there are more than 100 params or tags or 1000 entries); the tags go last, so the
    last of them is logged only once everything else is."""
    from mlflow.entities import Param, RunTag

    entries = [("params", Param(k, v)) for k, v in params.items()] + \
        [("metrics", m) for m in metrics] + [("tags", RunTag(k, v)) for k, v in tags.items()]
    batch: dict[str, list] = {kind: [] for kind in _MAX_BATCH}
    for kind, entry in entries:
        if len(batch[kind]) == _MAX_BATCH[kind] or sum(map(len, batch.values())) == _MAX_ENTRIES:
            client.log_batch(run_id, **batch)
            batch = {kind: [] for kind in _MAX_BATCH}
        batch[kind].append(entry)
    if any(batch.values()):
        client.log_batch(run_id, **batch)


def _metric(key: str, value: float | None, timestamp: int, step: int):
    from mlflow.entities import Metric

    return Metric(key, float("nan") if value is None else float(value), timestamp, step)


def _curve_points(record: RunRecord, start: int) -> list:
    """The curve points from index ``start`` on, as ``curve/<name>`` metrics by step."""
    steps = record.curves.get("step", [])
    origin = _millis(record.started_at)
    walls = record.curves.get("wall_time")
    now = int(time.time() * 1000)
    points = []
    for i in range(start, len(steps)):
        wall = walls[i] if walls else None
        stamp = origin + int(1000 * wall) if origin is not None and wall is not None else now
        points += [_metric(f"curve/{key}", values[i], stamp, int(steps[i] or 0))
                   for key, values in record.curves.items() if key != "step"]
    return points


def _summary(record: RunRecord) -> list:
    """N, D, C, training length and the final metrics at step = the run's steps."""
    stamp = _millis(record.finished_at or record.started_at) or int(time.time() * 1000)
    values = {"N": record.n_params, "D": record.n_train, "C": record.flops,
              "epochs": record.epochs, "steps": record.steps, "wall_time": record.wall_time,
              **record.metrics}
    return [_metric(k, v, stamp, record.steps) for k, v in values.items()]


def _tags(record: RunRecord, sweep: str, parent: str) -> dict[str, str]:
    tags = {f"{TAG}run_id": record.run_id, f"{TAG}status": record.status,
            f"{TAG}code_version": record.code_version, f"{TAG}sweep": sweep,
            f"{TAG}data_digest": record.data_digest, f"{TAG}stop_reason": record.stop_reason,
            "mlflow.runName": record.run_id, "mlflow.parentRunId": parent}
    if record.error:
        tags[f"{TAG}error"] = record.error[:_MAX_TAG_VALUE]
    return tags


def _export_record(client, experiment_id: str, record: RunRecord, path: Path, existing,
                   sweep: str, parent: str) -> tuple[str, str]:
    """Create or update the MLflow run of ``record`` (read from ``path``); returns its MLflow
    run id and ``created``, ``updated`` or ``unchanged``."""
    params = {k: str(v)[:_MAX_PARAM_VALUE] for k, v in flat_config(record.config).items()}
    state = f"{record.status}:{record.steps}"
    if existing is not None and existing.data.params != {**existing.data.params, **params}:
        client.delete_run(existing.info.run_id)  # a param cannot change: export afresh
        existing = None
    if existing is not None and existing.data.tags.get(f"{TAG}exported_state") == state:
        return existing.info.run_id, "unchanged"
    if existing is None:
        run_id = client.create_run(experiment_id, start_time=_millis(record.started_at),
                                   run_name=record.run_id).info.run_id
        done = 0
    else:
        run_id = existing.info.run_id
        done = int(existing.data.tags.get(f"{TAG}exported_points", 0))
    client.log_artifact(run_id, str(path))
    _log(client, run_id, params=params, metrics=_curve_points(record, done) + _summary(record),
         tags={**_tags(record, sweep, parent),
               f"{TAG}exported_points": str(len(record.curves.get("step", []))),
               f"{TAG}exported_state": state})
    if record.status != "running":
        client.set_terminated(run_id, _STATUS[record.status],
                              end_time=_millis(record.finished_at))
    return run_id, "created" if existing is None else "updated"


def _sweep_run(client, experiment_id: str, sweep: str, report: Path | None) -> str:
    """The sweep's own MLflow run (found by tag, else created) with the report's files."""
    found = client.search_runs([experiment_id], filter_string=f"tags.`{TAG}kind` = 'sweep' and "
                               f"tags.`{TAG}sweep` = '{sweep}'", max_results=1)
    run_id = found[0].info.run_id if found else client.create_run(
        experiment_id, run_name=sweep, tags={f"{TAG}kind": "sweep", f"{TAG}sweep": sweep}
    ).info.run_id
    if report is not None:
        client.log_artifacts(run_id, str(report), artifact_path="report")
    return run_id


def export_mlflow(directory: str | os.PathLike, tracking_uri: str | None = None,
                  experiment: str | None = None, report: str | os.PathLike | None = None, *,
                  request_timeout: int | None = None) -> ExportResult:
    """Export every record under ``directory`` (a sweep or run directory) to MLflow.

    ``tracking_uri``: any MLflow URI (``sqlite:///path.db``, ``file:/path``, ``http://host:5000``);
    by default :func:`default_tracking_uri`. ``experiment``: by default the sweep's name (the
    directory's name without a sweep plan). ``report``: a report directory (``index.html`` and
    figures) to attach to the sweep's run; by default ``DIR/report`` if it holds an
    ``index.html``. ``request_timeout``: seconds after which a request to a tracking server
    gives up, without retrying (default: MLflow's, 120 s and 7 retries); the environment
    variables ``MLFLOW_HTTP_REQUEST_TIMEOUT`` and ``MLFLOW_HTTP_REQUEST_MAX_RETRIES`` win.

    Raises
    ------
    UsageError
        MLflow not installed, no records under ``directory``, a missing report directory, or a
        local store whose artifacts would land inside ``directory``.
    """
    mlflow = import_mlflow()
    directory = Path(directory)
    records = sorted(((read_record(p), p) for p in record_paths(directory)),
                     key=lambda pair: pair[0].run_id)
    if not records:
        raise UsageError(f"no run records under {directory} (pass the --out of a sweep or run)")
    if report is None:
        report = directory / "report" if (directory / "report" / "index.html").is_file() else None
    elif not (Path(report) / "index.html").is_file():
        raise UsageError(f"no report in {report} (make one with 'hepscaling report {directory} "
                         f"--out {report}' or leave --report out)")
    uri = tracking_uri or default_tracking_uri(directory)
    _check_store(directory, uri)
    if tracking_uri is None:
        (directory / STORE_DIR).mkdir(exist_ok=True)
    sweep = _sweep_name(directory)
    name = experiment or sweep
    with _environment(_settings(uri, request_timeout)):
        client = mlflow.MlflowClient(tracking_uri=uri)
        experiment_id = _experiment(client, name, uri)
        parent = _sweep_run(client, experiment_id, sweep, Path(report) if report else None)
        existing = _existing_runs(client, experiment_id)
        runs, outcomes = {}, []
        for record, path in records:
            runs[record.run_id], outcome = _export_record(
                client, experiment_id, record, path, existing.get(record.run_id), sweep, parent)
            outcomes.append(outcome)
        running = any(record.status == "running" for record, _ in records)
        client.update_run(parent, status="RUNNING" if running else "FINISHED")
    return ExportResult(uri, name, experiment_id, parent, runs, outcomes.count("created"),
                        outcomes.count("updated"), outcomes.count("unchanged"))


class LiveExport:
    """Export the records of a sweep directory to MLflow every ``interval`` seconds while the
    sweep runs, from a background thread of the driver (``hepscaling sweep run --mlflow``).

    The records stay the source of truth: each pass is an incremental :func:`export_mlflow`,
    so points written while the store was unreachable follow on the next pass. A failing store
    never fails or slows a run: a request to a tracking server gives up after
    ``request_timeout`` seconds without retrying, the first failure of a streak goes to
    ``warn`` (one line) and the export is retried on the next pass. On exit one last pass runs,
    waited for at most ``final_timeout`` seconds. Use it as a context manager around the sweep.
    """

    def __init__(self, directory: str | os.PathLike, tracking_uri: str | None = None, *,
                 interval: float = 10.0, warn: Callable[[str], object] = print,
                 final_timeout: float = 60.0,
                 request_timeout: int = LIVE_REQUEST_TIMEOUT) -> None:
        import_mlflow()  # fail before the sweep starts, not in the thread
        self.directory, self.uri = Path(directory), tracking_uri
        self.interval, self.warn, self.final_timeout = interval, warn, final_timeout
        self.request_timeout = request_timeout
        self.failing = False
        self._passes = threading.Lock()  # one pass at a time: two would both create a run
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="mlflow-export", daemon=True)

    def export_once(self) -> None:
        """One incremental export (nothing before the first record); failures warned once."""
        with self._passes:
            self._export()

    def _export(self) -> None:
        try:
            if self.directory.is_dir() and record_paths(self.directory):
                export_mlflow(self.directory, self.uri, request_timeout=self.request_timeout)
        except Exception as exc:  # any store failure: the runs go on, the next pass retries
            if not self.failing:
                self.warn(f"MLflow export to {self.uri or default_tracking_uri(self.directory)} "
                          f"failed ({type(exc).__name__}: {str(exc)[:200]}); the runs go on "
                          f"and the export is retried every {self.interval:g} s")
            self.failing = True
        else:
            self.failing = False

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.export_once()
        self.export_once()

    def __enter__(self) -> LiveExport:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(self.final_timeout)
        if self._thread.is_alive() or self.failing:
            self.warn(f"the MLflow store lags the run records (the source of truth); export "
                      f"them later with 'hepscaling export mlflow {self.directory}"
                      f"{f' --tracking-uri {self.uri}' if self.uri else ''}'")
