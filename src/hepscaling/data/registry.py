"""The dataset registry: dataset kind -> the model of its settings, which makes its file.

Every kind of dataset (``amplitudes``, ``jets``, ...) has a frozen pydantic model, subclass of
:class:`DatasetSpec`, holding its generation settings (unknown keys fail); the ``datasets:``
entries of a sweep spec are validated by these models (their ``kind:`` key picks the model,
default :data:`DEFAULT_KIND`). The module of a kind defines the model next to its generator
and registers it with :func:`register_dataset`; :data:`DATASET_MODULES` names that module, so
it is imported only when a kind is looked up. A new dataset kind is a new data module plus one
line in :data:`DATASET_MODULES`.

An entry may instead name an existing file with ``path:`` (another sweep's dataset, or a shared
file): it is used as is after its provenance has been checked against the entry's settings
(:meth:`DatasetSpec.check`); nothing is generated. An entry of only ``path:`` (and ``kind:``)
takes the file as is (:class:`DatasetFile`), checked only by its kind's reader.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from hepscaling.data.chunks import VOLATILE, differing
from hepscaling.errors import UsageError

__all__ = ["DATASET_MODULES", "DEFAULT_KIND", "DatasetFile", "DatasetSpec", "dataset_kinds",
           "dataset_model", "dataset_models", "first_error", "register_dataset",
           "validation_message"]

#: Dataset kind -> module that registers it (imported on first lookup).
DATASET_MODULES: dict[str, str] = {
    "amplitudes": "hepscaling.data.amplitudes",
    "jets": "hepscaling.data.jets",
    "unweighted": "hepscaling.data.unweighted",
    "zmumu": "hepscaling.data.events",
}
#: The kind of an entry without a ``kind:`` key.
DEFAULT_KIND = "amplitudes"

_REGISTRY: dict[str, type[DatasetSpec]] = {}


class DatasetSpec(BaseModel):
    """Base of the settings model of every dataset kind (frozen; unknown keys fail).

    Subclasses add their generation settings and a ``kind: Literal[...]`` field, set
    :attr:`WHAT` and :attr:`VOLATILE`, and implement :meth:`generate`, :meth:`provenance` and
    :meth:`read_provenance`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: The kind in messages (``"amplitude"``, ``"jet"``).
    WHAT: ClassVar[str] = "dataset"
    #: Provenance keys that do not change the data (ignored when a file is checked).
    VOLATILE: ClassVar[tuple[str, ...]] = VOLATILE

    path: str | None = Field(
        None, description="use this existing file instead of generating one (its provenance "
                          "must match the settings); in a sweep spec relative to the spec "
                          "file's directory")

    @classmethod
    def keys(cls) -> list[str]:
        """The keys an entry of this kind accepts: the kind's own first, then ``path``."""
        common = list(DatasetSpec.model_fields)
        return [key for key in cls.model_fields if key not in common] + common

    def generate(self, path: Path, progress: bool | None = None) -> Path:
        """Generate (or resume, or keep when complete) the dataset at ``path`` (parent
        directories are created); returns ``path``."""
        raise NotImplementedError

    def provenance(self) -> dict:
        """The provenance record a file generated with these settings holds (the
        :attr:`VOLATILE` keys aside)."""
        raise NotImplementedError

    @classmethod
    def read_provenance(cls, path: Path) -> dict:
        """The provenance of the finished file ``path`` of this kind (UsageError if it is not
        one)."""
        raise NotImplementedError

    @classmethod
    def require(cls, path: Path) -> Path:
        """``path`` if it exists, else a one-line UsageError naming the fixes."""
        if not path.is_file():
            raise UsageError(f"{cls.WHAT} file not found: {path} (check path:, make the file "
                             "first (e.g. run the sweep that generates it), or drop path: to "
                             "generate it here)")
        return path

    def check(self, path: Path) -> Path:
        """``path``, after checking it is a finished file of this kind made with these settings.

        Raises
        ------
        UsageError
            (one line) ``path`` is missing, is not such a file, or its provenance differs in a
            setting: the first differing key and both values are named.
        """
        found, wanted = self.read_provenance(self.require(path)), self.provenance()
        diff = differing(found, wanted, self.VOLATILE)
        if diff:
            key = diff[0]
            raise UsageError(f"{path} was made with {key} = {found.get(key)!r}, but the settings "
                             f"ask for {wanted.get(key)!r}; change the settings to the file's, "
                             "or drop path: to generate the dataset with these settings")
        return path

    def make(self, default: Path, progress: bool | None = None) -> Path:
        """The dataset's file: ``path`` (checked) if given, else generated at ``default``."""
        return self.check(Path(self.path)) if self.path else self.generate(default, progress)


class DatasetFile(BaseModel):
    """A dataset file taken as is (``{path: ..., kind: ...}``, no settings): it only has to be
    a finished file of its kind, whose own reader checks it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(description="the file; in a sweep spec relative to the spec file's "
                                  "directory")
    kind: str = Field(DEFAULT_KIND, description="dataset kind")

    @field_validator("kind")
    @classmethod
    def _known(cls, kind: str) -> str:
        try:
            dataset_model(kind)
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        return kind

    def make(self, default: Path, progress: bool | None = None) -> Path:
        """``path``, after its kind's reader has read its provenance (``default`` unused)."""
        model = dataset_model(self.kind)
        path = model.require(Path(self.path))
        model.read_provenance(path)
        return path


def register_dataset(kind: str, model: type[DatasetSpec]) -> None:
    """Register ``model`` as the settings of dataset kind ``kind`` (its ``kind:`` key)."""
    _REGISTRY[kind] = model


def dataset_kinds() -> list[str]:
    """Known kinds, :data:`DEFAULT_KIND` first."""
    kinds = set(DATASET_MODULES) | set(_REGISTRY)
    return [DEFAULT_KIND, *sorted(kinds - {DEFAULT_KIND})]


def dataset_model(kind: str) -> type[DatasetSpec]:
    """The settings model of ``kind`` (UsageError if unknown)."""
    if kind not in _REGISTRY and kind in DATASET_MODULES:
        importlib.import_module(DATASET_MODULES[kind])
    if kind not in _REGISTRY:
        raise UsageError(f"unknown dataset kind {kind!r}; choose one of "
                         f"{', '.join(dataset_kinds())}")
    return _REGISTRY[kind]


def dataset_models() -> dict[str, type[DatasetSpec]]:
    """Kind -> settings model of every known kind (imports their modules)."""
    return {kind: dataset_model(kind) for kind in dataset_kinds()}


def first_error(exc: ValidationError) -> ErrorDetails:
    """The error of ``exc`` to report: an unknown key first (a misspelled key is both unknown
    and missing, and the spelling is the news)."""
    return min(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")


def validation_message(err: ErrorDetails, model: type[BaseModel]) -> str:
    """One line ``"<dotted.location>: <message>"`` for the pydantic error ``err`` of ``model``;
    an unknown key lists the keys allowed there."""
    where = ".".join(str(p) for p in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = f"unknown key; allowed keys here: {_allowed(err['loc'], model)}"
    return f"{where}: {msg}" if where else msg


def _allowed(loc: tuple, model: type[BaseModel]) -> str:
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        annotation = getattr(field, "annotation", None)
        candidates = [a for a in getattr(annotation, "__args__", (annotation,))
                      if isinstance(a, type) and issubclass(a, BaseModel)]
        if candidates:
            model = candidates[0]
    return ", ".join(model.model_fields)
