"""Checkpoints: atomic round trip, refusal of another run's checkpoint."""

import pytest
import torch

from hepscaling.errors import UsageError
from hepscaling.train.checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint


def test_round_trip_and_no_temp_files(tmp_path):
    state = {"run_id": "abc", "model": {"w": torch.arange(3.0)}, "step": 7, "curves": {"x": [1.0]}}
    save_checkpoint(state, tmp_path)
    save_checkpoint({**state, "step": 8}, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [CHECKPOINT_NAME]
    back = load_checkpoint(tmp_path, "abc", torch.device("cpu"))
    assert back["step"] == 8 and torch.equal(back["model"]["w"], torch.arange(3.0))


def test_missing_and_foreign(tmp_path):
    assert load_checkpoint(tmp_path, "abc", torch.device("cpu")) is None
    save_checkpoint({"run_id": "other"}, tmp_path)
    with pytest.raises(UsageError, match="belongs to run 'other'"):
        load_checkpoint(tmp_path, "abc", torch.device("cpu"))
