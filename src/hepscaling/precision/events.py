"""The precision of a generated Z -> mu mu + jets sample against held-out truth, with its
truth-vs-truth floor (arXiv:2305.16774).

:func:`measure_event_precision` reads a truth file and a generated file in the zmumu layout
(:mod:`hepscaling.data.events`: ``momenta`` float64 ``(n, 5, 4)`` GeV, ``n_jets`` int
``(n,)``), keeps the events with exactly ``n_jets`` jets, computes their physics observables
(:mod:`hepscaling.physics.events.observables`: muon and jet pT, eta, Delta phi, jet masses,
M_mumu, 1/Delta R_jj) and trains two classifiers with the same recipe and sizes
(:func:`~hepscaling.metrics.floor.floor_split`) through the one loop
(:func:`~hepscaling.precision.classifier.classifier_weights`):

- ``generated``: truth half A (reference) against the generated events (candidate);
- ``truth``: truth half A against truth half B, two disjoint random halves of the truth events
  (the floor: what the same classifier reports for a perfect generator at this size).

Both use ``n`` events per sample, ``n = min(|A|, |B|, |generated|)`` (optionally capped), so
the floor has the statistics of the measurement. The truth must be held out from the
generator's training; nothing here can check that, the caller chooses the file.

Files checked: the truth must satisfy the event definition (:func:`~hepscaling.data.events.
validate_events`); generated events only need the layout, and the ones that break the
definition are counted, never dropped silently: events with NaN or infinite momenta or
observables (excluded from the classifier, counted ``nonfinite``), events with two objects
closer than Delta R = 0.4, a jet below 20 GeV or a spacelike jet (``E < |p|`` beyond
rounding; kept, counted ``delta_r_below_cut``, ``jet_pt_below_cut``, ``spacelike_jet``).

Written to ``out``:

- ``precision.json`` (:data:`~hepscaling.records.PRECISION_NAME`, format
  :data:`~hepscaling.records.PRECISION_FORMAT`): the inputs (paths, data digests, ``n_jets``,
  observables, seed), event counts, and per run (``generated``, ``truth``) the test metrics
  of its record (``auc``, ``auc_sigma`` = its standard error at the test size, spread of log w,
  fraction of ``|w - 1| > 0.1``, weight tails, mean weights, calibration error), the run id and
  the run directory relative to ``out``;
- ``weights.h5``: per run, ``<run>/reference_index``, ``<run>/candidate_index`` (rows of the
  source files), ``<run>/reference_w``, ``<run>/candidate_w`` (``w = D / (1 - D)`` of every
  event used) and ``<run>/reference_split``, ``<run>/candidate_split`` (``0`` train, ``1``
  validation, ``2`` test: only test weights are unbiased);
- ``runs/<run>/``: the feature files and the run directory (record with the histograms of
  :mod:`hepscaling.tasks.two_sample`, checkpoint, log). A second call with the same arguments
  reuses the finished runs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from hepscaling.data.events import SHELL_RTOL, validate_events
from hepscaling.errors import UsageError, require_file
from hepscaling.metrics.floor import floor_split
from hepscaling.physics.events import DELTA_R_MIN, JET_PT_MIN, MAX_JETS, N_OBJECTS
from hepscaling.physics.events.observables import event_observables, observable_names
from hepscaling.physics.events.selection import pairwise_delta_r
from hepscaling.physics.lorentz import mass_squared, pt
from hepscaling.precision.classifier import DEFAULT_MODEL, ClassifierWeights, classifier_weights
from hepscaling.records import PRECISION_FORMAT, PRECISION_NAME, atomic_write_text
from hepscaling.tasks.splits import split_indices
from hepscaling.train.identity import data_digest

__all__ = ["EVENT_MODEL", "RUNS", "WEIGHTS_NAME", "EventPrecision", "measure_event_precision",
           "read_event_layout"]

WEIGHTS_NAME = "weights.h5"
#: the two runs: the measurement and its truth-vs-truth floor
RUNS: tuple[str, str] = ("generated", "truth")
#: the classifier of the discriminator-metric code: 4 x 256 LeakyReLU(0.1), dropout 0.1
EVENT_MODEL: dict[str, Any] = {**DEFAULT_MODEL, "dropout": 0.1}
_SPLITS = ("train", "val", "test")  # codes 0, 1, 2 in weights.h5


@dataclass(frozen=True)
class EventPrecision:
    """A finished measurement: ``summary`` (the content of ``precision.json``), the two trained
    classifiers ``runs["generated"]`` and ``runs["truth"]``, and the files written."""

    summary: dict[str, Any]
    runs: dict[str, ClassifierWeights]
    result: Path
    weights: Path


def read_event_layout(path: str | os.PathLike, role: str) -> dict[str, np.ndarray]:
    """``{"momenta": float64 (n, 5, 4), "n_jets": int64 (n,)}`` of the HDF5 file ``path`` in
    the zmumu layout, shapes and multiplicities checked (UsageError naming ``role``, e.g.
    ``"generated"``, and the fix); no check of the event definition."""
    path = require_file(path, f"{role} event file")
    with h5py.File(path, "r") as f:
        missing = [k for k in ("momenta", "n_jets") if k not in f]
        if missing:
            raise UsageError(f"{role} file {path} has no {' or '.join(missing)} dataset; an "
                             f"event file needs momenta ({'n'}, {N_OBJECTS}, 4) and n_jets "
                             "(n,) (hepscaling data zmumu, hepscaling sample)")
        momenta, n_jets = f["momenta"][()], f["n_jets"][()]
    n = momenta.shape[0] if momenta.ndim else 0
    if momenta.shape != (n, N_OBJECTS, 4) or momenta.dtype.kind != "f":
        raise UsageError(f"{role} file {path}: momenta have shape {momenta.shape} "
                         f"({momenta.dtype}), expected float (n, {N_OBJECTS}, 4)")
    if n_jets.shape != (n,) or n_jets.dtype.kind not in "iu":
        raise UsageError(f"{role} file {path}: n_jets has shape {n_jets.shape} "
                         f"({n_jets.dtype}), expected int ({n},)")
    bad = (n_jets < 1) | (n_jets > MAX_JETS)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise UsageError(f"{role} file {path}: event {first} has n_jets = {n_jets[first]}, "
                         f"expected 1 to {MAX_JETS}")
    return {"momenta": momenta.astype(np.float64), "n_jets": n_jets.astype(np.int64)}


def _selected(path: str | os.PathLike, role: str, n_jets: int, names: Sequence[str],
              strict: bool) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Row indices ``(m,)`` and observables float64 ``(m, len(names))`` of the usable events
    with ``n_jets`` jets of ``path``, and the event counts (module docstring). ``strict``:
    the whole file must satisfy the event definition (truth)."""
    events = read_event_layout(path, role)
    momenta, multiplicity = events["momenta"], events["n_jets"]
    if strict:
        validate_events(momenta, multiplicity, f"{role} file {path}")
    rows = np.flatnonzero(multiplicity == n_jets)
    if not rows.size:
        found = ", ".join(str(k) for k in np.unique(multiplicity)) or "none"
        raise UsageError(f"{role} file {path} has no events with {n_jets} jet(s) (it has "
                         f"{found}); choose --n-jets among those")
    chosen = momenta[rows]
    x = event_observables(chosen, names)
    finite = np.isfinite(chosen).all(axis=(1, 2)) & np.isfinite(x).all(axis=1)
    present = np.arange(N_OBJECTS) < 2 + n_jets
    with np.errstate(invalid="ignore"):
        far = pairwise_delta_r(chosen, np.broadcast_to(present, chosen.shape[:2]))
        jets = chosen[:, 2:2 + n_jets]
        jet_pt = pt(jets)
        spacelike = mass_squared(jets) < -SHELL_RTOL * jets[..., 0] ** 2  # beyond rounding
    counts = {"in_file": int(multiplicity.size), "with_n_jets": int(rows.size),
              "nonfinite": int((~finite).sum()),
              "delta_r_below_cut": int((finite & (far < DELTA_R_MIN)).sum()),
              "jet_pt_below_cut": int((finite & (jet_pt < JET_PT_MIN).any(axis=1)).sum()),
              "spacelike_jet": int((finite & spacelike.any(axis=1)).sum())}
    return rows[finite], x[finite], counts


