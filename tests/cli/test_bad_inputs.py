"""A table of bad inputs across the CLI: each exits 2 with empty stdout and one stderr line
naming the problem (the contract of :func:`hepscaling.cli.main`, STYLE 8 and 9).

Every case fails before any training or generation work starts, so the table runs in seconds.
``{d}`` in the arguments is a directory of prepared input files (see :func:`inputs`), ``{o}`` a
fresh directory of the case for outputs.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from helpers.amplitude_files import write_toy_amplitudes
from helpers.cli import run_main
from helpers.synthetic_sweep import write_sweep

_TTH = ("data", "amplitudes", "-n", "10", "--sqrt-s", "1000", "-o", "{o}/o.h5", "-p")
_XSEC = ("amplitudes", "xsec", "-n", "100", "--sqrt-s", "500", "-p")
_GEN = ("data", "amplitudes", "-p", "e+ e- > mu+ mu-", "--sqrt-s", "91", "-o", "{o}/o.h5")
_JETS = ("jets", "generate", "--out", "{o}/jets.h5")
_TRAIN = ("train", "amplitudes_mlp", "--out", "{o}/run", "--set", "task.dataset={d}/toy.h5",
          "--set", "task.n_train=100", "--set", "task.n_val=50", "--set", "task.n_test=50")
_EVAL = ("amplitudes", "eval", "-p", "u u~ > g g g", "-o", "{o}/me2.npy", "-m")


def _yaml(name: str, text: str) -> tuple[str, str]:
    return name, text


#: YAML files written into the input directory: name -> text
_FILES = dict([
    _yaml("broken.yaml", "seed: [1, 2\n"),
    _yaml("list.yaml", "- 1\n- 2\n"),
    _yaml("empty.yaml", ""),
    _yaml("trian.yaml", "task: {kind: amplitude_regression, dataset: x.h5}\n"
          "model: {family: mlp}\ntrian: {steps: 1000}\n"),
    _yaml("widht.yaml", "task: {kind: amplitude_regression, dataset: x.h5}\n"
          "model: {family: mlp, widht: 3}\ntrain: {steps: 1000}\n"),
    _yaml("nokind.yaml", "task: {dataset: x.h5}\nmodel: {family: mlp}\ntrain: {steps: 1000}\n"),
    _yaml("lr.yaml", "task: {kind: amplitude_regression, dataset: x.h5}\n"
          "model: {family: mlp}\ntrain: {steps: 1000, lr: fast}\n"),
    _yaml("kind.yaml", "task: {kind: regression, dataset: x.h5}\n"
          "model: {family: mlp}\ntrain: {steps: 1000}\n"),
    _yaml("family.yaml", "task: {kind: amplitude_regression, dataset: x.h5}\n"
          "model: {family: mpl}\ntrain: {steps: 1000}\n"),
    _yaml("two_lengths.yaml", "task: {kind: amplitude_regression, dataset: x.h5}\n"
          "model: {family: mlp}\ntrain: {steps: 1000, epochs: 2}\n"),
    _yaml("warmup.yaml", "task: {kind: amplitude_regression, dataset: x.h5}\n"
          "model: {family: mlp}\ntrain: {steps: 50, warmup_steps: 100}\n"),
    _yaml("loss.yaml", "task: {kind: amplitude_regression, dataset: x.h5}\n"
          "model: {family: mlp}\nloss: cross_entropy\ntrain: {steps: 1000}\n"),
    _yaml("spec_broken.yaml", "name: [x\n"),
    _yaml("spec_unknown.yaml", "name: s\nbase: {}\naxes: {}\nmodee: grid\n"),
    _yaml("notes.txt", "just text\n"),
    _yaml("spec.yaml", "name: s\nbase:\n  task: {kind: amplitude_regression, dataset: x.h5}\n"
          "  model: {family: mlp}\n  train: {steps: 1000, warmup_steps: 1}\n"
          "axes: {seed: [0, 1]}\n"),
])


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """A directory of good and bad input files shared by the table."""
    d = tmp_path_factory.mktemp("inputs")
    for name, text in _FILES.items():
        (d / name).write_text(text)
    write_toy_amplitudes(d / "toy.h5", n=400)
    write_toy_amplitudes(d / "nan.h5", n=400, nan_row=3)
    write_toy_amplitudes(d / "nan.npy", n=400, nan_row=3, layout="npy")
    (d / "corrupt.h5").write_bytes(b"not an hdf5 file at all" * 10)
    (d / "zero.h5").write_bytes(b"")
    with h5py.File(d / "misshaped.h5", "w") as f:
        f["momenta"], f["me2"] = np.ones((400, 3)), np.ones(400)
        f.attrs["provenance"] = json.dumps({"process": "u u~ > g g g"})
        f.attrs["n_complete"] = 400
    np.save(d / "misshaped.npy", np.ones((10, 7)))
    (d / "afile").write_text("a file where a directory is expected\n")
    write_sweep(d / "sweep", bad_runs=False)
    write_sweep(d / "small", sizes=(100, 300), seeds=1, bad_runs=False)
    return d


#: (case id, arguments, text the one stderr line must contain)
CASES = [
    # process strings
    ("process-empty", (*_TTH, ""), "process"),
    ("process-no-arrow", (*_TTH, "u u~ t t~"), "'>'"),
    ("process-no-final", (*_TTH, "u u~ >"), "outgoing"),
    ("process-unknown-particle", (*_TTH, "u u~ > t t~ zz"), "zz"),
    ("process-charge", (*_TTH, "e+ e- > mu+ mu+"), "charge"),
    ("process-below-threshold", ("data", "amplitudes", "-p", "u u~ > t t~ h", "-n", "10",
                                 "--sqrt-s", "100", "-o", "{o}/o.h5"), "threshold"),
    ("process-loop-induced", (*_TTH, "g g > h g"), "g g > h g"),
    ("process-one-incoming", (*_XSEC, "t > w+ b"), "2 incoming"),
    ("process-coupling-order", (*_TTH, "u u~ > t t~ QCD<=x"), "QCD"),
    ("xsec-uncut-gluons", (*_XSEC, "u u~ > g g"), "--pt-min"),
    ("xsec-uncut-photons", (*_XSEC, "e+ e- > a a"), "--pt-min"),
    ("xsec-3-body-eta-cut-only", (*_XSEC, "u u~ > g g g", "--eta-max", "2.5"), "--pt-min"),
    ("xsec-3-body-no-pair-cut", (*_XSEC, "g g > g g g", "--pt-min", "20"), "--delta-r-min"),
    ("xsec-photon-lepton-no-pair-cut", (*_XSEC, "e+ e- > mu+ mu- a", "--pt-min", "5"),
     "--delta-r-min"),
    # sizes and numbers
    ("n-zero", (*_GEN, "-n", "0"), "-n"),
    ("n-negative", (*_GEN, "-n", "-5"), "-n"),
    ("n-not-a-number", (*_GEN, "-n", "abc"), "-n"),
    ("chunk-size-zero", (*_GEN, "-n", "10", "--chunk-size", "0"), "--chunk-size"),
    ("sqrt-s-negative", (*_XSEC[:4], "--sqrt-s", "-5", "-p", "e+ e- > mu+ mu-"), "--sqrt-s"),
    ("xsec-n-one", ("amplitudes", "xsec", "-n", "1", "--sqrt-s", "91", "-p", "e+ e- > mu+ mu-"),
     "-n"),
    ("seed-negative", (*_GEN, "-n", "10", "--seed", "-1"), "--seed"),
    ("eta-max-negative", (*_GEN, "-n", "10", "--eta-max", "-1"), "--eta-max"),
    ("jets-n-zero", (*_JETS, "-n", "0"), "-n"),
    ("jets-chunk-zero", (*_JETS, "--chunk-size", "0"), "--chunk-size"),
    ("jets-workers-zero", (*_JETS, "--workers", "0"), "--workers"),
    ("jets-max-particles-zero", (*_JETS, "--max-particles", "0"), "--max-particles"),
    ("jets-seed-negative", (*_JETS, "--seed", "-3"), "--seed"),
    ("jets-unknown-class", (*_JETS, "--classes", "qcd,wz"), "wz"),
    ("jets-no-class", (*_JETS, "--classes", ","), "--classes"),
    ("train-threads-zero", (*_TRAIN, "--threads", "0"), "--threads"),
    ("sweep-workers-zero", ("sweep", "run", "{d}/spec_broken.yaml", "--out", "{o}/s", "-w", "0"),
     "--workers"),
    ("n-train-too-large", (*_TRAIN, "--set", "task.n_train=100000"), "n_train"),
    # paths
    ("out-under-proc", (*_GEN, "-n", "10", "-o", "/proc/hepscaling/o.h5"), "/proc/hepscaling"),
    ("out-parent-is-file", (*_GEN, "-n", "10", "-o", "{d}/afile/o.h5"), "afile"),
    ("train-out-under-proc", (*_TRAIN[:2], "--out", "/proc/hepscaling/run", *_TRAIN[4:]),
     "/proc/hepscaling"),
    ("train-out-parent-is-file", (*_TRAIN[:2], "--out", "{d}/afile/run", *_TRAIN[4:]), "afile"),
    ("train-config-missing", ("train", "{d}/missing.yaml", "--out", "{o}/run"), "missing.yaml"),
    ("train-unknown-preset", ("train", "amplitude_mlp", "--out", "{o}/run"), "amplitudes_mlp"),
    ("train-dataset-missing", (*_TRAIN, "--set", "task.dataset={d}/missing.h5"), "missing.h5"),
    ("train-dataset-text", (*_TRAIN, "--set", "task.dataset={d}/notes.txt"), "notes.txt"),
    ("eval-momenta-missing", (*_EVAL, "{d}/missing.npy"), "missing.npy"),
    ("eval-out-under-proc", ("amplitudes", "eval", "-p", "u u~ > g g g", "-m", "{d}/toy.h5",
                             "-o", "/proc/hepscaling/me2.npy"), "/proc/hepscaling"),
    ("sweep-spec-missing", ("sweep", "run", "{d}/missing.yaml", "--out", "{o}/s"), "missing"),
    ("sweep-status-missing", ("sweep", "status", "{d}/nosweep"), "nosweep"),
    ("sweep-table-missing", ("sweep", "table", "{d}/nosweep", "--out", "{d}/t.csv"), "nosweep"),
    ("sweep-table-out-under-proc", ("sweep", "table", "{d}/sweep", "--out",
                                    "/proc/hepscaling/t.csv"), "/proc/hepscaling"),
    ("sweep-table-out-parent-is-file", ("sweep", "table", "{d}/sweep", "--out",
                                        "{d}/afile/t.csv"), "afile"),
    ("sweep-out-parent-is-file", ("sweep", "run", "{d}/spec.yaml", "--out", "{d}/afile/s"),
     "afile"),
    ("fit-directory-missing", ("fit", "{d}/nosweep"), "nosweep"),
    ("report-out-under-proc", ("report", "{d}/sweep", "--out", "/proc/hepscaling/r",
                               "--bootstrap", "0"), "/proc/hepscaling"),
    ("report-out-parent-is-file", ("report", "{d}/sweep", "--out", "{d}/afile/r",
                                   "--bootstrap", "0"), "afile"),
    ("jets-out-under-proc", ("jets", "generate", "--out", "/proc/hepscaling/j.h5"),
     "/proc/hepscaling"),
    # YAML
    ("yaml-invalid", ("train", "{d}/broken.yaml", "--out", "{o}/run"), "invalid YAML"),
    ("yaml-list", ("train", "{d}/list.yaml", "--out", "{o}/run"), "mapping"),
    ("yaml-empty", ("train", "{d}/empty.yaml", "--out", "{o}/run"), "mapping"),
    ("yaml-unknown-top-key", ("train", "{d}/trian.yaml", "--out", "{o}/run"), "'train'"),
    ("yaml-unknown-nested-key", ("train", "{d}/widht.yaml", "--out", "{o}/run"), "'width'"),
    ("yaml-missing-kind", ("train", "{d}/nokind.yaml", "--out", "{o}/run"), "task.kind"),
    ("yaml-wrong-type", ("train", "{d}/lr.yaml", "--out", "{o}/run"), "train.lr"),
    ("yaml-unknown-kind", ("train", "{d}/kind.yaml", "--out", "{o}/run"), "regression"),
    ("yaml-unknown-family", ("train", "{d}/family.yaml", "--out", "{o}/run"), "mpl"),
    ("yaml-two-lengths", ("train", "{d}/two_lengths.yaml", "--out", "{o}/run"), "exactly one"),
    ("yaml-warmup-too-long", ("train", "{d}/warmup.yaml", "--out", "{o}/run"),
     "train.warmup_steps"),
    ("yaml-loss-task", ("train", "{d}/loss.yaml", "--out", "{o}/run"), "cross_entropy"),
    ("spec-invalid-yaml", ("sweep", "run", "{d}/spec_broken.yaml", "--out", "{o}/s"), "YAML"),
    ("spec-unknown-key", ("sweep", "run", "{d}/spec_unknown.yaml", "--out", "{o}/s"), "modee"),
    # --set
    ("set-no-equals", (*_TRAIN, "--set", "train.steps"), "KEY=VALUE"),
    ("set-empty-key", (*_TRAIN, "--set", "=5"), "KEY=VALUE"),
    ("set-unknown-section", (*_TRAIN, "--set", "trian.steps=5"), "--set trian.steps"),
    ("set-unknown-key-suggests", (*_TRAIN, "--set", "train.stpes=5"), "'train.steps'"),
    ("set-wrong-type", (*_TRAIN, "--set", "train.steps=abc"), "train.steps"),
    ("set-negative", (*_TRAIN, "--set", "train.steps=-1"), "train.steps"),
    ("set-warmup-too-long", (*_TRAIN, "--set", "train.steps=50"), "train.warmup_steps"),
    ("set-into-scalar", (*_TRAIN, "--set", "seed.x=1"), "seed"),
    ("device-unknown", (*_TRAIN, "--device", "tpu"), "--device"),
    # corrupt, NaN and mis-shaped data files
    ("h5-corrupt", (*_TRAIN, "--set", "task.dataset={d}/corrupt.h5"), "corrupt.h5"),
    ("h5-empty-file", (*_TRAIN, "--set", "task.dataset={d}/zero.h5"), "zero.h5"),
    ("h5-nan", (*_TRAIN, "--set", "task.dataset={d}/nan.h5"), "nan.h5"),
    ("h5-misshaped", (*_TRAIN, "--set", "task.dataset={d}/misshaped.h5"), "misshaped.h5"),
    ("eval-corrupt", (*_EVAL, "{d}/corrupt.h5"), "corrupt.h5"),
    ("eval-misshaped", (*_EVAL, "{d}/misshaped.npy"), "misshaped.npy"),
    ("eval-nan", (*_EVAL, "{d}/nan.npy"), "nan.npy"),
    ("eval-wrong-process", ("amplitudes", "eval", "-p", "e+ e- > mu+ mu-", "-o", "{o}/me2.npy",
                            "-m", "{d}/toy.h5"), "e+ e- > mu+ mu-"),
    # fits on too little or wrong data
    ("fit-too-few-points", ("fit", "{d}/small", "--bootstrap", "0"), "at least 4 runs"),
    ("fit-unknown-metric", ("fit", "{d}/sweep", "--metric", "test_mse_typo"), "test_mse_typo"),
    ("fit-holdout-too-large", ("fit", "{d}/sweep", "--holdout", "6", "--bootstrap", "0"),
     "--holdout"),
    ("fit-level-out-of-range", ("fit", "{d}/sweep", "--level", "1.5"), "--level"),
    ("predict-at-zero", ("predict", "{d}/sweep", "--at", "0", "--bootstrap", "0"), "--at"),
    ("predict-target-negative", ("predict", "{d}/sweep", "--target", "-1", "--bootstrap", "0"),
     "--target"),
    ("report-unknown-law", ("report", "{d}/sweep", "--out", "{o}/r", "--law", "joint"),
     "--law"),
    ("report-too-few-points", ("report", "{d}/small", "--out", "{o}/r2", "--bootstrap", "0"),
     "distinct"),
]


@pytest.mark.parametrize(("args", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2(monkeypatch, capsys, tmp_path, inputs, args, needle):
    argv = [a.replace("{d}", str(inputs)).replace("{o}", str(tmp_path)) for a in args]
    code, out, err = run_main(monkeypatch, capsys, *argv)
    lines = [line for line in err.splitlines() if line.strip()]
    assert (code, out) == (2, ""), err
    assert len(lines) == 1, err
    assert needle.replace("{d}", str(inputs)) in lines[0], lines[0]
    assert "internal error" not in lines[0]


def test_table_is_large_enough():
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)
