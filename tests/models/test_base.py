"""The model registry: lookup, lazy family modules, clear errors."""

from typing import Literal

import pytest
import torch

from hepscaling.errors import UsageError
from hepscaling.models import base
from hepscaling.models.base import (
    InputsSpec,
    Model,
    ModelConfig,
    build_model,
    model_config_class,
    model_families,
    register_model,
)

SPEC = InputsSpec(n_invariants=3, n_particles=3, particle_types=(0, 1, 2))


def test_families_and_lazy_import():
    assert {"mlp", "mlp_mup", "transformer", "lloca", "lgatr"} <= set(model_families())
    assert model_config_class("mlp").model_fields["width"].default == 128


def test_unknown_family_lists_choices():
    with pytest.raises(UsageError, match=r"choose one of .*mlp_mup"):
        build_model({"family": "resnet"}, SPEC)


def test_register_a_new_family(monkeypatch):
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))

    class LinearConfig(ModelConfig):
        family: Literal["linear"] = "linear"

    @register_model("linear", LinearConfig)
    class Linear(Model):
        def __init__(self, cfg, spec):
            super().__init__()
            self.layer = torch.nn.Linear(spec.n_invariants, spec.n_outputs, bias=False)

        def forward_flops(self):
            return 2.0 * self.layer.weight.numel()

    model = build_model({"family": "linear"}, SPEC)
    assert isinstance(model, Linear) and model.n_params() == 3
    assert [len(g["params"]) for g in model.param_groups(1e-3, 0.0)] == [1]
    with pytest.raises(ValueError, match="Extra inputs"):
        build_model({"family": "linear", "width": 3}, SPEC)
