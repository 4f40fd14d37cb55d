"""Base of the run config's sections (``model:``, ``train:``): frozen pydantic models whose
unknown keys fail, and whose keys added after runs were recorded do not change old run ids.

A run id hashes the dumped (resolved) config (:mod:`hepscaling.train.identity`). A knob added
later would enter every dump with its default and so change the id of every run recorded
before it existed: a sweep on disk would re-train from scratch. ``QUIET_DEFAULTS`` names such
knobs with their neutral value; at that value a knob is left out of the dump (as it was before
it existed), at any other value it is dumped and enters the run id.

>>> class Section(ConfigSection):
...     QUIET_DEFAULTS: ClassVar[dict[str, Any]] = {"knob": 0.0}
...     size: int = 1
...     knob: float = 0.0
>>> Section().model_dump(), Section(knob=0.5).model_dump()
({'size': 1}, {'size': 1, 'knob': 0.5})
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

__all__ = ["ConfigSection"]


class ConfigSection(BaseModel):
    """A frozen config section; unknown keys fail; ``QUIET_DEFAULTS`` (see the module
    docstring) stay out of the dump at their neutral value."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    QUIET_DEFAULTS: ClassVar[dict[str, Any]] = {}

    @model_serializer(mode="wrap")
    def _without_quiet_defaults(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        return {k: v for k, v in data.items()
                if k not in self.QUIET_DEFAULTS or v != self.QUIET_DEFAULTS[k]}
