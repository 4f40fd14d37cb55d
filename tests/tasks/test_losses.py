"""Losses against closed forms: MSE, the heteroscedastic NLL against scipy's normal, and the
cross-entropy against a hand-computed log-softmax, the binary cross-entropy by hand."""

import math

import numpy as np
import pytest
import torch
from scipy.stats import norm

from hepscaling.tasks.losses import binary_cross_entropy, cross_entropy, heteroscedastic_nll, mse


def test_mse():
    assert mse(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 4.0])).item() == pytest.approx(2.5)


def test_heteroscedastic_is_gaussian_nll_without_constant():
    rng = np.random.default_rng(0)
    mu, log_sigma, y = rng.normal(size=(3, 50))
    expected = np.mean(-norm.logpdf(y, mu, np.exp(log_sigma))) - 0.5 * np.log(2 * np.pi)
    got = heteroscedastic_nll(*(torch.tensor(a) for a in (mu, log_sigma, y)))
    assert got.item() == pytest.approx(expected, rel=1e-12)


def test_heteroscedastic_minimum_is_at_the_residual():
    ls = torch.linspace(-3, 1, 4001, dtype=torch.float64)
    values = torch.stack([heteroscedastic_nll(torch.zeros(1, dtype=torch.float64), v[None],
                                              torch.full((1,), 0.5, dtype=torch.float64))
                          for v in ls])
    assert ls[values.argmin()].item() == pytest.approx(np.log(0.5), abs=1e-3)


def test_cross_entropy_is_mean_negative_log_softmax():
    logits = torch.tensor([[0.0, np.log(3.0)], [np.log(4.0), 0.0]], dtype=torch.float64)
    label = torch.tensor([1, 1])
    expected = -(np.log(3 / 4) + np.log(1 / 5)) / 2
    assert cross_entropy(logits, label).item() == pytest.approx(expected, rel=1e-12)


def test_token_cross_entropy_ignores_padding_targets():
    from hepscaling.tasks.losses import token_cross_entropy

    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 4, 6, generator=g)
    target = torch.tensor([[1, 4, 5, 5], [2, 3, 0, 4]])  # 5 = padding
    log_p = torch.log_softmax(logits, dim=-1)
    kept = [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (1, 3)]
    expected = -torch.stack([log_p[b, t, target[b, t]] for b, t in kept]).mean()
    assert torch.allclose(token_cross_entropy(logits, target, ignore=5), expected)
    changed = logits.clone()
    changed[0, 2:] = 100.0  # logits at padded targets do not matter
    assert torch.allclose(token_cross_entropy(changed, target, ignore=5), expected)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_token_cross_entropy_matches_torch_in_value_and_gradient(dtype):
    from hepscaling.tasks.losses import token_cross_entropy

    g = torch.Generator().manual_seed(1)
    logits = 3 * torch.randn(3, 7, 50, generator=g, dtype=dtype)
    target = torch.randint(0, 49, (3, 7), generator=g)
    target[0, 4:] = 49  # padding
    target[2] = 49  # a sequence of padding only
    ours, theirs = logits.clone().requires_grad_(), logits.clone().requires_grad_()
    loss = token_cross_entropy(ours, target, ignore=49)
    expected = torch.nn.functional.cross_entropy(theirs.flatten(0, 1), target.flatten(),
                                                 ignore_index=49)
    (2.5 * loss).backward()
    (2.5 * expected).backward()
    rtol = 1e-6 if dtype == torch.float32 else 1e-13
    assert torch.allclose(loss, expected, rtol=rtol, atol=0)
    assert torch.allclose(ours.grad, theirs.grad, rtol=rtol, atol=rtol * 1e-3)
    assert (ours.grad[2] == 0).all()
    assert ours.grad.sum(-1).abs().max() < 10 * rtol  # softmax minus one-hot sums to 0 per row


def test_token_cross_entropy_refuses_a_second_backward():
    from hepscaling.tasks.losses import token_cross_entropy

    logits = torch.randn(2, 3, 5, requires_grad=True)
    loss = token_cross_entropy(logits, torch.zeros(2, 3, dtype=torch.long), ignore=4)
    loss.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="one backward pass"):
        loss.backward()


def test_binary_cross_entropy_by_hand():
    logit, label = torch.tensor([0.0, 2.0, -1.0]), torch.tensor([1.0, 0.0, 0.0])
    expected = (math.log(2) + math.log(1 + math.exp(2)) + math.log(1 + math.exp(-1))) / 3
    assert binary_cross_entropy(logit, label).item() == pytest.approx(expected, rel=1e-6)
