"""event_gpt trained by the one loop on a toy density with an exact log density: the test NLL
approaches the entropy from above (a paired KL estimate >= 0 that shrinks with training)."""

from __future__ import annotations

import pytest

from helpers.toy_density import entropy, register_toy_density, toy_density_config
from hepscaling.train.loop import run_training

MODEL = {"family": "event_gpt", "width": 32, "depth": 2, "heads": 2, "components": 6}


def test_nll_approaches_the_entropy_from_above(monkeypatch, tmp_path):
    register_toy_density(monkeypatch)
    short = run_training(toy_density_config(MODEL, steps=20, eval_every=20), tmp_path / "a",
                         progress=False, threads=1)
    long = run_training(toy_density_config(MODEL), tmp_path / "b", progress=False, threads=1)
    for record in (short, long):
        kl, error = record.metrics["test_kl"], record.metrics["test_kl_error"]
        assert kl > -3 * error  # cross-entropy >= entropy
    assert long.metrics["test_kl"] < 0.05
    assert long.metrics["test_kl"] < short.metrics["test_kl"] - 0.05
    # the test NLL itself against the exact entropy (its noise: ~1.3 nats / sqrt(4000))
    assert long.metrics["test_loss"] == pytest.approx(entropy(), abs=0.1)
