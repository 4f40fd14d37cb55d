"""The jet GPT: shapes, causality, tied head, N and FLOPs, the size knob, KV-cache sampling."""

from __future__ import annotations

import math

import pytest
import torch

from hepscaling.models.base import InputsSpec, build_model, model_families
from hepscaling.models.flops import counted_flops_per_sample
from hepscaling.models.jet_gpt import JetGPT

V, T = 53, 7  # 50 particle tokens + START, STOP, PAD; 7 constituents
SPEC = InputsSpec(vocab_size=V, n_particles=T + 1)
TINY = {"family": "jet_gpt", "width": 16, "depth": 2, "heads": 2}


def build(seed: int = 0, **extra) -> JetGPT:
    torch.manual_seed(seed)
    model = build_model({**TINY, **extra}, SPEC)
    assert isinstance(model, JetGPT)
    return model


def tokens(batch: int, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, V - 3, (batch, T + 1), generator=g)
    x[:, 0] = V - 3
    return x


def test_registered_and_shapes():
    assert "jet_gpt" in model_families()
    model = build()
    assert model.input_kind == "tokens"
    out = model(tokens(3))
    assert out.shape == (3, T + 1, V) and out.dtype == torch.float32
    assert model(tokens(3)[:, :4]).shape == (3, 4, V)


@pytest.mark.parametrize("width", [16, 128])
def test_an_untrained_model_predicts_nearly_uniformly(width):
    """At initialisation the next-token loss is close to ln V whatever the width (torch's
    default N(0, 1) embeddings, tied to the head, gave ~sqrt(width)-sized logits)."""
    model = build(width=width, heads=2)
    x = tokens(64)
    logits = model(x)[:, :-1]  # next-token predictions of independent random tokens
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), x[:, 1:].reshape(-1))
    assert abs(loss.item() - math.log(V)) < 0.2


@pytest.mark.parametrize("positions", ["learned", "none"])
def test_causal_the_past_does_not_see_the_future(positions):
    model = build(positions=positions).eval()
    x = tokens(2)
    y = x.clone()
    y[:, 5:] = (y[:, 5:] + 1) % (V - 3)
    with torch.no_grad():
        a, b = model(x), model(y)
    torch.testing.assert_close(a[:, :5], b[:, :5])
    assert not torch.allclose(a[:, 5:], b[:, 5:])


def test_tied_head_and_parameter_counts():
    model = build()
    assert model.head.weight is model.embed.weight
    emb = V * 16 + (T + 1) * 16
    assert model.n_params_scaling() == model.n_params() - emb
    block = 4 * 16 * 16 + 4 * 16 + 2 * 4 * 16 * 16 + 4 * 16 + 16 + 4 * 16  # attn, mlp, norms
    assert model.n_params_scaling() == 2 * block + 2 * 16
    assert build(positions="none").n_params() == model.n_params() - (T + 1) * 16


def test_width_spans_two_decades_of_non_embedding_parameters():
    sizes = [build_model({**TINY, "width": w}, SPEC, device="meta").n_params_scaling()
             for w in (8, 32, 128)]
    assert sizes == sorted(sizes) and sizes[-1] / sizes[0] > 100


def test_forward_flops_match_flop_counter():
    model = build()
    counted = counted_flops_per_sample(lambda b: model(tokens(b)))
    assert counted == pytest.approx(model.forward_flops(), rel=1e-12)


def test_sampling_layout():
    model = build()
    out = model.sample(64, generator=torch.Generator().manual_seed(0))
    assert out.shape == (64, T + 2) and out.dtype == torch.long
    assert (out[:, 0] == V - 3).all()
    body = out[:, 1:]
    ended = torch.cumsum((body == V - 2).long(), dim=1) > 0
    assert ended[:, -1].all()  # every jet has its STOP
    assert (body[ended] >= V - 2).all() and (body[~ended] < V - 3).all()
    assert ((body == V - 2).sum(dim=1) == 1).all()


def test_kv_cache_sampling_equals_full_recomputation():
    model = build().double()
    draws = [model.sample(32, generator=torch.Generator().manual_seed(7), use_cache=cache,
                          temperature=1.3, top_k=20) for cache in (True, False)]
    torch.testing.assert_close(draws[0], draws[1], rtol=0, atol=0)
    again = model.sample(32, generator=torch.Generator().manual_seed(8))
    assert not torch.equal(again, draws[0])


def test_cached_logits_equal_the_full_forward():
    model = build().eval()
    x = tokens(3)
    with torch.no_grad():
        full = model(x)
        first, cache = model.forward_cached(x[:, :3], None)
        rest, _ = model.forward_cached(x[:, 3:], cache)
    torch.testing.assert_close(torch.cat([first, rest], dim=1), full, rtol=1e-5, atol=1e-5)


def test_top_k_one_is_greedy():
    model = build()
    a, b = (model.sample(8, generator=torch.Generator().manual_seed(s), top_k=1) for s in (1, 2))
    assert torch.equal(a, b)


def test_bad_sampling_arguments():
    model = build()
    with pytest.raises(ValueError, match="temperature"):
        model.sample(2, generator=torch.Generator(), temperature=0.0)
    with pytest.raises(ValueError, match="unconditional"):
        model.sample(2, generator=torch.Generator(), condition=torch.zeros(2, 1))
