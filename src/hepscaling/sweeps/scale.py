"""The scale knob of a sweep spec: one number that grows data, model and training length
together, so the same spec runs at laptop scale and at paper scale (cluster, GPU).

A spec's optional ``scale:`` section names the factor and, per key, the power of the factor
that multiplies that key's values::

    scale:
      factor: 1                 # 1 = the values as written; e.g. 100 on a cluster
      exponents:                # dotted key -> p: every value of the key becomes v * factor^p
        task.n_train: 1         # D (in the base and in the axes)
        train.steps: 1          # run length
        model.width: 0.5        # also inside ladder values: axis 'model: [{width: 64}, ...]'
        datasets.n: 1           # every dataset entry's 'n'
        isoflop.budgets: 2      # every compute budget
        converge.max_steps: 1   # the longest rung of a convergence ladder

Keys are run-config paths (applied to ``base:`` and to the values of the ``axes:`` they
name, also inside mapping values of a parent axis), ``datasets.<key>`` (applied to every
dataset entry that has that key), ``isoflop.<key>`` or ``converge.<key>``. Integers stay
integers (rounded, at least 1); floats are multiplied. ``hepscaling sweep run SPEC --set
scale.factor=30`` changes the factor without editing the file; a factor below 1 shrinks a spec
for a quick check.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ScaleSpec", "apply_scale"]


class ScaleSpec(BaseModel):
    """The ``scale:`` section of a sweep spec (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    factor: float = Field(1.0, gt=0, description="multiplier: 1 = the values as written")
    exponents: dict[str, float] = Field(
        default_factory=dict, description="dotted key -> power of the factor for its values")

    def scaled(self, value: Any, key: str) -> Any:
        """``value`` x ``factor ** exponents[key]``: integers rounded (at least 1), floats
        multiplied, anything else (None, strings) unchanged."""
        multiplier = self.factor ** self.exponents[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value
        if isinstance(value, int):
            return max(1, round(value * multiplier))
        return value * multiplier


def _scale_at(node: Any, path: list[str], scale: ScaleSpec, key: str) -> Any:
    """``node`` with the value at ``path`` (a list value: each entry) scaled."""
    if not path:
        if isinstance(node, list):
            return [scale.scaled(v, key) for v in node]
        return scale.scaled(node, key)
    if not isinstance(node, dict):
        return node
    for split in range(len(path), 0, -1):  # dotted keys inside a mapping ('model.width': ...)
        dotted = ".".join(path[:split])
        if dotted in node:
            return {**node, dotted: _scale_at(node[dotted], path[split:], scale, key)}
    return node


def apply_scale(data: dict[str, Any], scale: ScaleSpec) -> dict[str, Any]:
    """A copy of the spec dict ``data`` (the parsed YAML) with every key of
    ``scale.exponents`` scaled in ``base``, ``axes``, ``datasets``, ``isoflop`` and ``converge``.

    >>> spec = {"base": {"train": {"steps": 1000}},
    ...         "axes": {"task.n_train": [100, 1000], "model": [{"width": 16}]},
    ...         "datasets": {"a": {"n": 5000, "seed": 1}}}
    >>> knob = ScaleSpec(factor=4, exponents={"train.steps": 1, "task.n_train": 1,
    ...                                       "model.width": 0.5, "datasets.n": 1})
    >>> out = apply_scale(spec, knob)
    >>> out["base"], out["axes"], out["datasets"]["a"]["n"]
    ({'train': {'steps': 4000}}, {'task.n_train': [400, 4000], 'model': [{'width': 32}]}, 20000)
    """
    data = copy.deepcopy(data)
    for key in scale.exponents:
        parts = key.split(".")
        if parts[0] == "datasets" and len(parts) > 1:
            datasets = data.get("datasets") or {}
            data["datasets"] = {name: _scale_at(entry, parts[1:], scale, key)
                                for name, entry in datasets.items()}
            continue
        if parts[0] in ("isoflop", "converge") and isinstance(data.get(parts[0]), dict):
            data[parts[0]] = _scale_at(data[parts[0]], parts[1:], scale, key)
            continue
        if isinstance(data.get("base"), dict):
            data["base"] = _scale_at(data["base"], parts, scale, key)
        axes = data.get("axes") or {}
        for axis, values in axes.items():
            axis_parts = axis.split(".")
            if axis_parts == parts:
                axes[axis] = [scale.scaled(v, key) for v in values]
            elif parts[:len(axis_parts)] == axis_parts:
                inner = parts[len(axis_parts):]
                axes[axis] = [_scale_at(v, inner, scale, key) for v in values]
    return data
