"""Shipped presets: every one validates; unknown names list the presets."""

import pytest

from hepscaling.configs import preset_names, preset_path
from hepscaling.errors import UsageError
from hepscaling.train.config import load_config


def test_every_preset_is_a_valid_config():
    assert "amplitudes_mlp" in preset_names()
    for name in preset_names():
        cfg = load_config(preset_path(name))
        assert cfg.task.kind and cfg.model.family


def test_unknown_preset():
    with pytest.raises(UsageError, match="amplitudes_mlp"):
        preset_path("nope")
