"""A jet_generation run small enough to train in seconds (task and CLI tests)."""

from __future__ import annotations

T = 16  # constituents modelled
SETTINGS = {"n_train": 140, "n_val": 40, "n_test": 60, "tokenizer": "coarse",
            "max_constituents": T, "n_samples": 40, "swd_batches": 2, "n_projections": 16}
MODEL = {"family": "jet_gpt", "width": 16, "depth": 1, "heads": 2}


def toy_config(dataset) -> dict:
    """A jet_gpt run config on the jet file ``dataset`` (240 jets, e.g. ``write_session_jets``)."""
    return {"seed": 0, "device": "cpu", "loss": "cross_entropy", "model": MODEL,
            "task": {"kind": "jet_generation", "dataset": str(dataset), **SETTINGS},
            "train": {"batch_size": 32, "steps": 40, "lr": 1e-2, "warmup_steps": 4,
                      "eval_every": 20}}
