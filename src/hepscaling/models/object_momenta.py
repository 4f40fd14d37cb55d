"""Per-object four-momenta of event coordinates, in torch: the layout a task describes
(:class:`ObjectMomenta`) and the differentiable map (:class:`ObjectMomentumMap`).

An event generator's state is ``y`` float ``(B, d)``, standardised coordinates (``raw = y std
+ mean``) of ``O`` objects (muons, jets). Where every object has its own ``log(pT - pT_min +
eps)``, ``eta``, an azimuth relative to a reference object and (or else a fixed mass) a
``log(m^2 + eps_m2)`` -- the ``objects`` system of
:mod:`hepscaling.data.event_coordinates` -- each object's four-momentum is a function of its
own coordinates::

    pT  = max(exp(raw_log_pt) + pt_shift, 0)      pt_shift = pT_min - eps
    phi = raw_dphi  (0 for the reference object)  the event rotated so the reference has phi 0
    m^2 = max(exp(raw_log_m2) - eps_m2, 0)        or mass^2 where the object has no mass column
    (E, px, py, pz) = (sqrt(pT^2 cosh^2 eta + m^2), pT cos phi, pT sin phi, pT sinh eta) / unit

the numpy inverse of that module (``EventCoordinates.decode`` with ``phi_ref = 0``), divided
by ``unit`` GeV. Autograd flows through it, so a velocity network fed these momenta keeps the
exact divergence of the flow. ``E >= min(pT, mass) > 0`` for muons (fixed mass) and jets
(``pT > pT_min - eps``), so the square root is differentiable everywhere. Coordinates the
layout does not name (e.g. a second angle of a toy object) reach a network only through its
other inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

__all__ = ["ObjectMomenta", "ObjectMomentumMap"]


@dataclass(frozen=True)
class ObjectMomenta:
    """Where each object's four-momentum sits in the event coordinates (module docstring).

    Attributes
    ----------
    log_pt, eta, dphi : ``(O,)`` coordinate columns of each object's ``log(pT - pT_min +
        eps)``, pseudorapidity and azimuth relative to the reference object; ``-1`` where an
        object has no such coordinate, which then takes the raw value 0 (the reference
        object's ``dphi``: ``phi = 0``; a toy object without ``log_pt``: ``pT = 1 +
        pt_shift``).
    log_m2 : ``(O,)`` column of ``log(m^2 + eps_m2)``; ``-1`` for an object on its mass shell.
    pt_shift : ``(O,)`` GeV, ``pT_min - eps`` of each object's ``log_pt``.
    mass : ``(O,)`` GeV, the fixed mass of the objects without a ``log_m2`` column.
    m2_eps : GeV^2, ``eps_m2``.
    mean, std : ``(d,)`` standardisation of the coordinates: the training set's in a task's
        spec, the identity in a spec made from the config alone (enough to count FLOPs).
    unit : GeV, the momenta are divided by it (the training set's scale; 1 in a config-only
        spec).
    """

    log_pt: tuple[int, ...]
    eta: tuple[int, ...]
    dphi: tuple[int, ...]
    log_m2: tuple[int, ...]
    pt_shift: tuple[float, ...]
    mass: tuple[float, ...]
    m2_eps: float
    mean: tuple[float, ...]
    std: tuple[float, ...]
    unit: float = 1.0


class ObjectMomentumMap(nn.Module):
    """Coordinates ``y`` float ``(B, d)`` -> four-momenta ``(B, O, 4)`` ``(E, px, py, pz) /
    unit`` of the layout (module docstring); no parameters (its buffers hold the layout)."""

    columns: torch.Tensor  # int64 (4, O): log_pt, eta, dphi, log_m2; d (a zero column): absent
    has_mass: torch.Tensor  # bool (O,): an object with a log_m2 column
    pt_shift: torch.Tensor  # (O,) GeV
    mass2: torch.Tensor  # (O,) GeV^2, fixed masses squared
    mean: torch.Tensor  # (d,)
    std: torch.Tensor  # (d,)

    def __init__(self, layout: ObjectMomenta) -> None:
        super().__init__()
        d = len(layout.mean)
        columns = [[c if c >= 0 else d for c in field]
                   for field in (layout.log_pt, layout.eta, layout.dphi, layout.log_m2)]
        self.register_buffer("columns", torch.tensor(columns, dtype=torch.long))
        self.register_buffer("has_mass", torch.tensor([c >= 0 for c in layout.log_m2]))
        # float64, cast to the input's dtype per call: exact for a float64 input
        self.register_buffer("pt_shift", torch.tensor(layout.pt_shift, dtype=torch.float64))
        self.register_buffer("mass2", torch.tensor(layout.mass, dtype=torch.float64) ** 2)
        self.register_buffer("mean", torch.tensor(layout.mean, dtype=torch.float64))
        self.register_buffer("std", torch.tensor(layout.std, dtype=torch.float64))
        self.m2_eps, self.unit = layout.m2_eps, layout.unit

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        raw = y * self.std.to(y.dtype) + self.mean.to(y.dtype)
        raw = torch.cat([raw, raw.new_zeros(raw.shape[0], 1)], dim=1)  # (B, d + 1)
        log_pt, eta, phi, log_m2 = raw[:, self.columns].unbind(dim=1)  # (B, O) each
        pt = torch.clamp(torch.exp(log_pt) + self.pt_shift.to(y.dtype), min=0.0)
        m2 = torch.where(self.has_mass, torch.clamp(torch.exp(log_m2) - self.m2_eps, min=0.0),
                         self.mass2.to(y.dtype))
        pz = pt * torch.sinh(eta)
        energy = torch.sqrt(pt**2 + pz**2 + m2)
        return torch.stack([energy, pt * torch.cos(phi), pt * torch.sin(phi), pz],
                           dim=-1) / self.unit
