"""Generated samples on disk: jets drawn from a generator, in the jet file layout.

:func:`write_generated_jets` writes the constituent arrays a jet generator models
(:data:`~hepscaling.data.tokens.MODELLED_FIELDS`: ``part_mask`` bool ``(n, T)``,
``part_pt_log`` log GeV, ``part_deta``, ``part_dphi`` float32 ``(n, T)``) and ``label``
int64 ``(n,)`` (-1: generated, no JetClass class) into an HDF5 file
with the root attributes of :mod:`hepscaling.data.jets` (``format``, ``format_version``,
``provenance``, ``label_names``), so :func:`hepscaling.data.jets.read_jets` reads it with
``fields=(*MODELLED_FIELDS, "label")``. The provenance holds ``classes: ["generated"]``,
``n_per_class`` (the number of jets) and ``generated_by`` (run id, checkpoint step, seed,
temperature, top-k, ...). Written atomically (temporary file, then rename).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hepscaling.data.chunks import LZF, write_hdf5
from hepscaling.data.jets import FORMAT, FORMAT_VERSION, LABELS
from hepscaling.data.tokens import MODELLED_FIELDS
from hepscaling.provenance import code_version

__all__ = ["write_generated_jets"]


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
