"""The ``jet_gpt`` family: a GPT over jet-constituent tokens (next-token generation of jets).

nanoGPT's ``GPT`` on :class:`~hepscaling.models.blocks.Block` ``(causal=True)``: token
embedding plus a learned position embedding (``positions: none`` drops it, as in the OmniJet-
and Finke-style models), ``depth`` pre-norm blocks, a final LayerNorm and a linear head tied to
the token embedding (no bias). Input kind ``"tokens"``: int64 ``(B, L)`` with
``L <= spec.n_particles`` (= ``T + 1``: the start token and up to ``T`` constituents); the last
three ids of the vocabulary (``spec.vocab_size = V``) are START = ``V - 3``, STOP = ``V - 2``
and PAD = ``V - 1`` (the layout of :class:`hepscaling.data.tokens.JetTokenizer`). Output:
logits float32 ``(B, L, V)`` of the next token at every position.

:meth:`JetGPT.sample` draws jets token by token from START, with temperature and top-k, never
drawing START or PAD, forcing STOP after ``T`` constituents, and by default with a key/value
cache (the same draws as recomputing the whole prefix each step, under the same generator).

Sizes: non-embedding parameters ``N_nonemb ~ depth (4 + 2 mlp_ratio) width^2``
(:meth:`JetGPT.n_params_scaling`, the record's N; Kaplan et al. fit on it); the tied embedding adds
``V width``. FLOPs per sequence (:func:`~hepscaling.models.flops.transformer_flops`) count the
output head, which dominates at small width.

Config (``model:`` section)::

    family: jet_gpt
    width: 64            # channels per token (the size knob)
    depth: 3             # transformer blocks
    heads: 4             # attention heads (width must be a multiple)
    mlp_ratio: 4         # MLP hidden channels = mlp_ratio x width
    positions: learned   # learned | none
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field
from torch import nn

from hepscaling.models.base import GenerativeModel, InputsSpec, ModelConfig, register_model
from hepscaling.models.blocks import Block, KVCache, check_heads
from hepscaling.models.flops import transformer_flops

__all__ = ["JetGPT", "JetGPTConfig"]


class JetGPTConfig(ModelConfig):
    """``model:`` section of the ``jet_gpt`` family (see the module docstring)."""

    family: Literal["jet_gpt"] = "jet_gpt"
    width: int = Field(64, ge=1)
    depth: int = Field(3, ge=1)
    heads: int = Field(4, ge=1)
    mlp_ratio: int = Field(4, ge=1)
    positions: Literal["learned", "none"] = "learned"


@register_model("jet_gpt", JetGPTConfig)
class JetGPT(GenerativeModel):
    """Causal transformer over tokens ``(B, L)`` -> next-token logits ``(B, L, V)``.

    Parameters
    ----------
    cfg : the ``model:`` section.
    spec : ``vocab_size`` (V, incl. START, STOP, PAD) and ``n_particles`` (``T + 1`` input
        positions).
    """

    input_kind = "tokens"

    def __init__(self, cfg: JetGPTConfig, spec: InputsSpec) -> None:
        super().__init__()
        check_heads("jet_gpt", cfg.width, cfg.heads)
        self.cfg = cfg
        self.vocab_size = spec.need("vocab_size", cfg.family)
        self.n_positions = spec.need("n_particles", cfg.family)
        self.start, self.stop, self.pad = (self.vocab_size - 3, self.vocab_size - 2,
                                           self.vocab_size - 1)
        self.embed = nn.Embedding(self.vocab_size, cfg.width)
        self.position = (nn.Embedding(self.n_positions, cfg.width)
                         if cfg.positions == "learned" else None)
        self.blocks = nn.ModuleList(Block(cfg.width, cfg.heads, cfg.mlp_ratio, causal=True)
                                    for _ in range(cfg.depth))
        self.norm = nn.LayerNorm(cfg.width)
        self.head = nn.Linear(cfg.width, self.vocab_size, bias=False)
        self.head.weight = self.embed.weight  # tied
        # nanoGPT's initialisation of the embeddings, N(0, 0.02^2): with torch's N(0, 1) the tied
        # head starts with logits of spread ~sqrt(width) and an initial loss far above ln V
        for table in (self.embed, self.position):
            if table is not None:
                nn.init.normal_(table.weight, std=0.02)

    def _embed(self, tokens: torch.Tensor, offset: int = 0) -> torch.Tensor:
        """Token (+ position) embeddings of tokens ``(B, t)`` at positions ``offset + [0, t)``,
        float ``(B, t, width)``."""
        h = self.embed(tokens)
        if self.position is not None:
            h = h + self.position(torch.arange(offset, offset + tokens.shape[1],
                                               device=tokens.device))
        return h

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """``tokens``: int64 ``(B, L)``, ``L <= T + 1`` -> logits float ``(B, L, V)``."""
        h = self._embed(tokens)
        for block in self.blocks:
            h = block(h)
        return self.head(self.norm(h))

    def forward_cached(self, tokens: torch.Tensor,
                       cache: list[KVCache] | None) -> tuple[torch.Tensor, list[KVCache]]:
        """Logits ``(B, t, V)`` of new tokens ``(B, t)`` following those in ``cache`` (one
        :data:`~hepscaling.models.blocks.KVCache` per block, None at the start), and the
        updated cache."""
        offset = 0 if cache is None else cache[0][0].shape[2]
        h, new = self._embed(tokens, offset), []
        for i, block in enumerate(self.blocks):
            assert isinstance(block, Block)
            h, kv = block.forward_cached(h, None if cache is None else cache[i])
            new.append(kv)
        return self.head(self.norm(h)), new

    def n_params_scaling(self) -> int:
        """Parameters without the token and position embeddings (the tied head included in
        the former)."""
        embedding = self.embed.weight.numel()
        if self.position is not None:
            embedding += self.position.weight.numel()
        return self.n_params() - embedding

    def forward_flops(self) -> float:
        """Analytic forward FLOPs per sequence of ``T + 1`` tokens, head included (the
        embedding lookup is not a matmul), see :func:`.flops.transformer_flops`."""
        return transformer_flops(self.n_positions, 0, self.cfg.width, self.cfg.depth,
                                 self.cfg.mlp_ratio, self.vocab_size)

    def _next(self, logits: torch.Tensor, step: int, temperature: float, top_k: int | None,
              generator: torch.Generator) -> torch.Tensor:
        """One draw per row from last-position logits ``(n, V)``: int64 ``(n,)``."""
        logits = logits.double() / temperature
        logits[:, [self.start, self.pad]] = -torch.inf
        if step == self.n_positions - 1:  # T constituents drawn: the jet ends
            logits[:, :self.stop] = -torch.inf
        if top_k is not None and top_k < logits.shape[1]:
            kth = torch.topk(logits, top_k, dim=1).values[:, -1:]
            logits = logits.masked_fill(logits < kth, -torch.inf)
        probs = torch.softmax(logits, dim=1)
        return torch.multinomial(probs, 1, generator=generator)[:, 0]

    @torch.no_grad()
    def sample(self, n: int, *, condition: torch.Tensor | None = None,
               generator: torch.Generator, temperature: float = 1.0, top_k: int | None = None,
               use_cache: bool = True) -> torch.Tensor:
        """``n`` token sequences, int64 ``(n, T + 2)``: ``[START, c_1, ..., c_k, STOP, PAD...]``.

        Parameters
        ----------
        n : sequences to draw.
        condition : unused (unconditional model); must be None.
        generator : torch generator on the model's device; the draws depend only on it, the
            weights, ``temperature`` and ``top_k``.
        temperature : softmax temperature (> 0; 1 samples the model's distribution).
        top_k : keep only the ``top_k`` most probable tokens at each step (None: all).
        use_cache : reuse keys and values of the prefix (True) or recompute the whole prefix
            each step (False; slower, the same draws up to floating-point rounding).
        """
        if condition is not None:
            raise ValueError("jet_gpt is unconditional; pass condition=None")
        if temperature <= 0 or (top_k is not None and top_k < 1):
            raise ValueError(f"need temperature > 0 and top_k >= 1, got {temperature}, {top_k}")
        was_training = self.training
        self.eval()
        device = self.embed.weight.device
        tokens = torch.full((n, self.n_positions + 1), self.pad, dtype=torch.long, device=device)
        tokens[:, 0] = self.start
        done = torch.zeros(n, dtype=torch.bool, device=device)
        cache: list[KVCache] | None = None
        for step in range(self.n_positions):
            if use_cache:
                logits, cache = self.forward_cached(tokens[:, step:step + 1], cache)
            else:
                logits = self(tokens[:, :step + 1])
            drawn = self._next(logits[:, -1], step, temperature, top_k, generator)
            tokens[:, step + 1] = torch.where(done, self.pad, drawn)
            done |= drawn == self.stop
            if bool(done.all()):
                break
        self.train(was_training)
        return tokens
