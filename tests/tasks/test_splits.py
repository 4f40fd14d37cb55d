"""Shared splits: fixed validation / test sets, nested training sets, seeded."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.tasks.splits import split_indices


def test_splits_are_nested_and_fixed():
    small, large = split_indices(1000, 100, 200, 300, seed=3), split_indices(1000, 400, 200, 300, 3)
    assert np.array_equal(large["train"][:100], small["train"])
    assert np.array_equal(small["val"], large["val"]) and np.array_equal(small["test"],
                                                                          large["test"])
    together = np.concatenate([large["train"], large["val"], large["test"]])
    assert len(np.unique(together)) == 900
    assert {k: (v.dtype, v.shape) for k, v in large.items()} == {
        "train": (np.int64, (400,)), "val": (np.int64, (200,)), "test": (np.int64, (300,))}
    assert all(np.array_equal(v, split_indices(1000, 400, 200, 300, 3)[k])
               for k, v in large.items())
    assert not np.array_equal(split_indices(1000, 100, 200, 300, 4)["test"], small["test"])
    with pytest.raises(UsageError, match="generate more events"):
        split_indices(500, 100, 200, 300, 0)
