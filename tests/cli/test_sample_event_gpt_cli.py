"""``hepscaling sample`` of an event_gpt trained on every multiplicity (n_jets: all): the file
holds events of the multiplicities the model drew, in the zmumu layout."""

import numpy as np

from helpers.cli import run_main
from helpers.zmumu_files import write_toy_zmumu
from hepscaling.data.events import read_events, read_provenance
from hepscaling.train.loop import run_training


def test_sample_writes_the_drawn_multiplicities(tmp_path, monkeypatch, capsys):
    dataset = write_toy_zmumu(tmp_path / "z.h5", 1200, seed=5)
    config = {"seed": 0, "device": "cpu", "loss": "generative",
              "task": {"kind": "event_generation", "dataset": dataset, "n_jets": "all",
                       "n_train": 800, "n_val": 100, "n_test": 200, "n_nll": 20,
                       "n_samples": 50, "classifier": False},
              "model": {"family": "event_gpt", "width": 16, "depth": 1, "heads": 2,
                        "components": 3},
              "train": {"steps": 40, "batch_size": 100, "lr": 1e-2, "eval_every": 40}}
    run_training(config, tmp_path / "run", progress=False, threads=1)
    out = tmp_path / "gen.h5"
    code, _, stderr = run_main(monkeypatch, capsys, "sample", str(tmp_path / "run"), "-n", "400",
                               "--out", str(out))
    assert code == 0 and stderr == "", stderr
    events = read_events(out)  # validated: zero padding matches n_jets, cuts hold
    made = read_provenance(out)["generated_by"]
    assert made["n_jets"] == "all" and len(events["n_jets"]) == 400 - made["n_dropped"]
    counts = np.bincount(events["n_jets"], minlength=4)[1:]
    assert np.all(counts > 0) and counts[0] > counts[2]  # toy fractions 0.6, 0.3, 0.1
