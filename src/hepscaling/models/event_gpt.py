"""The ``event_gpt`` family: an autoregressive transformer with a mixture likelihood per
coordinate (JetGPT for events, arXiv:2305.10475; angles as in L-GATr, arXiv:2405.14806).

An event is ``d`` standardised coordinates ``x`` float ``(d,)`` (periodic ones are angles in
radians in ``[-pi, pi)``). The density factorises exactly,

    p(x | c) = prod_i p(x_i | x_<i, c),

with one token per coordinate: token 0 is a learned start vector plus, for a conditional model,
a linear map of the ``n_condition`` floats ``c`` (the condition's token); token ``i + 1`` embeds
the value ``x_i`` (features ``(x, 0, 0)`` for a linear coordinate, ``(0, cos x, sin x)`` for a
periodic one, through one linear map); every token adds a learned position embedding. A causal
stack of :class:`~hepscaling.models.blocks.Block` maps the token before coordinate ``i`` to
``3 K`` mixture parameters (:mod:`hepscaling.models.mixtures`): Gaussians for linear coordinates,
von Mises components for periodic ones, both exactly normalised, so :meth:`EventGPT.log_prob`
is the exact log density (nats per event, in the standardised coordinates).

Variable multiplicity (a stop-token model): when the task has several multiplicity classes
``m`` with coordinate counts ``lengths[m]`` (increasing; ``d = lengths[-1]``, an event of class
``m`` zero-padded beyond ``lengths[m]``), the start token first emits a categorical over the
classes and the class's embedding is the next token; then ``lengths[m]`` coordinates follow:

    p(m, x | c) = P(m | c) prod_{i < lengths[m]} p(x_i | x_<i, m, c),

so the multiplicity fractions are learned. Padded coordinates do not enter the density (the
causal mask keeps them out of every real coordinate's prediction).

Sampling (:meth:`EventGPT.sample`) draws coordinate by coordinate with the key/value cache of
:meth:`~hepscaling.models.blocks.Block.forward_cached` (the same draws as recomputing the whole
prefix each step, under the same generator, up to floating-point rounding).

Bayesian variant (``bayesian: true``): the mixture head is a
:class:`~hepscaling.models.bayesian.BayesianLinear` with prior ``N(0, prior_width^2)`` per
weight; its KL divergence divided by the training-set size ``D`` is the model's
:meth:`extra_loss`; :func:`~hepscaling.models.bayesian.weight_draws` gives posterior draws for
bands. The multiplicity head stays deterministic.

Config (``model:`` section)::

    family: event_gpt
    width: 64            # channels per token (the size knob)
    depth: 3             # transformer blocks
    heads: 4             # attention heads (width must be a multiple)
    mlp_ratio: 4         # MLP hidden channels = mlp_ratio x width
    components: 10       # K mixture components per coordinate
    bayesian: false      # variational (Bayesian) mixture head
    prior_width: 1.0     # std of the Gaussian prior of the Bayesian head's weights
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field
from torch import nn

from hepscaling.models.base import EventGenerator, InputsSpec, ModelConfig, register_model
from hepscaling.models.bayesian import BayesianLinear, bayesian_kl
from hepscaling.models.blocks import Block, KVCache, check_heads
from hepscaling.models.flops import transformer_flops
from hepscaling.models.mixtures import (
    mixture_log_prob,
    mixture_parameters,
    sample_mixture,
)

__all__ = ["EventGPT", "EventGPTConfig"]

_VALUE_FEATURES = 3  # (x, cos x, sin x), the unused ones zero


class EventGPTConfig(ModelConfig):
    """``model:`` section of the ``event_gpt`` family (see the module docstring)."""

    family: Literal["event_gpt"] = "event_gpt"
    width: int = Field(64, ge=1)
    depth: int = Field(3, ge=1)
    heads: int = Field(4, ge=1)
    mlp_ratio: int = Field(4, ge=1)
    components: int = Field(10, ge=1)
    bayesian: bool = False
    prior_width: float = Field(1.0, gt=0)


@register_model("event_gpt", EventGPTConfig)
class EventGPT(EventGenerator):
    """Autoregressive mixture density over event coordinates (module docstring).

    Parameters
    ----------
    cfg : the ``model:`` section.
    spec : ``n_features`` (``d``), ``periodic`` (``d`` flags), ``n_condition`` (0:
        unconditional), ``lengths`` (coordinates per multiplicity class; empty: a fixed
        multiplicity) and ``n_train`` (``D``, for the Bayesian KL).
    """

    all_multiplicities = True
    _periodic: torch.Tensor  # bool (d,), a buffer

    def __init__(self, cfg: EventGPTConfig, spec: InputsSpec) -> None:
        super().__init__()
        check_heads("event_gpt", cfg.width, cfg.heads)
        self.cfg = cfg
        self.dim = int(spec.need("n_features", cfg.family))
        periodic = tuple(bool(p) for p in spec.periodic) or (False,) * self.dim
        if len(periodic) != self.dim:
            raise ValueError(f"spec.periodic has {len(periodic)} flags for {self.dim} features")
        self.periodic = periodic
        self.register_buffer("_periodic", torch.tensor(periodic), persistent=False)
        self.n_condition = spec.n_condition
        self.lengths = tuple(spec.lengths)
        if self.lengths and (list(self.lengths) != sorted(set(self.lengths))
                             or self.lengths[-1] != self.dim):
            raise ValueError(f"spec.lengths {self.lengths} must increase up to n_features "
                             f"{self.dim}")
        self.n_train = spec.n_train
        self.n_tokens = self.dim + (1 if self.lengths else 0)
        width, k = cfg.width, cfg.components
        self.start = nn.Parameter(torch.zeros(width))
        self.condition = nn.Linear(self.n_condition, width) if self.n_condition else None
        self.multiplicity = nn.Embedding(len(self.lengths), width) if self.lengths else None
        self.multiplicity_head = nn.Linear(width, len(self.lengths)) if self.lengths else None
        self.value = nn.Linear(_VALUE_FEATURES, width)
        self.position = nn.Embedding(self.n_tokens, width)
        self.blocks = nn.ModuleList(Block(width, cfg.heads, cfg.mlp_ratio, causal=True)
                                    for _ in range(cfg.depth))
        self.norm = nn.LayerNorm(width)
        self.head: nn.Module = (BayesianLinear(width, 3 * k, prior_width=cfg.prior_width)
                                if cfg.bayesian else nn.Linear(width, 3 * k))
        if cfg.bayesian and not self.n_train:
            spec.need("n_train", cfg.family)  # the KL per event needs D
        for table in (self.position, self.multiplicity):
            if table is not None:
                nn.init.normal_(table.weight, std=0.02)

    # --- tokens -------------------------------------------------------------------------
    def _value_tokens(self, x: torch.Tensor, first: int) -> torch.Tensor:
        """Embeddings of values ``x`` float ``(B, t)`` of coordinates ``first + [0, t)``,
        float ``(B, t, width)`` (no positions)."""
        periodic = self._periodic[first:first + x.shape[1]]
        zero = torch.zeros_like(x)
        features = torch.stack([torch.where(periodic, zero, x),
                                torch.where(periodic, torch.cos(x), zero),
                                torch.where(periodic, torch.sin(x), zero)], dim=-1)
        return self.value(features)

    def _start_token(self, batch: int, condition: torch.Tensor | None) -> torch.Tensor:
        """Token 0, float ``(B, 1, width)``: the start vector plus the condition's map."""
        h = self.start.expand(batch, 1, -1)
        if self.condition is not None:
            if condition is None or condition.shape[-1] != self.n_condition:
                got = None if condition is None else tuple(condition.shape)
                raise ValueError(f"event_gpt was built for a condition of {self.n_condition} "
                                 f"floats per event, got {got}")
            h = h + self.condition(condition)[:, None]
        elif condition is not None:
            raise ValueError("event_gpt is unconditional (n_condition = 0); pass condition=None")
        return h

    def _tokens(self, x: torch.Tensor, condition: torch.Tensor | None,
                multiplicity: torch.Tensor | None) -> torch.Tensor:
        """All input tokens with positions, float ``(B, n_tokens, width)``."""
        parts = [self._start_token(x.shape[0], condition)]
        if self.multiplicity is not None:
            assert multiplicity is not None
            parts.append(self.multiplicity(multiplicity)[:, None])
        parts.append(self._value_tokens(x[:, :-1], 0))
        h = torch.cat(parts, dim=1)
        return h + self.position.weight[:h.shape[1]]

    def _hidden(self, h: torch.Tensor) -> torch.Tensor:
        """The causal stack on tokens ``(B, t, width)`` -> normalised outputs, same shape."""
        for block in self.blocks:
            h = block(h)
        return self.norm(h)

    # --- density ------------------------------------------------------------------------
    def _check(self, x: torch.Tensor, multiplicity: torch.Tensor | None) -> None:
        if x.shape[-1] != self.dim:
            raise ValueError(f"event_gpt models {self.dim} coordinates, got x of shape "
                             f"{tuple(x.shape)}")
        if (multiplicity is None) != (self.multiplicity is None):
            raise ValueError("pass the multiplicity classes (int64 (B,)) exactly when the model "
                             f"has several multiplicities (lengths {self.lengths or 'fixed'})")

    def _log_prob(self, x: torch.Tensor, condition: torch.Tensor | None,
                  multiplicity: torch.Tensor | None,
                  generator: torch.Generator | None) -> torch.Tensor:
        """:meth:`log_prob`, with ``generator`` for the Bayesian head's training noise."""
        self._check(x, multiplicity)
        out = self._hidden(self._tokens(x, condition, multiplicity))
        h = out[:, -self.dim:]
        raw = self.head(h, generator) if isinstance(self.head, BayesianLinear) else self.head(h)
        log_p = mixture_log_prob(x, *mixture_parameters(raw), self._periodic)  # (B, d)
        if self.multiplicity_head is None or multiplicity is None:
            return log_p.sum(dim=1)
        lengths = torch.tensor(self.lengths, device=x.device)[multiplicity]  # (B,)
        real = torch.arange(self.dim, device=x.device) < lengths[:, None]
        log_m = torch.log_softmax(self.multiplicity_head(out[:, 0]), dim=-1)
        return (log_p * real).sum(dim=1) + log_m.gather(1, multiplicity[:, None])[:, 0]

    def log_prob(self, x: torch.Tensor, condition: torch.Tensor | None = None, *,
                 multiplicity: torch.Tensor | None = None) -> torch.Tensor:
        """Exact log density, float ``(B,)`` nats per event.

        Parameters
        ----------
        x : float ``(B, d)``, standardised coordinates (zero beyond an event's length).
        condition : float ``(B, n_condition)`` for a conditional model, else None.
        multiplicity : int64 ``(B,)`` classes (indices into ``lengths``) for a
            variable-multiplicity model, else None; their log probability is included.
        """
        return self._log_prob(x, condition, multiplicity, None)

    def loss(self, x: torch.Tensor, condition: torch.Tensor | None = None, *,
             generator: torch.Generator | None = None,
             multiplicity: torch.Tensor | None = None) -> torch.Tensor:
        """Negative log-likelihood per event, float ``(B,)`` nats (see :meth:`log_prob`);
        ``generator`` draws the Bayesian head's training noise."""
        return -self._log_prob(x, condition, multiplicity, generator)

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None,
                generator: torch.Generator | None = None,
                multiplicity: torch.Tensor | None = None) -> torch.Tensor:
        """:meth:`loss` of the loop's inputs ``(x, condition, generator[, multiplicity])``."""
        return self.loss(x, condition, generator=generator, multiplicity=multiplicity)

    @torch.no_grad()
    def multiplicity_probabilities(self, n: int,
                                   condition: torch.Tensor | None = None) -> torch.Tensor:
        """The learned class probabilities ``P(m | c)``, float ``(n, len(lengths))`` (``n``
        rows: one per condition, or ``n`` equal rows without one)."""
        if self.multiplicity_head is None:
            raise ValueError("this event_gpt has a fixed multiplicity")
        was_training = self.training
        self.eval()
        token = self._start_token(n, condition) + self.position.weight[0]
        probs = torch.softmax(self.multiplicity_head(self._hidden(token)[:, 0]), dim=-1)
        self.train(was_training)
        return probs

    def extra_loss(self) -> torch.Tensor | None:
        """KL of the Bayesian head divided by ``D`` (None for the deterministic model)."""
        kl = bayesian_kl(self)
        return None if kl is None else kl / self.n_train

    # --- sampling -----------------------------------------------------------------------
    def _step(self, h: torch.Tensor, history: list[torch.Tensor],
              cache: list[KVCache] | None,
              use_cache: bool) -> tuple[torch.Tensor, list[KVCache] | None]:
        """Output ``(n, width)`` of the newest token ``h`` ``(n, 1, width)`` (positions added),
        given the earlier tokens (``cache`` or ``history``)."""
        if not use_cache:
            history.append(h)
            return self._hidden(torch.cat(history, dim=1))[:, -1], None
        new = []
        for i, block in enumerate(self.blocks):
            assert isinstance(block, Block)
            h, kv = block.forward_cached(h, None if cache is None else cache[i])
            new.append(kv)
        return self.norm(h)[:, -1], new

    @torch.no_grad()
    def _sample(self, n: int, condition: torch.Tensor | None, generator: torch.Generator,
                use_cache: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``n`` events float ``(n, d)`` (zero beyond each event's length) and their
        multiplicity classes int64 ``(n,)`` (None for a fixed multiplicity); see
        :meth:`sample`."""
        was_training = self.training
        self.eval()
        device = self.start.device
        x = torch.zeros(n, self.dim, dtype=self.start.dtype, device=device)
        history: list[torch.Tensor] = []
        token = self._start_token(n, condition) + self.position.weight[0]
        out, cache = self._step(token, history, None, use_cache)
        classes = None
        offset = 1
        if self.multiplicity is not None and self.multiplicity_head is not None:
            probs = torch.softmax(self.multiplicity_head(out).double(), dim=-1)
            classes = torch.multinomial(probs, 1, generator=generator)[:, 0]
            token = self.multiplicity(classes)[:, None] + self.position.weight[offset]
            out, cache = self._step(token, history, cache, use_cache)
            offset += 1
        for i in range(self.dim):
            params = mixture_parameters(self.head(out))
            x[:, i] = sample_mixture(*params, self.periodic[i], generator)
            if i + 1 < self.dim:
                token = self._value_tokens(x[:, i:i + 1], i) + self.position.weight[offset + i]
                out, cache = self._step(token, history, cache, use_cache)
        if classes is not None:  # every row drew all d coordinates; its padding is zeroed
            lengths = torch.tensor(self.lengths, device=device)[classes]
            x = torch.where(torch.arange(self.dim, device=device) < lengths[:, None], x, 0.0)
        self.train(was_training)
        return x, classes

    def sample(self, n: int, *, condition: torch.Tensor | None = None,
               generator: torch.Generator, use_cache: bool = True) -> torch.Tensor:
        """``n`` events, float ``(n, d)`` standardised coordinates (periodic ones in
        ``[-pi, pi)``; zero beyond each event's length for a variable multiplicity, whose
        classes :meth:`sample_with_multiplicity` also returns).

        Parameters
        ----------
        n : events to draw.
        condition : float ``(n, n_condition)`` for a conditional model, else None.
        generator : torch generator on the model's device; the draws depend only on it and
            the weights (a Bayesian head uses its posterior mean or the draw fixed by
            :func:`~hepscaling.models.bayesian.weight_draws`).
        use_cache : reuse the keys and values of the prefix (True) or recompute the whole
            prefix each step (False; slower, the same draws up to floating-point rounding).
        """
        return self._sample(n, condition, generator, use_cache)[0]

    def sample_with_multiplicity(self, n: int, *, condition: torch.Tensor | None = None,
                                 generator: torch.Generator,
                                 use_cache: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` events float ``(n, d)`` (zero beyond each event's length) and their
        multiplicity classes int64 ``(n,)`` (see :meth:`sample`)."""
        x, classes = self._sample(n, condition, generator, use_cache)
        if classes is None:
            raise NotImplementedError("this event_gpt models one multiplicity (no spec.lengths)")
        return x, classes

    # --- sizes --------------------------------------------------------------------------
    def forward_flops(self) -> float:
        """Analytic forward FLOPs per event: the value embedding of ``d - 1`` tokens, the
        condition's map, the blocks on ``n_tokens`` tokens, the mixture head on ``d`` tokens
        and the multiplicity head on one (:func:`.flops.transformer_flops`)."""
        cfg, width = self.cfg, self.cfg.width
        classes = len(self.lengths)
        dense = ((self.dim - 1) * _VALUE_FEATURES + self.n_condition + classes
                 + self.dim * 3 * cfg.components) * width
        return 2.0 * dense + transformer_flops(self.n_tokens, 0, width, cfg.depth,
                                               cfg.mlp_ratio, 0)
