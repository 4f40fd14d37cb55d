"""The ``cfm`` family: conditional flow matching for event coordinates (input kind ``"events"``).

Path and objective (rectified flow / CFM without optimal-transport coupling, the convention of
arXiv:2305.10475: ``t = 0`` noise, ``t = 1`` data). For data ``x1`` ``(B, d)`` and base draws
``x0``, ``t ~ U(0, 1)`` per event, the path is the straight line ``x_t = x0 + t D`` with
``D = x1 - x0``; the network ``v(x_t, t, c)`` regresses the constant velocity ``D``. The
per-event loss (:meth:`CFM.loss`) is ``mean_i (v_i - D_i)^2`` over the ``d`` coordinates.

Base distribution: ``N(0, 1)`` for the standardised coordinates, uniform on ``[-pi, pi)`` for
the periodic ones (spec ``periodic``: azimuth differences).

Periodic coordinates, handled explicitly. For an angle the path follows the shortest arc:
``D = wrap(x1 - x0)`` with ``wrap`` to ``[-pi, pi)``, and ``x_t`` is wrapped too. The network
sees every angle only through ``(sin, cos)``, so the learned velocity field is ``2 pi``-periodic
in the angles by construction; the ODE is therefore integrated on the real line and the angles
wrapped once at the end, which is exactly integration on the circle. The divergence is taken
in the angle itself (autograd through ``sin``/``cos``), and the uniform base has density
``1 / (2 pi)``.

Backbones (``backbone``):

- ``mlp``: residual MLP. Input ``[x (angles as sin, cos), t, time embedding, condition]`` ->
  ``Linear(width)``, ``depth`` blocks ``h + Linear(SiLU(Linear(LayerNorm(h))))`` (the last
  linear of each block zero-initialised, so each block starts as the identity), SiLU,
  ``Linear(d)``;
- ``transformer``: one token per object (muon or jet; spec ``coordinate_objects``,
  :mod:`hepscaling.models.object_tokens`): the object's input features (its coordinates,
  angles as sin and cos, zero-padded to the largest object), a one-hot object slot, ``t``,
  the time embedding and the condition -> ``Linear(width)``, ``depth`` bidirectional
  :class:`~hepscaling.models.blocks.Block` s, LayerNorm and a linear head giving each token
  the velocities of its own coordinates;
- ``lgatr``: the same tokens through L-GATr
  (:class:`~hepscaling.models.lgatr.LGATrOverObjects`, after the lorentz-gatr event-generation
  wrapper ``GATrCFM``, arXiv:2405.14806): each token's scalar channels are the transformer's
  token features above (coordinates with angles as sin and cos, object one-hot, ``t``, time
  embedding, condition); its multivector channels are the object's current four-momentum as a
  vector -- computed from the flow state ``x_t`` by the coordinate inverse in torch
  (:class:`~hepscaling.models.object_momenta.ObjectMomentumMap`, divided by the training set's
  momentum ``unit``), differentiable, so the exact divergence still holds -- and two reference
  multivectors that break the Lorentz symmetry to rotations about the beam (the transverse
  plane and the time direction, as the anchor). ``width`` scalar and ``width / 2``
  multivector hidden channels; each object's velocities are its output scalar channels,
  placed by the same slots as the transformer's head. It needs per-object momenta
  (``spec.object_momenta``: ``task.coordinates: objects``; ``dimuon`` is refused when the
  config loads, :meth:`CFMConfig.reads_object_momenta`) and has no Bayesian readout
  (``bayesian: true`` is refused when the config loads too). The momenta are those of the
  event rotated so that the first muon has azimuth 0 (the coordinates measure every azimuth
  from it); L-GATr's output does not change under a common rotation of all of them about the
  beam.

Time embedding: Gaussian Fourier features ``[sin(2 pi W t), cos(2 pi W t)]`` with ``W ~ N(0,
time_scale^2)`` of size ``time_dim / 2`` (fixed at initialisation, a buffer), as in the
lorentz-gatr CFM.

Sampling (:meth:`CFM.sample`) and likelihood (:meth:`CFM.log_prob`) integrate the ODE with
torchdiffeq: ``solver: rk4`` with ``steps`` fixed steps (``4 steps`` network evaluations) or
``solver: dopri5`` (adaptive, ``rtol``, ``atol``). The log-likelihood is the continuous change
of variables, ``log p(x1) = log p0(x0) - int_0^1 div v dt``, with the divergence exact (one
autograd pass per coordinate, ``d <= 17``), integrated from the data back to ``t = 0``; nats,
density of the standardised coordinates.

Bayesian variant (``bayesian: true``, backbones ``mlp`` and ``transformer``): the last layer
(the MLP readout, the transformer head) is a :class:`~hepscaling.models.bayesian.BayesianLinear`
with prior ``N(0, prior_width^2)``; its KL divergence over the training-set size ``D`` is
:meth:`CFM.extra_loss`. Training draws its local-reparameterisation noise from torch's global
generator (the loop seeds it); sampling and the likelihood use the posterior mean, or the one
weight draw fixed by :func:`~hepscaling.models.bayesian.weight_draws` for a whole ODE
trajectory (bands).

FLOPs (:meth:`CFM.forward_flops`): one velocity evaluation per event (the training forward
pass; analytic for ``mlp`` and ``transformer``; for ``lgatr`` counted once by
``FlopCounterMode``, matmul-like ops only, as the ``lgatr`` family); sampling costs ``4 steps``
of them with ``rk4``, the likelihood ``d`` more backward passes each.

Config (``model:`` section)::

    family: cfm
    backbone: mlp       # mlp | transformer | lgatr (one token per object, L-GATr)
    width: 128          # hidden channels (the size knob; N ~ 2 depth width^2 for mlp)
    depth: 3            # residual blocks / transformer blocks
    heads: 4            # transformer, lgatr: attention heads
    mlp_ratio: 2        # transformer, lgatr: MLP hidden channels = mlp_ratio x width
    time_dim: 16        # Fourier time features (sin and cos of time_dim / 2 frequencies)
    time_scale: 30.0    # spread of the Fourier frequencies
    solver: rk4         # rk4 | dopri5
    steps: 50           # rk4 steps from noise to data
    rtol: 1.0e-5        # dopri5 tolerances
    atol: 1.0e-5
    bayesian: false     # variational (Bayesian) last layer
    prior_width: 1.0    # std of its Gaussian weight prior
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import torch
from pydantic import Field, model_validator
from torch import nn

from hepscaling.errors import UsageError
from hepscaling.models.base import EventGenerator, InputsSpec, ModelConfig, register_model
from hepscaling.models.bayesian import BayesianLinear, bayesian_kl
from hepscaling.models.blocks import Block, check_heads
from hepscaling.models.flops import counted_flops_per_sample, transformer_flops
from hepscaling.models.object_momenta import ObjectMomentumMap
from hepscaling.models.object_tokens import object_tokens

__all__ = ["CFM", "CFMConfig"]


class CFMConfig(ModelConfig):
    """``model:`` section of the ``cfm`` family (see the module docstring)."""

    family: Literal["cfm"] = "cfm"
    backbone: Literal["mlp", "transformer", "lgatr"] = "mlp"
    width: int = Field(128, ge=1)
    depth: int = Field(3, ge=0)
    heads: int = Field(4, ge=1)
    mlp_ratio: int = Field(2, ge=1)
    time_dim: int = Field(16, ge=2, multiple_of=2)
    time_scale: float = Field(30.0, gt=0)
    solver: Literal["rk4", "dopri5"] = "rk4"
    steps: int = Field(50, ge=1)
    rtol: float = Field(1e-5, gt=0)
    atol: float = Field(1e-5, gt=0)
    bayesian: bool = False
    prior_width: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _lgatr_is_not_bayesian(self) -> CFMConfig:
        if self.backbone == "lgatr" and self.bayesian:
            raise ValueError("cfm backbone lgatr has no Bayesian readout; set model.bayesian: "
                             "false or model.backbone: transformer")
        return self

    def reads_object_momenta(self) -> tuple[str, str] | None:
        """``backbone: lgatr`` does (its vector channels are the objects' four-momenta);
        ``backbone: transformer`` takes the same tokens without them."""
        if self.backbone != "lgatr":
            return None
        return "model.backbone: lgatr", "model.backbone: transformer"


def _wrap(x: torch.Tensor) -> torch.Tensor:
    """Angles wrapped to ``[-pi, pi)`` (any shape)."""
    return torch.remainder(x + math.pi, 2.0 * math.pi) - math.pi


class _ResidualMLP(nn.Module):
    """``(B, n_in) -> (B, n_out)``: input layer, ``depth`` pre-norm residual blocks, readout."""

    def __init__(self, n_in: int, width: int, depth: int, readout: nn.Module) -> None:
        super().__init__()
        self.inp = nn.Linear(n_in, width)
        last = [nn.Linear(width, width) for _ in range(depth)]
        for layer in last:  # each block starts as the identity
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(width), nn.Linear(width, width), nn.SiLU(), layer)
            for layer in last)
        self.out = nn.Sequential(nn.SiLU(), readout)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        h = self.inp(h)
        for block in self.blocks:
            h = h + block(h)
        return self.out(h)

    def flops(self) -> float:
        linears = [m for m in self.modules() if isinstance(m, nn.Linear | BayesianLinear)]
        return 2.0 * sum(m.in_features * m.out_features for m in linears)


def _lgatr_backbone(cfg: CFMConfig, spec: InputsSpec, n_scalars: int,
                    n_out: int) -> tuple[nn.Module, ObjectMomentumMap]:
    """The ``lgatr`` backbone (:class:`~hepscaling.models.lgatr.LGATrOverObjects`) for tokens
    of ``n_scalars`` scalar features and ``n_out`` velocity slots, and the map from coordinates
    to the objects' four-momenta it is fed; one-line errors for inputs without per-object
    four-momenta (a run config with them is refused when it loads) or lgatr not installed."""
    if spec.object_momenta is None:
        raise UsageError("cfm backbone lgatr needs each object's four-momentum, which these "
                         "inputs do not give (event_generation: task.coordinates dimuon); set "
                         "task.coordinates: objects or model.backbone: transformer")
    try:  # lgatr builds constant tensors on import: not on the meta device of a FLOP count
        with torch.device("cpu"):
            from hepscaling.models.lgatr import LGATrOverObjects
    except ModuleNotFoundError as exc:
        raise UsageError(f"cfm backbone lgatr needs module {exc.name!r}, which is not "
                         "installed; pip install 'hepscaling[equivariant]'") from exc
    return (LGATrOverObjects(n_scalars, n_out, width=cfg.width, depth=cfg.depth,
                             heads=cfg.heads, mlp_ratio=cfg.mlp_ratio),
            ObjectMomentumMap(spec.object_momenta))


@register_model("cfm", CFMConfig)
class CFM(EventGenerator):
    """Conditional flow matching on event coordinates ``(B, d)`` (module docstring).

    Parameters
    ----------
    cfg : the ``model:`` section.
    spec : ``n_features`` (d), ``periodic`` and ``coordinate_objects`` (both ``(d,)``) and
        ``n_condition`` of the task.
    """

    # buffers (set in __init__; the token ones only with backbone: transformer or lgatr)
    periodic: torch.Tensor  # bool (d,)
    frequencies: torch.Tensor  # (time_dim / 2,)
    feature_index: torch.Tensor  # int64 (d + n_periodic,), columns of [x, sin x, cos x]
    gather: torch.Tensor  # int64 (objects, per_object), feature columns of each token
    scatter: torch.Tensor  # int64 (d,), output slot of each coordinate (models.object_tokens)
    types: torch.Tensor  # (objects, objects) one-hot object slots

    def __init__(self, cfg: CFMConfig, spec: InputsSpec) -> None:
        super().__init__()
        self.cfg = cfg
        d = int(spec.need("n_features", cfg.family))
        periodic = spec.need("periodic", cfg.family)
        if len(periodic) != d:
            raise ValueError(f"spec.periodic has {len(periodic)} entries for {d} features")
        self.d, self.n_condition = d, spec.n_condition
        self.n_train = spec.need("n_train", cfg.family) if cfg.bayesian else spec.n_train
        self.register_buffer("periodic", torch.tensor(periodic, dtype=torch.bool))
        self.register_buffer("frequencies", torch.randn(cfg.time_dim // 2) * cfg.time_scale)
        n_periodic = int(sum(periodic))
        n_features = d + n_periodic  # angles enter as sin and cos
        index: list[int] = []
        for i, angle in enumerate(periodic):
            index += [d + i, 2 * d + i] if angle else [i]
        self.register_buffer("feature_index", torch.tensor(index, dtype=torch.long))
        extra = 1 + cfg.time_dim + spec.n_condition

        def last(n_out: int) -> nn.Module:
            """The output layer: Bayesian or not."""
            return (BayesianLinear(cfg.width, n_out, prior_width=cfg.prior_width)
                    if cfg.bayesian else nn.Linear(cfg.width, n_out))

        if cfg.backbone == "mlp":
            self.mlp: _ResidualMLP | None = _ResidualMLP(n_features + extra, cfg.width,
                                                         cfg.depth, last(d))
            return
        self.mlp = None
        if cfg.backbone == "transformer":
            check_heads("cfm", cfg.width, cfg.heads)
        tokens = object_tokens([int(o) for o in spec.need("coordinate_objects", cfg.family)],
                               periodic)
        self.n_objects, self.per_object, self.slots = (tokens.n_objects, tokens.per_object,
                                                       tokens.slots)
        self.register_buffer("gather", torch.tensor(tokens.gather, dtype=torch.long))
        self.register_buffer("scatter", torch.tensor(tokens.scatter, dtype=torch.long))
        self.register_buffer("types", torch.eye(self.n_objects))
        self.token_in = self.per_object + self.n_objects + extra
        if cfg.backbone == "lgatr":
            self.lgatr: nn.Module | None
            self.lgatr, self.momenta = _lgatr_backbone(cfg, spec, self.token_in, self.slots)
            self._flops: float | None = None
            return
        self.lgatr = None
        self.embed = nn.Linear(self.token_in, cfg.width)
        self.blocks = nn.ModuleList(Block(cfg.width, cfg.heads, cfg.mlp_ratio, causal=False)
                                    for _ in range(cfg.depth))
        self.norm = nn.LayerNorm(cfg.width)
        self.head = last(self.slots)

    # -- the velocity field -----------------------------------------------------------------

    def _features(self, x: torch.Tensor) -> torch.Tensor:
        """Network features of coordinates ``x`` ``(B, d)``: angles as (sin, cos), in
        coordinate order, ``(B, d + n_periodic)``."""
        return torch.cat([x, torch.sin(x), torch.cos(x)], dim=1)[:, self.feature_index]

    def velocity(self, x: torch.Tensor, t: torch.Tensor,
                 condition: torch.Tensor | None) -> torch.Tensor:
        """``v(x, t, c)`` float ``(B, d)`` at coordinates ``x`` ``(B, d)``, times ``t``
        ``(B,)`` or a scalar, condition ``(B, n_condition)`` or None."""
        batch = x.shape[0]
        t = torch.as_tensor(t, dtype=x.dtype, device=x.device).expand(batch)
        angle = 2.0 * math.pi * t[:, None] * self.frequencies
        extra = [t[:, None], torch.sin(angle), torch.cos(angle)]
        if self.n_condition:
            if condition is None:
                raise ValueError(f"cfm was built for a condition of {self.n_condition} "
                                 "features; pass condition")
            extra.append(condition.to(x.dtype))
        features = self._features(x)
        if self.mlp is not None:
            return self.mlp(torch.cat([features, *extra], dim=1))
        padded = torch.cat([features, features.new_zeros(batch, 1)], dim=1)
        tokens = padded[:, self.gather]  # (B, objects, per_object)
        shared = torch.cat(extra, dim=1)[:, None].expand(batch, self.n_objects, -1)
        types = self.types.to(x.dtype).expand(batch, -1, -1)
        scalars = torch.cat([tokens, types, shared], dim=2)  # (B, objects, token_in)
        if self.lgatr is not None:
            out = self.lgatr(scalars, self.momenta(x))  # (B, objects, slots)
        else:
            h = self.embed(scalars)  # (B, objects, width)
            for block in self.blocks:
                h = block(h)
            out = self.head(self.norm(h))
        return out.reshape(batch, self.n_objects * self.slots)[:, self.scatter]

    # -- training objective -----------------------------------------------------------------

    def _base(self, n: int, generator: torch.Generator | None, device: torch.device,
              dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """``n`` base draws ``(n, d)``: N(0, 1), uniform on ``[-pi, pi)`` for angles."""
        gauss = torch.randn(n, self.d, generator=generator, device=device, dtype=dtype)
        angle = (torch.rand(n, self.d, generator=generator, device=device, dtype=dtype)
                 * 2.0 - 1.0) * math.pi
        return torch.where(self.periodic, angle, gauss)

    def loss(self, x: torch.Tensor, condition: torch.Tensor | None = None, *,
             generator: torch.Generator | None = None) -> torch.Tensor:
        """Flow-matching loss per event float ``(B,)``: ``mean_i (v_i(x_t, t) - D_i)^2``."""
        x0 = self._base(x.shape[0], generator, x.device, x.dtype)
        t = torch.rand(x.shape[0], generator=generator, device=x.device, dtype=x.dtype)
        delta = torch.where(self.periodic, _wrap(x - x0), x - x0)
        xt = x0 + t[:, None] * delta
        xt = torch.where(self.periodic, _wrap(xt), xt)
        return torch.mean((self.velocity(xt, t, condition) - delta) ** 2, dim=1)

    # -- ODE: sampling and likelihood -------------------------------------------------------

    def _integrate(self, func: Callable[..., object], state: object, t0: float, t1: float,
                   like: torch.Tensor) -> object:
        """``state`` at ``t1`` of the ODE ``func(t, state)`` started at ``t0`` (torchdiffeq,
        the configured solver)."""
        from torchdiffeq import odeint

        times = torch.tensor([t0, t1], dtype=like.dtype, device=like.device)
        if self.cfg.solver == "rk4":
            solution = odeint(func, state, times, method="rk4",
                              options={"step_size": 1.0 / self.cfg.steps})
        else:
            solution = odeint(func, state, times, method="dopri5", rtol=self.cfg.rtol,
                              atol=self.cfg.atol)
        if isinstance(solution, tuple):
            return tuple(s[-1] for s in solution)
        return solution[-1]

    @torch.no_grad()
    def sample(self, n: int, *, condition: torch.Tensor | None = None,
               generator: torch.Generator) -> torch.Tensor:
        """``n`` events, float32 ``(n, d)`` standardised coordinates, angles in
        ``[-pi, pi)``: base draws (``generator``) carried from ``t = 0`` to ``t = 1``."""
        was_training = self.training
        self.eval()
        device = self.frequencies.device
        x0 = self._base(n, generator, device)
        x1 = self._integrate(lambda t, x: self.velocity(x, t, condition), x0, 0.0, 1.0, x0)
        assert isinstance(x1, torch.Tensor)
        self.train(was_training)
        return torch.where(self.periodic, _wrap(x1), x1)

    def _divergence(self, x: torch.Tensor, t: torch.Tensor,
                    condition: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Velocity ``(B, d)`` and its exact divergence ``(B,)`` (one autograd pass per
        coordinate), both detached."""
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            v = self.velocity(x, t, condition)
            div = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
            for i in range(self.d):
                (grad,) = torch.autograd.grad(v[:, i].sum(), x, retain_graph=i < self.d - 1)
                div = div + grad[:, i]
        return v.detach(), div.detach()

    def log_prob(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        """Log density float ``(n,)`` (nats, standardised coordinates) of events ``x``
        ``(n, d)``: the ODE carried from the data (``t = 1``) back to the base (``t = 0``)
        with the exact divergence (module docstring)."""
        was_training = self.training
        self.eval()

        def func(t: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
                 ) -> tuple[torch.Tensor, torch.Tensor]:
            return self._divergence(state[0], t, condition)

        zero = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
        end = self._integrate(func, (x, zero), 1.0, 0.0, x)
        assert isinstance(end, tuple)
        x0, integral = end  # integral = int_1^0 div v dt = -int_0^1 div v dt
        self.train(was_training)
        gauss = -0.5 * x0**2 - 0.5 * math.log(2.0 * math.pi)
        base = torch.where(self.periodic, torch.full_like(x0, -math.log(2.0 * math.pi)), gauss)
        return base.sum(dim=1) + integral

    def extra_loss(self) -> torch.Tensor | None:
        """KL of the Bayesian last layer divided by ``D`` (None for the deterministic model)."""
        kl = bayesian_kl(self)
        return None if kl is None else kl / self.n_train

    # -- size -------------------------------------------------------------------------------

    def forward_flops(self) -> float:
        """Matmul FLOPs of one velocity evaluation per event (time embedding included;
        ``lgatr``: counted by ``FlopCounterMode`` on first call and cached)."""
        if self.mlp is not None:
            return self.mlp.flops()
        if self.lgatr is not None:
            if self._flops is None:
                like = self.frequencies

                def run(batch: int) -> torch.Tensor:
                    condition = like.new_zeros(batch, self.n_condition)
                    return self.velocity(like.new_zeros(batch, self.d), like.new_zeros(batch),
                                         condition if self.n_condition else None)

                self._flops = counted_flops_per_sample(run)
            return self._flops
        cfg = self.cfg
        return transformer_flops(self.n_objects, self.token_in, cfg.width, cfg.depth,
                                 cfg.mlp_ratio, self.slots)
