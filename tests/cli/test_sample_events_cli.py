"""``hepscaling sample`` of event generators: a zmumu file of the events that pass the cuts,
defects counted in the provenance, seeded, the systematic condition; errors in one line."""

import numpy as np
import pytest

from helpers.cli import run_main
from helpers.zmumu_files import toy_events, write_toy_zmumu
from hepscaling.data.events import read_events, read_provenance
from hepscaling.data.samples import write_generated_events
from hepscaling.errors import UsageError
from hepscaling.physics import lorentz
from hepscaling.train.loop import run_training


def _train(root, systematic):
    dataset = write_toy_zmumu(root / "z.h5", 2000, seed=4)
    config = {"seed": 0, "device": "cpu", "loss": "generative",
              "task": {"kind": "event_generation", "dataset": dataset, "n_jets": 2,
                       "n_train": 400, "n_val": 100, "n_test": 100, "n_nll": 20,
                       "n_samples": 50, "classifier": False, "systematic": systematic},
              "model": {"family": "cfm", "width": 32, "depth": 1, "steps": 4},
              "train": {"steps": 40, "batch_size": 100, "eval_every": 20}}
    run_dir = root / ("sys" if systematic else "run")
    return run_dir, run_training(config, run_dir, progress=False, threads=1)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("cfm")
    return {"plain": _train(root, False), "systematic": _train(root, True)}


def test_sample_writes_valid_events_and_counts_the_rest(runs, tmp_path, monkeypatch, capsys):
    run_dir, record = runs["plain"]
    out = tmp_path / "gen.h5"
    code, stdout, stderr = run_main(monkeypatch, capsys, "sample", str(run_dir), "-n", "300",
                                    "--out", str(out), "--seed", "3")
    assert code == 0 and stderr == "", stderr
    assert f"300 events drawn from run {record.run_id}" in stdout and "defects:" in stdout
    events = read_events(out)  # validated: on shell, pT > 20 GeV, ordered, Delta R >= 0.4
    made = read_provenance(out)["generated_by"]
    assert made["run_id"] == record.run_id and made["seed"] == 3 and made["n_drawn"] == 300
    assert len(events["n_jets"]) == 300 - made["n_dropped"] > 0
    assert (events["n_jets"] == 2).all() and made["condition_a"] is None
    assert set(made["defects"]) == {"non_finite", "out_of_support", "jet_pt_below_min",
                                    "delta_r_below_min", "jets_unordered"}
    assert made["n_dropped"] <= sum(made["defects"].values())
    again = tmp_path / "again.h5"
    run_main(monkeypatch, capsys, "sample", str(run_dir), "-n", "300", "--out", str(again),
             "--seed", "3")
    np.testing.assert_array_equal(read_events(again)["momenta"], events["momenta"])
    # a uniform global azimuth: the mu+ points anywhere
    phi = lorentz.phi(events["momenta"][:, 0])
    assert phi.min() < -2 and phi.max() > 2


def test_systematic_run_samples_at_the_given_a(runs, tmp_path, monkeypatch, capsys):
    run_dir, _ = runs["systematic"]
    out = tmp_path / "a10.h5"
    code, stdout, stderr = run_main(monkeypatch, capsys, "sample", str(run_dir), "-n", "50",
                                    "--out", str(out), "--condition", "10")
    assert code == 0, stderr
    assert ", a = 10)" in stdout and read_provenance(out)["generated_by"]["condition_a"] == 10


@pytest.mark.parametrize(("run", "args", "message"), [
    ("plain", ["--condition", "5"], "was not trained with task.systematic"),
    ("systematic", ["--condition", "40"], "outside the trained range"),
    ("plain", ["--temperature", "0.5"], "apply to token generators"),
])
def test_bad_options_are_one_line_errors(runs, tmp_path, monkeypatch, capsys, run, args,
                                         message):
    code, stdout, stderr = run_main(monkeypatch, capsys, "sample", str(runs[run][0]), "-n",
                                    "5", "--out", str(tmp_path / "gen.h5"), *args)
    assert code == 2 and stdout == "" and message in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_writer_refuses_events_that_break_the_cuts(tmp_path):
    momenta, n_jets = toy_events(20, seed=0)
    momenta[3, 2, 1:3] *= 0.1  # a soft jet
    with pytest.raises(UsageError, match="generated events: a jet of event 3 has pT"):
        write_generated_events(tmp_path / "bad.h5", momenta, n_jets, {})
