"""JetClass-schema ROOT files for tests, written with uproot from arrays in our jet format."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import awkward as ak
import numpy as np
import uproot

from hepscaling.data.jetclass import STORED_PARTICLE_BRANCHES
from hepscaling.data.jets import AUX_FEATURES, JET_FEATURES, LABELS

__all__ = ["LABEL_TYPES", "write_jetclass"]

#: JetClass's branch types (tree.show() of a JetClass file): floats, int32 flags, mixed labels
LABEL_TYPES = {"label_QCD": "float32", **dict.fromkeys(LABELS[1:6], "bool"),
               **dict.fromkeys(LABELS[6:], "int32")}


def write_jetclass(path: Path, arrays: dict[str, np.ndarray], drop: Iterable[str] = (),
                   tree: str = "tree") -> None:
    """Write ``arrays`` (our jet fields, padded ``(n, P)`` part_* and ``(n,)`` jet_*, aux_*,
    label_*) as a JetClass-schema ROOT file: jagged part_* over the real constituents, scalar
    jet_*/aux_*/label_* branches; the branches ``drop`` are left out, the TTree is ``tree``."""
    counts = arrays["part_mask"].sum(axis=1)
    branches, types = {}, {}
    for name in STORED_PARTICLE_BRANCHES:
        dtype = "int32" if name.startswith("part_is") else "float32"
        values = arrays[name][arrays["part_mask"]].astype(dtype)
        branches[name], types[name] = ak.unflatten(values, counts), f"var * {dtype}"
    for name in (*JET_FEATURES, *AUX_FEATURES):
        branches[name], types[name] = arrays[name].astype("float32"), "float32"
    for name in LABELS:
        branches[name], types[name] = arrays[name].astype(LABEL_TYPES[name]), LABEL_TYPES[name]
    for name in drop:
        del branches[name], types[name]
    with uproot.recreate(path) as f:
        f.mktree(tree, types)
        f[tree].extend(branches)
