"""Event coordinates as one token per object (muon or jet): which feature columns form each
object's token and which output slot gives each coordinate back (:class:`ObjectTokens`, for
the token backbones of :mod:`hepscaling.models.cfm`).

Coordinate ``i`` of ``x`` ``(B, d)`` belongs to object ``objects[i]`` (the task's
``spec.coordinate_objects``). The network features are ``x`` with every angle (``periodic``)
as its ``(sin, cos)``, in coordinate order: ``(B, n_features)``, ``n_features = d +
n_periodic``. An object's token holds its own feature columns, zero-padded to the longest
object (``per_object``); each token's output has ``slots`` entries (the most coordinates of
one object), and coordinate ``i`` is slot ``s`` of its object's token, ``s`` = how many
earlier coordinates share that object.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ObjectTokens", "object_tokens"]


@dataclass(frozen=True)
class ObjectTokens:
    """Where the tokens of one object each take their features and put their outputs.

    Attributes
    ----------
    gather : int ``(n_objects, per_object)``
        Feature column of each token entry; ``n_features`` (a zero column the caller appends)
        pads an object with fewer columns.
    scatter : int ``(d,)``
        Position of each coordinate in the flattened token outputs ``(n_objects * slots,)``.
    slots : int
        Outputs per token.
    """

    gather: tuple[tuple[int, ...], ...]
    scatter: tuple[int, ...]
    slots: int

    @property
    def n_objects(self) -> int:
        """Tokens (objects) per event."""
        return len(self.gather)

    @property
    def per_object(self) -> int:
        """Feature columns per token (padded)."""
        return len(self.gather[0])


def object_tokens(objects: Sequence[int], periodic: Sequence[bool]) -> ObjectTokens:
    """The token layout of ``d`` coordinates of objects ``objects`` ``(d,)`` (indices
    ``0 .. n_objects - 1``), angles where ``periodic`` ``(d,)`` (module docstring).

    >>> tokens = object_tokens([0, 0, 1], [False, True, False])  # features x0 sin1 cos1 x2
    >>> tokens.gather, tokens.scatter, tokens.slots
    (((0, 1, 2), (3, 4, 4)), (0, 1, 2), 2)
    """
    if len(objects) != len(periodic):
        raise ValueError(f"spec.coordinate_objects has {len(objects)} entries for "
                         f"{len(periodic)} coordinates")
    n_objects = max(objects) + 1
    columns: list[list[int]] = [[] for _ in range(n_objects)]
    slot = []
    column = 0
    for i, o in enumerate(objects):
        width = 2 if periodic[i] else 1
        columns[o] += list(range(column, column + width))
        column += width
        slot.append(sum(1 for j in range(i) if objects[j] == o))
    per_object = max(len(c) for c in columns)
    slots = max(slot) + 1
    return ObjectTokens(
        gather=tuple(tuple(c + [column] * (per_object - len(c))) for c in columns),
        scatter=tuple(o * slots + s for o, s in zip(objects, slot, strict=True)), slots=slots)
