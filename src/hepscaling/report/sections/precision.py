"""Report section on generator precision by classifier weights (arXiv:2305.16774): the outputs
of :func:`hepscaling.precision.events.measure_event_precision` (``precision.json`` and its two
runs) or of any ``two_sample_classifier`` run records.

Per result (a measurement and, when there is one, its truth-vs-truth floor):

- a table of the test metrics beside the floor: AUC with its standard error at the test size,
  AUC - 0.5, spread of log w, fraction of ``|w - 1| > 0.1``, the weight tails
  (``w < 0.1``, ``< 0.5``, ``> 2``, ``> 10``), mean weights, calibration error, and the
  measurement minus the floor in units of their combined AUC error; counts of generated events
  that were non-finite or break the cuts;
- ``precision_<i>_weights``: log-binned weight histograms of truth (reference) and generated
  (candidate) test events, the floor's dashed;
- ``precision_<i>_calibration``: the reliability curve of both classifiers;
- ``precision_<i>_tails``: per observable, the shapes of all generated test events and of the
  generated events with ``w < 0.5`` (over-populated) and the truth events with ``w > 2``
  (missing), where the generator fails;
- ``precision_<i>_reweighted``: per observable, generated / truth and generated reweighted by
  ``w`` / truth, with the truth's statistical band (the reweighted ratio is flat at 1 where the
  classifier learned the density ratio).

Reads records and JSON only (no training, no data files).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hepscaling.errors import UsageError
from hepscaling.metrics.weights import TAIL_VIEW
from hepscaling.records import PRECISION_FORMAT, PRECISION_NAME, RunRecord, read_record
from hepscaling.report import plots
from hepscaling.report.html import Section, table

__all__ = ["PrecisionResult", "load_precision_results", "precision_section", "record_results",
           "tails_figure"]

_TASK = "two_sample_classifier"
#: the table rows: (label, metric key without "test_")
_ROWS: tuple[tuple[str, str], ...] = (
    ("AUC", "auc"), ("sigma(AUC) at the test size", "auc_sigma"),
    ("std log w (generated)", "candidate_log_w_std"),
    ("std log w (truth)", "reference_log_w_std"),
    ("fraction |w - 1| > 0.1 (generated)", "candidate_frac_w_off_0p1"),
    ("fraction w < 0.1 (generated)", "candidate_frac_w_lt_0p1"),
    ("fraction w < 0.5 (generated)", "candidate_frac_w_lt_0p5"),
    ("fraction w > 2 (generated)", "candidate_frac_w_gt_2"),
    ("fraction w > 10 (generated)", "candidate_frac_w_gt_10"),
    ("fraction w > 2 (truth)", "reference_frac_w_gt_2"),
    ("fraction w > 10 (truth)", "reference_frac_w_gt_10"),
    ("mean w (generated; 1 expected)", "candidate_mean_w"),
    ("calibration error", "calibration_error"))
_GRID_COLUMNS = 4


@dataclass(frozen=True)
class PrecisionResult:
    """One precision measurement: ``label``, the ``measured`` run (reference = truth,
    candidate = generated), its truth-vs-truth ``floor`` run (None for a bare record) and the
    ``summary`` of ``precision.json`` (empty for a bare record)."""

    label: str
    measured: RunRecord
    floor: RunRecord | None
    summary: dict[str, Any]


def load_precision_results(directory: str | os.PathLike) -> list[PrecisionResult]:
    """The results of every ``precision.json`` under ``directory`` (sorted by path), with the
    records of their two runs (UsageError: none found, or a run's record missing)."""
    root = Path(directory)
    if not root.is_dir():
        raise UsageError(f"{root} is not a directory; pass the --out directory of "
                         "'hepscaling precision measure'")
    results = []
    for path in sorted(root.rglob(PRECISION_NAME)):
        summary = json.loads(path.read_text())
        if summary.get("format") != PRECISION_FORMAT:
            continue
        runs = {run: read_record(path.parent / info["directory"])
                for run, info in summary["runs"].items()}
        label = str(path.parent.relative_to(root)) if path.parent != root else root.name
        results.append(PrecisionResult(label, runs["generated"], runs.get("truth"), summary))
    if not results:
        raise UsageError(f"no {PRECISION_NAME} under {root}; run 'hepscaling precision measure' "
                         "first")
    return results


def record_results(records: list[RunRecord], limit: int | None = None) -> list[PrecisionResult]:
    """A result without floor for each finished ``two_sample_classifier`` record (label: run
    id), e.g. the runs of a sweep; with ``limit``, only that many of the largest D."""
    kept = [r for r in records
            if r.config.get("task", {}).get("kind") == _TASK and r.status == "done"]
    kept.sort(key=lambda r: (-r.n_train, r.run_id))
    return [PrecisionResult(r.run_id, r, None, {}) for r in kept[:limit]]


def _value(record: RunRecord | None, key: str) -> float:
    value = record.metrics.get(f"test_{key}") if record is not None else None
    return math.nan if value is None else float(value)


def _table(result: PrecisionResult) -> str:
    rows: list[list[object]] = []
    for label, key in _ROWS:
        measured, floor = _value(result.measured, key), _value(result.floor, key)
        rows.append([label, measured, floor if result.floor is not None else "-",
                     measured - floor if result.floor is not None else "-"])
    auc, floor_auc = _value(result.measured, "auc"), _value(result.floor, "auc")
    sigma = math.hypot(_value(result.measured, "auc_sigma"), _value(result.floor, "auc_sigma"))
    rows.insert(2, ["(AUC - AUC_floor) / combined sigma",
                    (auc - floor_auc) / sigma if result.floor is not None else "-", "-", "-"])
    return table(["metric (test split)", "generated vs truth", "floor: truth vs truth",
                  "difference"], rows)


def _events_note(section: Section, result: PrecisionResult) -> None:
    events = result.summary.get("events")
    if not events:
        return
    gen, truth = events["generated"], events["truth"]
    section.note(
        f"{result.label}: {result.summary['n_jets']} jet(s); {events['per_sample']} events "
        f"per sample (train {events['n_train']}, validation {events['n_val']}, test "
        f"{events['n_test']}); truth {truth['with_n_jets']} events in two halves of "
        f"{truth['half']}; generated {gen['with_n_jets']} events, of which "
        f"{gen['nonfinite']} non-finite (excluded), {gen['delta_r_below_cut']} with Delta R "
        f"< 0.4, {gen['jet_pt_below_cut']} with a jet below 20 GeV and "
        f"{gen['spacelike_jet']} with a spacelike jet (kept)")


def _weights_figure(stem: Path, result: PrecisionResult) -> None:
    with plots.saved_figure(stem, f"{result.label}: classifier weights w = D / (1 - D)") as (ax,):
        for record, style, which in ((result.measured, "-", ""), (result.floor, "--",
                                                                   " (floor)")):
            if record is None:
                continue
            for sample, colour in (("reference", "C0"), ("candidate", "C1")):
                h = record.histograms.get(f"test_w_{sample}")
                if h is None:
                    continue
                name = "truth" if sample == "reference" else "generated"
                if which:
                    name = "truth A" if sample == "reference" else "truth B"
                ax.stairs(h["counts"], h["edges"], ls=style, color=colour,
                          label=f"{name}{which}")
        filled = [np.asarray(h["edges"])[np.flatnonzero(np.asarray(h["counts"]) > 0)[[0, -1]]
                                        + [0, 1]]
                  for r in (result.measured, result.floor) if r is not None
                  for k, h in r.histograms.items()
                  if k.startswith("test_w_") and np.any(np.asarray(h["counts"]) > 0)]
        if filled:  # the occupied decades, padded by one on each side
            ax.set_xlim(min(f[0] for f in filled) / 10, max(f[1] for f in filled) * 10)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("w")
        ax.set_ylabel("test events")
        plots.legend_if_labelled(ax, fontsize="x-small")


def _calibration_figure(stem: Path, result: PrecisionResult) -> None:
    with plots.saved_figure(stem, f"{result.label}: calibration") as (ax,):
        ax.plot([0, 1], [0, 1], ":", color="grey", label="calibrated")
        for record, style, name in ((result.measured, "o-", "generated vs truth"),
                                    (result.floor, "s--", "truth vs truth")):
            h = record.histograms.get("test_calibration") if record is not None else None
            if h is not None:
                predicted = np.array(h["predicted"], dtype=float)
                observed = np.array(h["observed"], dtype=float)
                ax.plot(predicted, observed, style, label=name)
        ax.set_xlabel("classifier output D")
        ax.set_ylabel("fraction of truth events")
        plots.legend_if_labelled(ax, fontsize="x-small")


def _features(record: RunRecord) -> list[str]:
    return [k.removeprefix("test_feature_") for k in record.histograms
            if k.startswith("test_feature_")]


def _density(counts: Any, edges: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    return counts / (total * np.diff(edges)) if total > 0 else counts


def tails_figure(stem: Path, title: str, histograms: Mapping[str, Mapping[str, Any]]) -> None:
    """Write the tail view ``stem`` (PNG and PDF): per observable (``histograms``: name ->
    a ``feature_<f>`` histogram of :mod:`hepscaling.tasks.two_sample`, at least ``edges``
    and the :data:`~hepscaling.metrics.weights.TAIL_VIEW` counts), the shapes of all
    generated events, of the generated events with ``w < 0.5`` (over-populated) and of the
    truth events with ``w > 2`` (missing), with their counts."""
    names = list(histograms)
    nrows = math.ceil(len(names) / _GRID_COLUMNS)
    with plots.saved_figure(stem, title, ncols=min(len(names), _GRID_COLUMNS), nrows=nrows) as axes:
        for ax, name in zip(axes, names, strict=False):
            h = histograms[name]
            edges = np.asarray(h["edges"])
            for key, style, label in zip(TAIL_VIEW, ("-", "-", "--"),
                                         ("generated, all", "generated, w < 0.5",
                                          "truth, w > 2"), strict=True):
                ax.stairs(_density(h[key], edges), edges, ls=style,
                          label=f"{label} ({int(np.sum(h[key]))})")
            ax.set_xlabel(name)
            ax.legend(fontsize="xx-small")
        for ax in axes[len(names):]:
            ax.set_axis_off()


def _tails_figure(stem: Path, result: PrecisionResult, names: list[str]) -> None:
    tails_figure(stem, f"{result.label}: where the weights fall (shapes)",
                 {name: result.measured.histograms[f"test_feature_{name}"] for name in names})


def _reweighted_figure(stem: Path, result: PrecisionResult, names: list[str]) -> None:
    nrows = math.ceil(len(names) / _GRID_COLUMNS)
    with plots.saved_figure(stem, f"{result.label}: generated / truth, plain and reweighted by w",
                            ncols=min(len(names), _GRID_COLUMNS), nrows=nrows) as axes:
        for ax, name in zip(axes, names, strict=False):
            h = result.measured.histograms[f"test_feature_{name}"]
            edges = np.asarray(h["edges"])
            truth = np.asarray(h["counts"], dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                band = np.asarray(h["errors"], dtype=float) / truth
                ax.stairs(1 + band, edges, baseline=1 - band, fill=True, alpha=0.3,
                          color="grey", label="truth stat.")
                for key, colour, label in (("candidate", "C1", "generated"),
                                           ("reweighted", "C2", "generated x w")):
                    ax.stairs(np.asarray(h[key], dtype=float) / truth, edges, color=colour,
                              label=label)
            ax.axhline(1.0, color="black", lw=0.8)
            ax.set_ylim(0.5, 1.5)
            ax.set_xlabel(name)
            ax.set_ylabel("/ truth")
            ax.legend(fontsize="xx-small")
        for ax in axes[len(names):]:
            ax.set_axis_off()


def precision_section(results: list[PrecisionResult], out: str | os.PathLike) -> Section:
    """The "Generator precision" section of ``results``; writes the figures
    ``precision_<i>_{weights,calibration,tails,reweighted}`` to ``out`` (``i`` = position in
    ``results``; tails and reweighted only when the records hold feature histograms)."""
    out = Path(out)
    section = Section("Generator precision (classifier weights)")
    section.note("w = D / (1 - D) = p_truth / p_generated per event (test split, never "
                 "trained on); floor = the same classifier between two disjoint truth halves "
                 "of the same size; a generator is resolved only where it differs from the "
                 "floor by more than the combined sigma(AUC)")
    for i, result in enumerate(results):
        section.blocks.append(f"<h3>{result.label}</h3>")
        if result.floor is None:
            section.note(f"{result.label}: no truth-vs-truth floor in this record; compare "
                         "sigma(AUC) instead")
        _events_note(section, result)
        section.blocks.append(_table(result))
        figures = {"weights": _weights_figure, "calibration": _calibration_figure}
        for name, draw in figures.items():
            draw(out / f"precision_{i}_{name}", result)
            section.figures.append(f"precision_{i}_{name}")
        names = _features(result.measured)
        if names:
            for name, grid in (("tails", _tails_figure), ("reweighted", _reweighted_figure)):
                grid(out / f"precision_{i}_{name}", result, names)
                section.figures.append(f"precision_{i}_{name}")
    return section
