"""Generated samples on disk, in the layout of the truth they imitate: jets and zmumu events.

:func:`write_generated_jets` writes the constituent arrays a jet generator models
(:data:`~hepscaling.data.tokens.MODELLED_FIELDS`: ``part_mask`` bool ``(n, T)``,
``part_pt_log`` log GeV, ``part_deta``, ``part_dphi`` float32 ``(n, T)``) and ``label``
int64 ``(n,)`` (-1: generated, no JetClass class) into an HDF5 file
with the root attributes of :mod:`hepscaling.data.jets` (``format``, ``format_version``,
``provenance``, ``label_names``), so :func:`hepscaling.data.jets.read_jets` reads it with
``fields=(*MODELLED_FIELDS, "label")``. The provenance holds ``classes: ["generated"]``,
``n_per_class`` (the number of jets) and ``generated_by`` (run id, checkpoint step, seed,
temperature, top-k, ...). Written atomically (temporary file, then rename).

:func:`write_generated_events` writes generated Z -> mu mu + jets events in the zmumu layout
(:mod:`hepscaling.data.events`: ``momenta`` float64 ``(n, 5, 4)``, ``n_jets`` int64 ``(n,)``,
root attributes ``format``, ``format_version``, ``provenance``), so
:func:`~hepscaling.data.events.read_events` reads (and validates) it like a truth file; the
provenance holds ``n`` and ``generated_by`` (run id, checkpoint step, seed, condition, the
events drawn and the counts of those not written).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hepscaling.data import events as zmumu
from hepscaling.data.chunks import GZIP, LZF, write_hdf5
from hepscaling.data.jets import FORMAT, FORMAT_VERSION, LABELS
from hepscaling.data.tokens import MODELLED_FIELDS
from hepscaling.provenance import code_version

__all__ = ["write_generated_events", "write_generated_jets"]


def write_generated_jets(path: str | os.PathLike, jets: Mapping[str, np.ndarray],
                         generated_by: Mapping[str, Any]) -> Path:
    """Write generated ``jets`` (the :data:`MODELLED_FIELDS`, ``(n, T)`` each) to ``path``.

    ``generated_by``: JSON-able settings of the draw (run id, checkpoint step, seed, ...),
    stored in the provenance next to the code version. Returns the path.
    """
    n = int(jets["part_mask"].shape[0])
    provenance = {"classes": ["generated"], "n_per_class": n, "code_version": code_version(),
                  "generated_by": dict(generated_by)}
    attrs = {"format": FORMAT, "format_version": FORMAT_VERSION,
             "provenance": json.dumps(provenance, sort_keys=True),
             "label_names": json.dumps(list(LABELS))}
    arrays = {name: np.asarray(jets[name], dtype=bool if name == "part_mask" else np.float32)
              for name in MODELLED_FIELDS}
    arrays["label"] = np.full(n, -1, dtype=np.int64)
    return write_hdf5(path, [arrays], n, attrs, LZF)


def write_generated_events(path: str | os.PathLike, momenta: np.ndarray, n_jets: np.ndarray,
                           generated_by: Mapping[str, Any]) -> Path:
    """Write generated events ``momenta`` float ``(n, 5, 4)`` GeV with ``n_jets`` int ``(n,)``
    jets to ``path`` in the zmumu layout (module docstring); they must pass
    :func:`~hepscaling.data.events.validate_events`. Returns the path."""
    momenta = np.asarray(momenta, dtype=np.float64)
    n_jets = np.asarray(n_jets, dtype=np.int64)
    zmumu.validate_events(momenta, n_jets, "generated events")
    provenance = {"n": int(n_jets.size), "code_version": code_version(),
                  "generated_by": dict(generated_by)}
    attrs = {"format": zmumu.FORMAT, "format_version": zmumu.FORMAT_VERSION,
             "provenance": json.dumps(provenance, sort_keys=True)}
    return write_hdf5(path, [{"momenta": momenta, "n_jets": n_jets}], int(n_jets.size), attrs,
                      GZIP)
