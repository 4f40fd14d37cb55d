"""A run record with metric curves that grow point by point (MLflow export tests)."""

from __future__ import annotations

from hepscaling.records import RunRecord

RUN_ID = "curved0000000000"
CURVES = {"step": [10, 20, 30], "train_loss": [1.0, 0.5, None], "val_loss": [1.1, 0.6, 0.4],
          "wall_time": [1.0, 2.0, 3.0]}


def curved_record(steps: int = 3, status: str = "running") -> RunRecord:
    """Run ``RUN_ID`` with the first ``steps`` points of ``CURVES``, started at a known time."""
    curves = {k: v[:steps] for k, v in CURVES.items()}
    return RunRecord(run_id=RUN_ID, status=status, code_version="1.2.3", seed=3,
                     config={"seed": 3, "model": {"family": "mlp", "width": 8,
                                                  "hidden": [4, 4]}},
                     n_params=120, n_train=500, flops=1e9, steps=curves["step"][-1],
                     started_at="2026-01-01T00:00:00+00:00", curves=curves,
                     metrics={"test_mse": 0.25} if status == "done" else {})
