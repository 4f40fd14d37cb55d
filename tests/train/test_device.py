"""Device selection."""

import pytest
import torch

from hepscaling.errors import UsageError
from hepscaling.train.device import resolve_device


def test_auto_and_cpu():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu") == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_missing_cuda_names_the_fix():
    with pytest.raises(UsageError, match="--device cpu"):
        resolve_device("cuda")
