"""Trainable networks: the model interface and registry, and the model families.

See :mod:`hepscaling.models.base` for the interface; families are imported on first use.
"""

from hepscaling.models.base import (
    GenerativeModel,
    InputsSpec,
    Model,
    ModelConfig,
    build_model,
    model_families,
    register_model,
)

__all__ = ["GenerativeModel", "InputsSpec", "Model", "ModelConfig", "build_model",
           "model_families", "register_model"]
