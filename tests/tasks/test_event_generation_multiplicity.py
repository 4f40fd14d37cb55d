"""event_generation with n_jets: all: one event_gpt learns the jet-multiplicity fractions of a
toy file with known fractions (sampled fractions within statistical error), events of every
multiplicity come out in the zmumu layout (also in dimuon coordinates, with per-multiplicity
classifier metrics), and one-multiplicity families are refused."""

from __future__ import annotations

import math

import pytest

from helpers.zmumu_files import write_toy_zmumu
from hepscaling.errors import UsageError
from hepscaling.train.loop import run_training

FRACTIONS = (0.6, 0.3, 0.1)
N_TRAIN, N_SAMPLES = 2000, 2000
MODEL = {"family": "event_gpt", "width": 16, "depth": 1, "heads": 2, "components": 4}


def config(path, model=MODEL, **task) -> dict:
    return {"seed": 0, "device": "cpu", "loss": "generative", "model": model,
            "task": {"kind": "event_generation", "dataset": path, "n_jets": "all",
                     "n_train": N_TRAIN, "n_val": 200, "n_test": 400, "n_nll": 200,
                     "n_samples": N_SAMPLES, "classifier": False, **task},
            "train": {"batch_size": 128, "steps": 120, "lr": 1e-2, "warmup_steps": 5,
                      "eval_every": 120}}


@pytest.fixture(scope="module")
def toy_file(tmp_path_factory):
    return write_toy_zmumu(tmp_path_factory.mktemp("z") / "z.h5", 2600, seed=1,
                           fractions=FRACTIONS)


def test_the_multiplicity_fractions_are_learned(toy_file, tmp_path):
    record = run_training(config(toy_file), tmp_path / "run", progress=False, threads=1)
    m = record.metrics
    for k, p in enumerate(FRACTIONS, start=1):
        # the model's fractions estimate the training fractions (binomial, N_TRAIN), the
        # samples add their own binomial noise (N_SAMPLES)
        sigma = math.sqrt(p * (1 - p) * (1 / N_TRAIN + 1 / N_SAMPLES))
        assert abs(m[f"test_frac_jets_{k}"] - p) < 4 * sigma, (k, m[f"test_frac_jets_{k}"])
        assert abs(m[f"test_truth_frac_jets_{k}"] - p) < 4 * math.sqrt(p * (1 - p) / 400)
    hist = record.histograms
    assert sum(hist["test_generated_n_jets"]["counts"]) == N_SAMPLES
    for k in (1, 2, 3):  # per-multiplicity observables, each multiplicity's own names
        assert f"test_generated_{k}j_pt_j{k}" in hist and f"test_truth_{k}j_pt_j{k}" in hist
    assert "test_generated_1j_pt_j2" not in hist
    assert math.isfinite(m["test_nll"]) and m["test_frac_non_finite"] == 0.0


def test_one_multiplicity_families_are_refused(toy_file, tmp_path):
    cfm = {"family": "cfm", "width": 16, "depth": 1}
    with pytest.raises(UsageError, match=r"generates one jet multiplicity; set task.n_jets"):
        run_training(config(toy_file, cfm), tmp_path / "cfm", progress=False, threads=1)


def test_a_file_without_every_multiplicity_is_refused(tmp_path):
    path = write_toy_zmumu(tmp_path / "z.h5", 300, seed=2, fractions=(1.0, 0.0, 0.0))
    with pytest.raises(UsageError, match="no training events with 2 jet"):
        run_training(config(path, n_train=100, n_val=50, n_test=50), tmp_path / "run",
                     progress=False, threads=1)


def test_dimuon_coordinates_of_every_multiplicity(toy_file, tmp_path):
    import h5py
    import numpy as np
    import torch

    from hepscaling.cli.sample import sample_run
    from hepscaling.data.events import read_events
    from hepscaling.metrics.weights import TAIL_VIEW
    from hepscaling.physics import lorentz
    from hepscaling.physics.events import MUON_MASS, N_OBJECTS
    from hepscaling.physics.events.observables import observable_names
    from hepscaling.tasks.base import build_task
    from hepscaling.train.config import load_config

    cfg = config(toy_file, coordinates="dimuon", n_train=600, n_samples=600, classifier=True,
                 classifier_floor=True, classifier_epochs=2)
    cfg["train"]["steps"] = 40
    task = build_task(load_config(cfg).task, loss="generative", input_kind="events",
                      device=torch.device("cpu"))
    # encode -> decode round-trips every multiplicity (pT, eta, mass of every object; the
    # event's azimuth is drawn anew), zero-padded beyond each event's own coordinates
    events = read_events(toy_file)
    momenta, n_jets = events["momenta"], events["n_jets"]
    y = task.maps.encode(momenta, n_jets)
    for k, coords in task.maps.by_jets.items():
        assert coords.system == "dimuon" and not y[n_jets == k, coords.d:].any()
    back = task.maps.decode(y, n_jets, seed=3)
    present = np.arange(N_OBJECTS)[None, :] < 2 + n_jets[:, None]
    for f in (lorentz.pt, lorentz.eta, lorentz.mass_squared):
        np.testing.assert_allclose(f(back[present]), f(momenta[present]), rtol=1e-9, atol=1e-8)
    assert not back[~present].any()

    record = run_training(cfg, tmp_path / "run", progress=False, threads=1)
    assert record.status == "done" and record.config["task"]["coordinates"] == "dimuon"
    m = record.metrics
    for k in (1, 2, 3):  # one classifier and floor per multiplicity
        for name in ("auc", "auc_floor", "auc_excess", "log_w_std_excess"):
            assert math.isfinite(m[f"test_classifier_{name}_{k}j"]), (name, k)
        assert f"test_classifier_w_generated_{k}j" in record.histograms
        # the observables of the events in the weight tails, per observable of k jets
        tails = {key: h for key, h in record.histograms.items()
                 if key.startswith("test_classifier_tails_") and key.endswith(f"_{k}j")}
        assert len(tails) == len(observable_names(k))
        h = tails[f"test_classifier_tails_m_mumu_{k}j"]
        assert set(h) == {"edges", *TAIL_VIEW}
        assert (np.asarray(h["candidate_w_lt_0p5"]) <= np.asarray(h["candidate"])).all()
        assert 0 < sum(h["candidate"])
    sample_run(tmp_path / "run", 300, tmp_path / "gen.h5", seed=1)
    with h5py.File(tmp_path / "gen.h5") as f:
        gen, gen_jets = f["momenta"][:], f["n_jets"][:]
    assert gen.shape == (len(gen_jets), N_OBJECTS, 4) and set(gen_jets) <= {1, 2, 3}
    assert len(set(gen_jets)) >= 2  # one model draws several multiplicities
    finite = np.isfinite(gen).all(axis=(1, 2))
    padded = np.arange(N_OBJECTS)[None, :] >= 2 + gen_jets[:, None]
    assert not gen[padded].any()
    mass = lorentz.mass(gen[finite, :2])
    np.testing.assert_allclose(mass, MUON_MASS, rtol=1e-6)