def _run_metrics(cw: ClassifierWeights) -> dict[str, Any]:
    """The test metrics of a run's record, without the ``test_`` prefix, plus its run id."""
    metrics = {k.removeprefix("test_"): v for k, v in cw.record.metrics.items()
               if k.startswith("test_")}
    return {**metrics, "auc_minus_half": cw.auc - 0.5, "run_id": cw.record.run_id}


def _split_codes(cw: ClassifierWeights, n: int) -> np.ndarray:
    """Split code (0 train, 1 validation, 2 test) int8 ``(n,)`` of each of the ``n`` events
    per sample of the run (the task's :func:`~hepscaling.tasks.splits.split_indices`)."""
    task = cw.record.config["task"]
    codes = np.full(n, -1, dtype=np.int8)
    for code, index in enumerate(split_indices(n, task["n_train"], task["n_val"],
                                               task["n_test"], task["split_seed"])[s]
                                 for s in _SPLITS):
        codes[index] = code
    return codes


def measure_event_precision(truth: str | os.PathLike, generated: str | os.PathLike,
                            out: str | os.PathLike, *, n_jets: int,
                            observables: Sequence[str] | None = None, seed: int = 0,
                            max_events: int | None = None,
                            model: Mapping[str, Any] | None = None,
                            train: Mapping[str, Any] | None = None,
                            test_fraction: float = 0.5, val_fraction: float = 0.05,
                            threads: int | None = None,
                            progress: bool | None = False) -> EventPrecision:
    """Measure the precision of the events ``generated`` against ``truth`` (zmumu layout) for
    events with ``n_jets`` jets, with the truth-vs-truth floor; write the outputs to ``out``
    (module docstring).

    Parameters
    ----------
    truth : held-out truth events (never the generator's training events).
    generated : generated events.
    out : output directory.
    n_jets : the exclusive jet multiplicity (1 to 3).
    observables : observable names (default: all defined for ``n_jets``).
    seed : seed of the truth halves, the subsets, the splits and the classifiers.
    max_events : cap on the events per sample (default: all the smallest sample has).
    model, train : keys replacing those of :data:`EVENT_MODEL` and of the classifier's
        training defaults (:data:`~hepscaling.precision.classifier.DEFAULT_TRAIN`).
    test_fraction, val_fraction : shares of the events per sample for the test AUC and for
        validation (default 50% and 5%, the discriminator-metric split).
    threads : torch CPU threads during training (None: unchanged).
    progress : show the loop's progress bars.

    Raises
    ------
    UsageError
        one line: a file that is not in the zmumu layout (e.g. without ``n_jets``), truth
        events breaking the event definition, a multiplicity outside 1-3 or absent from a
        file, unknown observables, too few events.
    """
    names = observable_names(n_jets) if observables is None else tuple(observables)
    if not names:
        raise UsageError("no observables chosen; name at least one (or none for all)")
    unknown = sorted(set(names) - set(observable_names(n_jets)))
    if unknown:
        raise UsageError(f"observable(s) {unknown} not defined for {n_jets} jet(s); choose "
                         f"from {', '.join(observable_names(n_jets))}")
    if max_events is not None and max_events < 2:
        raise UsageError(f"max_events must be at least 2, got {max_events}")
    truth_rows, truth_x, truth_counts = _selected(truth, "truth", n_jets, names, strict=True)
    gen_rows, gen_x, gen_counts = _selected(generated, "generated", n_jets, names,
                                            strict=False)
    split = floor_split(truth_rows.size, gen_rows.size, seed, max_events)
    half, n = split.half, split.n
    if n < 2:
        raise UsageError(f"{n} usable event(s) per sample with {n_jets} jet(s) (truth "
                         f"{truth_rows.size}, split in halves; generated {gen_rows.size}); "
                         "pass larger files")
    picked = {"A": split.reference, "B": split.floor, "generated": split.candidate}
    samples = {"A": (truth_rows, truth_x), "B": (truth_rows, truth_x),
               "generated": (gen_rows, gen_x)}
    pairs = {"generated": ("A", "generated"), "truth": ("A", "B")}
    out = Path(out)
    classifier = {**EVENT_MODEL, **(model or {})}
    runs = {run: classifier_weights(samples[ref][1][picked[ref]], samples[cand][1][picked[cand]],
                                    seed=seed, model=classifier, train=train,
                                    test_fraction=test_fraction, val_fraction=val_fraction,
                                    threads=threads, progress=progress, names=names,
                                    workdir=out / "runs" / run)
            for run, (ref, cand) in pairs.items()}

    weights_path = out / WEIGHTS_NAME
    with h5py.File(weights_path, "w") as f:
        for run, (ref, cand) in pairs.items():
            codes = _split_codes(runs[run], n)
            for role, sample in (("reference", ref), ("candidate", cand)):
                rows, x = samples[sample]
                f[f"{run}/{role}_index"] = rows[picked[sample]]
                f[f"{run}/{role}_w"] = runs[run].weights(x[picked[sample]])
                f[f"{run}/{role}_split"] = codes
    task = runs["generated"].record.config["task"]
    summary = {
        "format": PRECISION_FORMAT, "truth": str(truth), "generated": str(generated),
        "truth_digest": data_digest(str(truth)), "generated_digest": data_digest(str(generated)),
        "n_jets": n_jets, "observables": list(names), "seed": seed,
        "events": {"truth": {**truth_counts, "half": half},
                   "generated": gen_counts, "per_sample": n,
                   **{f"n_{s}": task[f"n_{s}"] for s in _SPLITS}},
        "model": runs["generated"].record.config["model"],
        "runs": {run: {**_run_metrics(cw), "directory": f"runs/{run}/run"}
                 for run, cw in runs.items()},
    }
    result = Path(atomic_write_text(out / PRECISION_NAME, json.dumps(summary, indent=1)))
    return EventPrecision(summary, runs, result, weights_path)
