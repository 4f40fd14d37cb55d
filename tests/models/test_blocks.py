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


@pytest.mark.parametrize(("bias", "causal"), [
    ("float", False), ("broadcast float", False), ("bool", False), (None, True), (None, False)])
def test_attend_while_training_matches_the_fused_kernel(bias, causal):
    """The batched-matmul path (taken when gradients are recorded) against PyTorch's fused
    attention: outputs and the gradients of q, key, v (and a float bias), with hidden keys."""
    gen = torch.Generator().manual_seed(0)
    q = torch.randn(2, 3, 5, 4, generator=gen)
    key, v = torch.randn(2, 3, 7, 4, generator=gen), torch.randn(2, 3, 7, 4, generator=gen)
    mask = None
    if bias is not None:
        shape = (2, 1, 1, 7) if bias == "broadcast float" else (2, 3, 5, 7)
        mask = torch.randn(shape, generator=gen)
        mask[0, ..., 5:] = float("-inf")
        if bias == "bool":
            mask = mask > -1.0
    def fused(q, key, v, mask):
        return torch.nn.functional.scaled_dot_product_attention(q, key, v, attn_mask=mask,
                                                                is_causal=causal)

    grads = []
    for path in (lambda q, key, v, mask: attend(q, key, v, mask, causal=causal), fused):
        leaves = [t.clone().requires_grad_(True) for t in (q, key, v)]
        if mask is not None and mask.dtype != torch.bool:
            leaves.append(mask.clone().requires_grad_(True))
        out = path(*leaves[:3], leaves[3] if len(leaves) == 4 else mask)
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
