"""L-GATr networks: the ``lgatr`` family (amplitudes) and the ``lgatr`` backbone of ``cfm``.

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

:class:`LGATrOverObjects` is the ``backbone: lgatr`` of the ``cfm`` family
(:mod:`hepscaling.models.cfm`), after the lorentz-gatr event-generation wrapper ``GATrCFM``
(``experiments/eventgen/wrappers.py``, config ``gatr_eventgen.yaml``): one token per object,
its four-momentum as a vector multivector, plus two reference multivectors as extra channels
of every token that break the symmetry to rotations about the beam (:func:`lgatr.get_spurions`
``("xyplane", add_time_spurion=True)``: the transverse plane as a bivector and the time
direction ``(1, 0, 0, 0)`` as a vector; the anchor's ``beam_reference: xyplane``,
``add_time_reference: true``, ``spurion_token: false``), and the caller's scalar features per
token as scalar channels. The output is scalar channels only: there are no multivector outputs
(the anchor's multivector velocity is overwritten by scalar outputs where coordinates are
logarithms; here every coordinate's velocity is a scalar output).

Both networks share the size convention: ``width`` scalar channels, ``width / 2`` multivector
channels.

FLOPs: :meth:`LGATr.forward_flops` is counted once per model with ``FlopCounterMode`` (matmul-like
ops only; the sparse geometric product, norms and gates are gather / elementwise work and are
excluded) and cached; see :func:`hepscaling.models.flops.counted_flops_per_sample`.
"""

from __future__ import annotations

import warnings
from typing import Literal

import torch
from lgatr import LGATr as LGATrNet
from lgatr import embed_vector, extract_scalar, get_spurions
from pydantic import Field
from torch import nn

from hepscaling.models.base import InputsSpec, Model, ModelConfig, register_model
from hepscaling.models.blocks import type_one_hot
from hepscaling.models.flops import counted_flops_per_sample

__all__ = ["LGATr", "LGATrConfig", "LGATrOverObjects"]


class LGATrConfig(ModelConfig):
    """``model:`` section of the ``lgatr`` family (see the module docstring)."""

    family: Literal["lgatr"] = "lgatr"
    width: int = Field(32, ge=2)
    depth: int = Field(2, ge=0)
    heads: int = Field(4, ge=1)
    mlp_ratio: int = Field(4, ge=1)


def _network(*, width: int, depth: int, heads: int, mlp_ratio: int, in_mv: int, out_mv: int,
             in_s: int, out_s: int) -> LGATrNet:
    """An :class:`lgatr.LGATr` of ``depth`` blocks with ``width`` hidden scalar and ``width / 2``
    hidden multivector channels."""
    with warnings.catch_warnings():  # out_mv = 0: torch warns that a 0-element init is a no-op
        warnings.filterwarnings("ignore", "Initializing zero-element tensors is a no-op")
        return LGATrNet(num_blocks=depth, in_mv_channels=in_mv, out_mv_channels=out_mv,
                        hidden_mv_channels=width // 2, in_s_channels=in_s, out_s_channels=out_s,
                        hidden_s_channels=width, attention={"num_heads": heads},
                        mlp={"mlp_ratio": mlp_ratio})


class LGATrOverObjects(nn.Module):
    """The ``cfm`` backbone: per-object scalars ``(B, O, n_scalars)`` and four-momenta
    ``(B, O, 4)`` ``(E, px, py, pz)`` -> scalars ``(B, O, n_out)`` (module docstring).

    Equivariant under rotations about the beam axis (the symmetry the reference multivectors
    leave); the scalars decide what else the output depends on.
    """

    references: torch.Tensor  # (2, 16): the xy-plane bivector and the time vector

    def __init__(self, n_scalars: int, n_out: int, *, width: int, depth: int, heads: int,
                 mlp_ratio: int) -> None:
        super().__init__()
        references = get_spurions("xyplane", add_time_spurion=True,
                                  device=torch.get_default_device())  # meta for FLOP counts
        self.register_buffer("references", references, persistent=False)
        self.net = _network(width=width, depth=depth, heads=heads, mlp_ratio=mlp_ratio,
                            in_mv=1 + self.references.shape[0], out_mv=0, in_s=n_scalars,
                            out_s=n_out)

    def forward(self, scalars: torch.Tensor, momenta: torch.Tensor) -> torch.Tensor:
        vectors = embed_vector(momenta.unsqueeze(-2))  # (B, O, 1, 16)
        references = self.references.to(vectors.dtype).expand(*vectors.shape[:2], -1, -1)
        _, out = self.net(torch.cat([vectors, references], dim=-2), scalars=scalars)
        return out  # (B, O, n_out)


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
        self.net = _network(width=cfg.width, depth=cfg.depth, heads=cfg.heads,
                            mlp_ratio=cfg.mlp_ratio, in_mv=1, out_mv=n_outputs,
                            in_s=types.shape[1], out_s=0)
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
