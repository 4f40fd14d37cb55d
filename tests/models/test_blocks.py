"""Shared blocks: the causal switch of ``Block``, class attention, type one-hots, head checks."""

import pytest
import torch

from hepscaling.errors import UsageError
from hepscaling.models.blocks import Block, ClassAttentionBlock, attend, check_heads, type_one_hot


def _block(causal: bool) -> Block:
    torch.manual_seed(0)
    return Block(8, 2, 2, causal=causal).double()


@pytest.mark.parametrize("with_mask", [False, True])
def test_causal_block_does_not_let_position_i_see_later_positions(with_mask):
    block = _block(causal=True)
    h = torch.randn(2, 6, 8, dtype=torch.float64)
    changed = h.clone()
    changed[:, 4:] += torch.randn(2, 2, 8, dtype=torch.float64)  # alter positions 4 and 5
    mask = torch.zeros(2, 2, 6, 6, dtype=torch.float64) if with_mask else None
    out, out_changed = block(h, attn_mask=mask), block(changed, attn_mask=mask)
    torch.testing.assert_close(out[:, :4], out_changed[:, :4], rtol=0, atol=1e-12)
    assert not torch.allclose(out[:, 4:], out_changed[:, 4:])


def test_bidirectional_block_lets_early_positions_see_later_ones():
    block = _block(causal=False)
    h = torch.randn(2, 6, 8, dtype=torch.float64)
    changed = h.clone()
    changed[:, 5] += torch.randn(2, 8, dtype=torch.float64)  # LayerNorm ignores a shift
    assert not torch.allclose(block(h)[:, 0], block(changed)[:, 0])


def test_causal_and_bidirectional_blocks_agree_on_the_last_position():
    h = torch.randn(1, 5, 8, dtype=torch.float64)
    torch.testing.assert_close(_block(True)(h)[:, -1], _block(False)(h)[:, -1])


@pytest.mark.parametrize("bias_shape", [(2, 3, 5, 7), (2, 1, 1, 7)])
def test_attend_with_a_learned_bias_matches_the_fused_kernel(bias_shape):
    """The baddbmm path (bias requiring a gradient) against PyTorch's attention: outputs and
    the gradients of q, key, v and the bias, with padded (-inf) keys."""
    gen = torch.Generator().manual_seed(0)
    q = torch.randn(2, 3, 5, 4, generator=gen)
    key, v = torch.randn(2, 3, 7, 4, generator=gen), torch.randn(2, 3, 7, 4, generator=gen)
    bias = torch.randn(bias_shape, generator=gen)
    bias[0, ..., 5:] = float("-inf")
    grads = []
    for path in (attend, torch.nn.functional.scaled_dot_product_attention):
        leaves = [t.clone().requires_grad_(True) for t in (q, key, v, bias)]
        out = path(*leaves[:3], leaves[3])
        out.backward(torch.ones_like(out))
        grads.append([out.detach(), *(t.grad for t in leaves)])
    for ours, fused in zip(*grads, strict=True):
        torch.testing.assert_close(ours, fused, rtol=1e-5, atol=1e-6)


def test_class_attention_updates_only_the_class_token_shape():
    block = ClassAttentionBlock(8, 2, 2)
    cls, h = torch.randn(3, 1, 8), torch.randn(3, 4, 8)
    assert block(cls, h, torch.zeros(3, 1, 1, 5)).shape == (3, 1, 8)


def test_type_one_hot():
    table = type_one_hot((0, 2, 2), 3)
    assert table.tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 1]]


def test_type_one_hot_wants_one_id_per_particle():
    with pytest.raises(UsageError, match="4 particles but 3 particle types"):
        type_one_hot((0, 1, 1), 4)
    with pytest.raises(UsageError, match="non-negative"):
        type_one_hot((0, -1), 2)


def test_check_heads():
    assert check_heads("transformer", 16, 4) == 4
    with pytest.raises(UsageError, match="width 10 does not split into 4 heads"):
        check_heads("transformer", 10, 4)
