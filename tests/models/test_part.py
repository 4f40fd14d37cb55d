"""The ``part`` family: shapes, masking, permutation invariance, pair features, size, FLOPs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hepscaling.errors import UsageError
from hepscaling.models.base import InputsSpec, build_model
from hepscaling.models.flops import counted_flops_per_sample
from hepscaling.models.part import ParticleTransformer, pair_features

N_FEATURES = 13
TINY = {"family": "part", "width": 16, "depth": 2, "heads": 2, "pair_width": 8}
VARIANTS = [{}, {"readout": "mean"}, {"interaction": False},
            {"readout": "mean", "interaction": False, "class_depth": 3}]


def spec(n_particles: int, n_outputs: int = 3) -> InputsSpec:
    return InputsSpec(n_outputs=n_outputs, n_features=5, n_particles=n_particles,
                      n_particle_features=N_FEATURES)


def constituents(n_jets: int, n_slots: int, n_real: int, seed: int) -> torch.Tensor:
    """float64 ``(n_jets, n_slots, 5 + F)``: ``n_real`` massive constituents of a jet at
    pT ~ 500 GeV (eta, phi within 0.4 of the axis), random features, zero padding."""
    rng = np.random.default_rng(seed)
    pt = rng.exponential(30.0, (n_jets, n_real)) + 1.0
    eta = rng.uniform(-0.4, 0.4, (n_jets, n_real)) + 0.5
    phi = rng.uniform(-0.4, 0.4, (n_jets, n_real)) + 1.0
    mass = rng.choice([0.0, 0.13957, 0.938], (n_jets, n_real))
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    energy = np.sqrt(px**2 + py**2 + pz**2 + mass**2)
    x = np.zeros((n_jets, n_slots, 5 + N_FEATURES))
    x[:, :n_real, 0] = 1.0
    x[:, :n_real, 1:5] = np.stack([energy, px, py, pz], axis=-1)
    x[:, :n_real, 5:] = rng.normal(size=(n_jets, n_real, N_FEATURES))
    return torch.from_numpy(x)


def build(config: dict, n_particles: int, seed: int = 0) -> ParticleTransformer:
    torch.manual_seed(seed)
    return build_model(config, spec(n_particles)).double().eval()


@pytest.mark.parametrize("variant", VARIANTS)
def test_forward_shape(variant):
    model = build({**TINY, **variant}, 12)
    assert isinstance(model, ParticleTransformer) and model.input_kind == "constituents"
    out = model(constituents(4, 12, 7, seed=1))
    assert out.shape == (4, 3) and torch.isfinite(out).all()


@pytest.mark.parametrize("variant", VARIANTS)
def test_padding_does_not_change_the_output(variant):
    model = build({**TINY, **variant}, 12)
    x = constituents(5, 9, 6, seed=2)
    with torch.no_grad():
        reference = model(x)
        longer = torch.cat([x, torch.zeros(5, 7, x.shape[2], dtype=x.dtype)], dim=1)
        garbage = x.clone()
        garbage[:, 6:, 1:] = torch.randn(5, 3, x.shape[2] - 1, dtype=x.dtype) * 50
        assert torch.allclose(model(longer), reference, rtol=0, atol=1e-10)
        assert torch.allclose(model(garbage), reference, rtol=0, atol=1e-10)


@pytest.mark.parametrize("variant", VARIANTS)
def test_permuting_constituents_does_not_change_the_output(variant):
    model = build({**TINY, **variant}, 12)
    x = constituents(5, 12, 8, seed=3)
    perm = torch.from_numpy(np.random.default_rng(4).permutation(12))  # mixes in the padding
    with torch.no_grad():
        assert torch.allclose(model(x[:, perm]), model(x), rtol=0, atol=1e-10)
        swapped = x.clone()
        swapped[:, 0, 5:] = x[:, 1, 5:]  # features of constituent 1 on the momentum of 0
        assert not torch.allclose(model(swapped), model(x), rtol=0, atol=1e-6)


@pytest.mark.parametrize("variant", VARIANTS)
def test_training_and_inference_attention_paths_agree(variant):
    """With gradients the learned pair bias takes the baddbmm path of ``attend``, without
    them PyTorch's fused attention: same logits."""
    torch.manual_seed(0)
    model = build_model({**TINY, **variant}, spec(12))
    x = constituents(4, 12, 7, seed=1).float()
    with torch.no_grad():
        fused = model(x)
    torch.testing.assert_close(model(x).detach(), fused, rtol=1e-5, atol=1e-5)


def test_pair_features_match_direct_formulas():
    x = constituents(3, 6, 6, seed=5)[..., 1:5]  # float64 (3, 6, 4)
    u = pair_features(x).numpy()
    p = x.numpy()
    e, px, py, pz = np.moveaxis(p, -1, 0)
    pt = np.hypot(px, py)
    y = 0.5 * np.log((e + pz) / (e - pz))
    phi = np.arctan2(py, px)
    for b, i, j in [(0, 0, 1), (1, 2, 5), (2, 4, 3), (0, 5, 0)]:
        dphi = (phi[b, i] - phi[b, j] + np.pi) % (2 * np.pi) - np.pi
        delta = np.hypot(y[b, i] - y[b, j], dphi)
        s = p[b, i] + p[b, j]
        m2 = s[0] ** 2 - s[1] ** 2 - s[2] ** 2 - s[3] ** 2
        low = min(pt[b, i], pt[b, j])
        expected = np.log([delta, low * delta, low / (pt[b, i] + pt[b, j]), m2])
        assert u[b, i, j] == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert u[b, j, i] == pytest.approx(u[b, i, j], rel=1e-12)


def test_pair_mass_of_collinear_massless_pair_in_float32():
    """Two exactly massless particles 2 mrad apart (a Pythagorean triple, exact in float32):
    m^2 = 2 E1 E2 (1 - cos theta) = 1600 GeV^2, where (p1 + p2)^2 in float32 has an error of
    ~1e5 GeV^2."""
    p = torch.tensor([[[400.0, 400.0, 0.0, 0.0], [1000001.0, 999999.0, 2000.0, 0.0]]])
    m2 = torch.exp(pair_features(p)[0, 0, 1, 3]).item()
    assert m2 == pytest.approx(1600.0, rel=1e-4)


def test_size_knob_spans_two_decades():
    small = build_model({"family": "part", "width": 16, "depth": 1, "heads": 2},
                        spec(64, 2), device="meta")
    large = build_model({"family": "part", "width": 192, "depth": 6, "heads": 8},
                        spec(64, 2), device="meta")
    assert large.n_params() / small.n_params() > 100
    assert large.forward_flops() / small.forward_flops() > 30


@pytest.mark.parametrize("variant", VARIANTS)
def test_forward_flops_match_flop_counter(variant):
    model = build_model({**TINY, **variant}, spec(10))
    counted = counted_flops_per_sample(lambda b: model(constituents(b, 10, 6, 6).float()))
    assert counted == model.forward_flops()


def test_needs_particle_features():
    plain = InputsSpec(n_outputs=2, n_features=5, n_particles=8, particle_types=(0,) * 8)
    with pytest.raises(UsageError, match="'part' needs n_particle_features"):
        build_model(TINY, plain)
    with pytest.raises(UsageError, match="heads"):
        build_model({**TINY, "width": 10, "heads": 4}, spec(8))
