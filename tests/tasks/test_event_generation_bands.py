"""Uncertainty bands of event generators: a Bayesian event_gpt records posterior bands over
weight draws, and runs that differ only in their seed (an ensemble, a sweep's seed axis) record
histograms on the same bins, which metrics.ensemble turns into mean +- spread bands."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.zmumu_files import write_toy_zmumu
from hepscaling.metrics.ensemble import ensemble_bands, histogram_band
from hepscaling.train.loop import run_training

MODEL = {"family": "event_gpt", "width": 16, "depth": 1, "heads": 2, "components": 3,
         "bayesian": True, "prior_width": 1.0}


def config(path, seed: int) -> dict:
    return {"seed": seed, "device": "cpu", "loss": "generative", "model": MODEL,
            "task": {"kind": "event_generation", "dataset": path, "n_jets": 1,
                     "n_train": 600, "n_val": 100, "n_test": 300, "n_nll": 100,
                     "n_samples": 400, "classifier": False, "posterior_draws": 3},
            "train": {"batch_size": 100, "steps": 40, "lr": 1e-2, "warmup_steps": 2,
                      "eval_every": 40}}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("bands")
    path = write_toy_zmumu(root / "z.h5", 1500, seed=3, fractions=(1.0, 0.0, 0.0))
    return [run_training(config(path, seed), root / f"seed{seed}", progress=False, threads=1)
            for seed in (0, 1)]


def test_a_bayesian_generator_records_posterior_bands(runs):
    hist = runs[0].histograms
    names = [k.removeprefix("test_posterior_") for k in hist if k.startswith("test_posterior_")]
    assert names and all(f"test_generated_{n}" in hist for n in names)
    for name in names:
        band = hist[f"test_posterior_{name}"]
        assert band["members"] == [3.0]
        assert band["edges"] == hist[f"test_generated_{name}"]["edges"]
        assert np.all(np.array(band["low"]) <= np.array(band["high"]))
    # the weight draws differ: some bin of some observable spreads
    assert max(max(hist[f"test_posterior_{n}"]["std"]) for n in names) > 0


def test_seeds_give_per_seed_histograms_on_common_bins_and_a_band(runs):
    a, b = (r.histograms["test_generated_pt_j1"] for r in runs)
    assert a["edges"] == b["edges"] and a["counts"] != b["counts"]
    band = histogram_band([a, b])
    assert band["members"] == [2.0] and max(band["std"]) > 0
    truth = histogram_band([runs[0].histograms["test_truth_pt_j1"]])
    assert len(truth["mean"]) == len(band["mean"])
    bands = ensemble_bands([r.histograms for r in runs])
    assert set(bands) >= {"pt_j1", "m_mumu"} and bands["pt_j1"] == band
