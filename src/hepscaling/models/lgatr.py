"""The ``lgatr`` family: the Lorentz-equivariant geometric-algebra transformer L-GATr.

Built from the PyPI package ``lgatr`` (Spinner et al., arXiv:2405.14806, 2411.00446), as in the
LLoCa amplitude experiments: each particle is one token carrying one multivector channel, its
four-momentum embedded as a vector (:func:`lgatr.embed_vector`; ``(E, px, py, pz)`` is lgatr's
``(t, x, y, z)``), and its one-hot particle type as scalar channels. :class:`lgatr.LGATr` stacks
``depth`` blocks of geometric attention and geometric MLPs; the scalar component
(:func:`lgatr.extract_scalar`) of ``n_outputs`` output multivector channels, averaged over the
particles, is the prediction.

The network is exactly equivariant under the proper orthochronous Lorentz group (lgatr's default
``subgroup=True`` primitives), so the prediction is invariant up to rounding. No
Lorentz-breaking reference multivectors (beam axis, time direction) are added: amplitudes are
Lorentz invariant, so the symmetry is kept exact.

Config (``model:`` section)::

    family: lgatr
    width: 32        # scalar channels per token (the size knob); multivector channels = width / 2
    depth: 2         # L-GATr blocks
    heads: 4         # attention heads
    mlp_ratio: 4     # geometric MLP expansion

FLOPs: :meth:`LGATr.forward_flops` is counted once per model with ``FlopCounterMode`` (matmul-like
ops only; the sparse geometric product, norms and gates are gather / elementwise work and are
excluded) and cached; see :func:`hepscaling.models.flops.counted_flops_per_sample`.
"""

from __future__ import annotations

from typing import Literal

import torch
from lgatr import LGATr as LGATrNet
from lgatr import embed_vector, extract_scalar
from pydantic import Field

from hepscaling.models.base import InputsSpec, Model, ModelConfig, register_model
from hepscaling.models.blocks import type_one_hot
from hepscaling.models.flops import counted_flops_per_sample

__all__ = ["LGATr", "LGATrConfig"]


class LGATrConfig(ModelConfig):
    """``model:`` section of the ``lgatr`` family (see the module docstring)."""

    family: Literal["lgatr"] = "lgatr"
    width: int = Field(32, ge=2)
    depth: int = Field(2, ge=0)
    heads: int = Field(4, ge=1)
    mlp_ratio: int = Field(4, ge=1)


@register_model("lgatr", LGATrConfig)
class LGATr(Model):
    """L-GATr: momenta ``(B, k, 4)`` -> ``(B, n_outputs)``, Lorentz invariant.

    Parameters
    ----------
    cfg : the ``model:`` section.
    spec : input shapes; ``spec.particle_types`` (``k`` ids) sets the scalar input channels.
    """

    input_kind = "momenta"

    def __init__(self, cfg: LGATrConfig, spec: InputsSpec) -> None:
        super().__init__()
        self.cfg = cfg
        self.n_particles = spec.need("n_particles", cfg.family)
        n_outputs = spec.need("n_outputs", cfg.family)
        types = type_one_hot(spec.need("particle_types", cfg.family),
                             self.n_particles)  # (k, n_types)
        self.register_buffer("types", types, persistent=False)
        self.net = LGATrNet(
            num_blocks=cfg.depth, in_mv_channels=1, out_mv_channels=n_outputs,
            hidden_mv_channels=cfg.width // 2, in_s_channels=types.shape[1], out_s_channels=0,
            hidden_s_channels=cfg.width, attention={"num_heads": cfg.heads},
            mlp={"mlp_ratio": cfg.mlp_ratio},
        )
        self._flops: float | None = None

    def forward(self, momenta: torch.Tensor) -> torch.Tensor:
        """``momenta``: float ``(B, k, 4)`` (E, px, py, pz) / scale -> float ``(B, n_outputs)``."""
        batch, k, _ = momenta.shape
        types = self.types.to(momenta.dtype).expand(batch, k, -1)  # (B, k, n_types)
        multivectors = embed_vector(momenta.unsqueeze(-2))  # (B, k, 1, 16)
        out_mv, _ = self.net(multivectors, scalars=types)  # (B, k, n_outputs, 16)
        return extract_scalar(out_mv)[..., 0].mean(dim=1)  # (B, n_outputs)

    def forward_flops(self) -> float:
        """Forward matmul FLOPs per event, counted by ``FlopCounterMode`` on first call."""
        if self._flops is None:
            like = self.types

            def run(batch: int) -> torch.Tensor:
                return self(like.new_zeros(batch, self.n_particles, 4))

            self._flops = counted_flops_per_sample(run)
        return self._flops
