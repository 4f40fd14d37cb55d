"""The one training loop, its config, schedules, FLOP accounting and checkpoints."""

from hepscaling.train.config import RunConfig, load_config, run_id

__all__ = ["RunConfig", "load_config", "run_id"]
