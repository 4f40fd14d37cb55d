"""Benchmark: event generators in the two coordinate systems (``task.coordinates: objects`` vs
``dimuon``), trained on the same Pythia Z -> mu mu + 1 jet events.

Per family (``cfm``: the ``events_cfm`` preset, MLP 128 x 3, 3000 steps, D = 8000;
``event_gpt``: d32/L2/K10, the same steps, batch and schedule) one run per system through
:func:`hepscaling.train.loop.run_training`, on the same splits (split seed 0: the same training,
validation and test events). Reported side by side:

- ``classifier AUC`` (the run's end-of-run classifier between the test truth and
  ``n_samples`` generated events, on the observables incl. ``m_mumu``);
- the ``m_mumu`` peak of the usable generated events and of the test truth: FWHM (a histogram
  of 0.25 GeV bins in [71, 111] GeV, 3-bin moving average, half-maximum crossings
  interpolated linearly; error: standard deviation over 50 bootstrap resamples) and the
  quantile half-width ``(q75 - q25) / 2`` (for a pure Breit-Wigner this is ``Gamma / 2``);
- the test NLL in physical units (nats per event: the density of the muon three-momenta and jet
  four-momenta in GeV, both systems' Jacobians included, so the numbers compare) on the first
  ``n_nll`` test events, and the paired difference ``dimuon - objects`` on those same events
  with its standard error ``std(difference) / sqrt(n_nll)``;
- the sample defects (out of support, usable fraction) and the training wall time.

Data: ``hepscaling data zmumu -n 30000 --seed 1 --out DATA`` (about 23k events with one jet).
Runs go to ``--work`` (finished runs are reused, so a killed benchmark resumes).

Run:  nice -n 5 .venv/bin/python benchmarks/bench_event_coordinates.py --dataset DATA
        [--families cfm event_gpt] [--work /tmp/event_coordinates]
Writes benchmarks/results/event_coordinates.json and benchmarks/results/event_coordinates.md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402  (thread limits must be set before torch is imported)
import math  # noqa: E402
from importlib import resources  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import yaml  # noqa: E402

from _common import markdown_table, run_meta, write_results  # noqa: E402
from hepscaling.models.base import EventGenerator, build_model  # noqa: E402
from hepscaling.physics import lorentz  # noqa: E402
from hepscaling.tasks.base import build_task  # noqa: E402
from hepscaling.tasks.event_generation import EventGenerationTask  # noqa: E402
from hepscaling.train.checkpoint import load_checkpoint  # noqa: E402
from hepscaling.train.config import load_config  # noqa: E402
from hepscaling.train.loop import run_training  # noqa: E402

SYSTEMS = ("objects", "dimuon")
TASK = {"n_train": 8000, "n_val": 1000, "n_test": 10000, "n_nll": 2000, "n_samples": 10000}
MODELS = {"cfm": None,  # the preset's model section
          "event_gpt": {"family": "event_gpt", "width": 32, "depth": 2, "heads": 4,
                        "components": 10}}
BIN = 0.25  # GeV, of the m_mumu histogram
WINDOW = (71.0, 111.0)  # GeV
N_BOOTSTRAP = 50


def config(dataset: str, family: str, system: str) -> dict:
    """The run config: the ``events_cfm`` preset with the benchmark's task sizes, the
    coordinate system and (for event_gpt) its model section."""
    preset = yaml.safe_load(resources.files("hepscaling.configs").joinpath(
        "events_cfm.yaml").read_text())
    preset["device"] = "cpu"
    preset["task"].update(TASK, dataset=dataset, coordinates=system)
    if MODELS[family] is not None:
        preset["model"] = dict(MODELS[family])
    return preset


def fwhm(mass: np.ndarray) -> float:
    """Full width at half maximum (GeV) of the ``m_mumu`` peak of ``mass`` (module docstring)."""
    edges = np.arange(WINDOW[0], WINDOW[1] + BIN / 2, BIN)
    counts = np.convolve(np.histogram(mass, edges)[0], np.ones(3) / 3, mode="same")
    centres = 0.5 * (edges[1:] + edges[:-1])
    top = int(np.argmax(counts))
    half = counts[top] / 2

    def crossing(side: int) -> float:
        i = top
        while 0 < i < len(counts) - 1 and counts[i + side] > half:
            i += side
        j = i + side  # counts[i] > half >= counts[j]
        return float(np.interp(half, sorted([counts[i], counts[j]]),
                               [centres[j], centres[i]] if counts[j] < counts[i]
                               else [centres[i], centres[j]]))

    return crossing(+1) - crossing(-1)


def peak(mass: np.ndarray, seed: int = 0) -> dict:
    """FWHM with its bootstrap error, quantile half-width and median of ``mass`` (GeV)."""
    rng = np.random.default_rng(seed)
    boot = [fwhm(rng.choice(mass, mass.size)) for _ in range(N_BOOTSTRAP)]
    q25, q50, q75 = np.quantile(mass, [0.25, 0.5, 0.75])
    return {"fwhm": fwhm(mass), "fwhm_error": float(np.std(boot)),
            "half_width": float((q75 - q25) / 2), "median": float(q50), "n": int(mass.size)}


def m_mumu(momenta: np.ndarray) -> np.ndarray:
    """Pair mass (GeV) ``(n,)`` of events ``(n, 5, 4)``."""
    return lorentz.mass(momenta[:, 0] + momenta[:, 1])


def measure(dataset: str, family: str, system: str, work: Path) -> tuple[dict, np.ndarray]:
    """Train (or reuse) one run; its numbers and the per-event physical NLL ``(n_nll,)``."""
    run_dir = work / f"{family}_{system}"
    record = run_training(config(dataset, family, system), run_dir, progress=False, threads=1)
    if record.status != "done":
        raise RuntimeError(f"run {run_dir} ended {record.status}: {record.error}")
    cfg = load_config(record.config)
    device = torch.device("cpu")
    task = build_task(cfg.task, loss=cfg.loss, input_kind="events", device=device)
    assert isinstance(task, EventGenerationTask)
    model = build_model(cfg.model, task.inputs_spec, device=device)
    assert isinstance(model, EventGenerator)
    state = load_checkpoint(run_dir, record.run_id, device)
    assert state is not None
    best = state["best"].get("state")
    model.load_state_dict(best if best is not None else state["model"])
    model.eval()
    n = cfg.task.n_nll
    x = task.inputs("test")
    assert isinstance(x, torch.Tensor)  # no condition: not a systematic run
    log_q = model.log_prob(x[:n]).detach().double().numpy()
    nll = -task.maps.physical_log_prob(log_q, task.momenta["test"][:n],
                                       task.n_jets["test"][:n])
    y, generated, n_jets = task.sample_events(model, cfg.task.n_samples,
                                              seed=cfg.task.sample_seed)
    defects = task.maps.defects(y, generated, n_jets)
    usable = ~(defects["non_finite"] | defects["out_of_support"])
    m = record.metrics
    row = {"family": family, "system": system, "run_id": record.run_id,
           "n_params": record.n_params, "train_wall_s": record.wall_time,
           "classifier_auc": m.get("test_classifier_auc"),
           "classifier_log_w_std": m.get("test_classifier_log_w_std"),
           "nll": float(np.mean(nll)), "nll_error": float(np.std(nll) / math.sqrt(n)),
           "nll_record": m.get("test_nll"), "frac_usable": float(np.mean(usable)),
           "frac_out_of_support": float(np.mean(defects["out_of_support"])),
           "m_mumu": peak(m_mumu(generated[usable]))}
    return row, nll


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, help="zmumu file (hepscaling data zmumu)")
    parser.add_argument("--families", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--work", type=Path, default=Path("/tmp/event_coordinates"),
                        help="directory of the runs (finished runs are reused)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows, paired = [], []
    truth = None
    for family in args.families:
        nll = {}
        for system in SYSTEMS:
            row, nll[system] = measure(args.dataset, family, system, args.work)
            rows.append(row)
            print(f"{family} {system}: AUC {row['classifier_auc']:.3f}, FWHM "
                  f"{row['m_mumu']['fwhm']:.2f} GeV, NLL {row['nll']:.3f}", flush=True)
        difference = nll["dimuon"] - nll["objects"]
        paired.append({"family": family, "nll_difference": float(np.mean(difference)),
                       "nll_difference_error": float(np.std(difference)
                                                     / math.sqrt(difference.size)),
                       "n": int(difference.size)})
        if truth is None:
            cfg = load_config(config(args.dataset, family, "objects"))
            task = build_task(cfg.task, loss=cfg.loss, input_kind="events",
                              device=torch.device("cpu"))
            assert isinstance(task, EventGenerationTask)
            truth = peak(m_mumu(task.momenta["test"]))
    result = {"benchmark": "event_coordinates", "dataset": os.path.abspath(args.dataset),
              "task": TASK, **run_meta(), "truth_m_mumu": truth, "rows": rows,
              "paired": paired}
    write_results("event_coordinates", result, markdown(result))
    print(markdown(result), end="")


def markdown(r: dict) -> str:
    """The side-by-side table of ``r`` with its conditions."""
    t = r["truth_m_mumu"]
    header = ["family", "coordinates", "classifier AUC", "m_mumu FWHM (GeV)",
              "m_mumu half-width (GeV)", "NLL (nats/event)", "usable", "train wall (s)"]
    table = markdown_table(header, [[
        row["family"], row["system"], f"{row['classifier_auc']:.3f}",
        f"{row['m_mumu']['fwhm']:.2f} ± {row['m_mumu']['fwhm_error']:.2f}",
        f"{row['m_mumu']['half_width']:.2f}", f"{row['nll']:.3f} ± {row['nll_error']:.3f}",
        f"{row['frac_usable']:.4f}", f"{row['train_wall_s']:.0f}"]
        for row in r["rows"]] + [[
        "truth", "(test split)", "", f"{t['fwhm']:.2f} ± {t['fwhm_error']:.2f}",
        f"{t['half_width']:.2f}", "", "", ""]], align="llrrrrrr")
    paired = [f"- {p['family']}: NLL(dimuon) - NLL(objects) = {p['nll_difference']:+.3f} ± "
              f"{p['nll_difference_error']:.3f} nats per event (paired, the same {p['n']} test "
              "events)" for p in r["paired"]]
    task = r["task"]
    lines = [
        "# Event generators in two coordinate systems (task.coordinates)",
        "",
        f"Pythia Z -> mu mu + 1 jet events ({r['dataset']}); D = {task['n_train']} training "
        f"events, {task['n_test']} test events; {task['n_samples']} generated events for the "
        f"classifier and the m_mumu peak; NLL on the first {task['n_nll']} test events, in "
        "physical units (both systems' Jacobians to the same muon three-momenta and jet "
        f"four-momenta). Code {r['code_version']}; load average "
        f"{r['load_average_1_5_15'][0]:.1f} on 2 shared cores; torch on one thread.",
        "",
        *table,
        "",
        *paired,
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
