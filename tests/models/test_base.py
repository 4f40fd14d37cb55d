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

SPEC = InputsSpec(n_features=3, n_particles=3, particle_types=(0, 1, 2))


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
            self.layer = torch.nn.Linear(spec.n_features, spec.n_outputs, bias=False)

        def forward_flops(self):
            return 2.0 * self.layer.weight.numel()

    model = build_model({"family": "linear"}, SPEC)
    assert isinstance(model, Linear) and model.n_params() == 3
    assert [len(g["params"]) for g in model.param_groups(1e-3, 0.0)] == [1]
    with pytest.raises(ValueError, match="Extra inputs"):
        build_model({"family": "linear", "width": 3}, SPEC)


def test_need_returns_a_provided_field():
    assert SPEC.need("n_features", "mlp") == 3
    assert SPEC.need("particle_types", "transformer") == (0, 1, 2)
    assert SPEC.need("n_outputs", "mlp") == 1


@pytest.mark.parametrize("name", ["n_particle_features", "vocab_size", "n_condition"])
def test_need_names_a_missing_field_and_the_family(name):
    with pytest.raises(UsageError, match=rf"family 'fam' needs {name} \(.*\), which this task"):
        SPEC.need(name, "fam")


def test_need_rejects_an_unknown_field():
    with pytest.raises(ValueError, match="no field 'n_invariants'"):
        SPEC.need("n_invariants", "mlp")


def test_models_read_their_inputs_through_need():
    with pytest.raises(UsageError, match="'mlp' needs n_features"):
        build_model({"family": "mlp"}, InputsSpec(n_particles=3, particle_types=(0, 1, 2)))
    with pytest.raises(UsageError, match="'transformer' needs particle_types"):
        build_model({"family": "transformer"}, InputsSpec(n_features=3, n_particles=3))


class _Point(base.GenerativeModel):
    """A generator of one fixed point, for the interface checks."""

    def forward_flops(self) -> float:
        return 0.0

    def sample(self, n, *, condition=None, generator):
        return torch.zeros(n, 2)


def test_generative_model_samples_and_refuses_log_prob():
    model = _Point()
    assert model.sample(3, generator=torch.Generator()).shape == (3, 2)
    assert model.extra_loss() is None
    with pytest.raises(NotImplementedError, match="_Point has no tractable likelihood"):
        model.log_prob(torch.zeros(3, 2))


def test_generative_model_must_implement_sample():
    class NoSample(base.GenerativeModel):
        pass

    with pytest.raises(TypeError, match="abstract"):
        NoSample()
