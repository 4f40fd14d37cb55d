"""FLOP accounting from the config alone, and run lengths from steps / epochs / flops."""

import pytest

from helpers.amplitude_files import toy_config
from hepscaling.train.config import load_config
from hepscaling.train.flops import effective_batch_size, resolve_steps, training_flops_per_sample


def test_training_flops_from_config_only(toy_h5):
    # u u~ > g g g: 5 particles -> 10 invariants; MLP 32 x 2 -> 10*32 + 32*32 + 32*1 weights
    weights = 10 * 32 + 32 * 32 + 32
    assert training_flops_per_sample(toy_config(toy_h5)) == 3 * 2 * weights
    het = toy_config(toy_h5, loss="heteroscedastic", model={"width": 64, "depth": 3})
    assert training_flops_per_sample(het) == 3 * 2 * (10 * 64 + 2 * 64 * 64 + 64 * 2)


def test_resolve_steps(toy_h5):
    train = load_config(toy_config(toy_h5, train={"steps": None, "epochs": 2.5})).train
    assert resolve_steps(train, 400, 1.0) == 16  # ceil(2.5 * 400 / 64)
    assert effective_batch_size(train, 30) == 30 and resolve_steps(train, 30, 1.0) == 3
    train = load_config(toy_config(toy_h5, train={"steps": None, "flops": 1e6})).train
    assert resolve_steps(train, 400, 100.0) == 156  # floor(1e6 / (64 * 100))
    assert resolve_steps(train, 400, 1e9) == 1


def test_missing_dataset_is_a_usage_error(tmp_path):
    with pytest.raises(Exception, match="amplitude file not found"):
        training_flops_per_sample(toy_config(tmp_path / "nope.h5"))
