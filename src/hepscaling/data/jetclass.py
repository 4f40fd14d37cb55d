"""Reader for the real JetClass ROOT files, giving the in-memory format of our jet files.

JetClass (Qu, Li, Qian, arXiv:2202.03772; files at zenodo.org/records/6619768) stores one jet
per entry of the TTree ``tree``: jagged ``part_*`` branches (constituents sorted by
decreasing pT), ``jet_*`` scalars, one-hot ``label_*`` columns and ``aux_*`` truth. The
derived per-particle inputs are computed exactly as in JetClass's
``data/JetClass/JetClass_full.yaml`` (github.com/jet-universe/particle_transformer):
``part_pt_log = log(hypot(px, py))``, ``part_e_log = log(E)``,
``part_logptrel = log(pt / jet_pt)``, ``part_logerel = log(E / jet_energy)``,
``part_deltaR = hypot(part_deta, part_dphi)``. Track impact parameters (``part_d0val`` ...)
have no generator-level counterpart and are not read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import awkward as ak
import numpy as np

from hepscaling.data.jets import AUX_FEATURES, FIELDS, JET_FEATURES, LABELS, validate_jets
from hepscaling.errors import UsageError, require_file

__all__ = ["STORED_PARTICLE_BRANCHES", "read_jetclass"]

#: The per-particle branches read from the file (the others are derived from them).
STORED_PARTICLE_BRANCHES: tuple[str, ...] = (
    "part_px", "part_py", "part_pz", "part_energy", "part_deta", "part_dphi", "part_charge",
    "part_isChargedHadron", "part_isNeutralHadron", "part_isPhoton", "part_isElectron",
    "part_isMuon",
)
TREE = "tree"


def _derived(a: ak.Array) -> dict[str, ak.Array]:
    pt = np.hypot(a["part_px"], a["part_py"])
    return {
        "part_pt_log": np.log(pt),
        "part_e_log": np.log(a["part_energy"]),
        "part_logptrel": np.log(pt / a["jet_pt"]),
        "part_logerel": np.log(a["part_energy"] / a["jet_energy"]),
        "part_deltaR": np.hypot(a["part_deta"], a["part_dphi"]),
    }


def _read_file(path: Path, max_jets: int | None) -> ak.Array:
    import uproot

    try:
        file = uproot.open(path)
    except Exception as exc:  # uproot raises several types for a non-ROOT file
        raise UsageError(f"cannot read {path} as a ROOT file ({type(exc).__name__}); "
                         "pass JetClass .root files") from None
    with file:
        if TREE not in file:
            raise UsageError(f"{path} has no TTree {TREE!r}; is it a JetClass file?")
        tree = file[TREE]
        wanted = [*STORED_PARTICLE_BRANCHES, *JET_FEATURES, *LABELS]
        missing = [name for name in wanted if name not in tree]
        if missing:
            raise UsageError(f"{path}: tree {TREE!r} lacks branch(es) {', '.join(missing[:4])};"
                             " is it a JetClass file?")
        present_aux = [name for name in AUX_FEATURES if name in tree]
        return tree.arrays([*wanted, *present_aux], entry_stop=max_jets, library="ak")


def read_jetclass(paths: str | Path | Sequence[str | Path], *, max_particles: int = 128,
                  max_jets: int | None = None) -> dict[str, np.ndarray]:
    """Read JetClass ROOT file(s) into the format of :func:`hepscaling.data.jets.read_jets`.

    Parameters
    ----------
    paths : one ``.root`` file or a sequence of them (read in order, concatenated).
    max_particles : padding / truncation length of the per-particle arrays.
    max_jets : read at most this many jets from each file (default: all).

    Returns
    -------
    dict of str to numpy.ndarray
        float32 ``(n, max_particles)`` per-particle features (zero-padded), bool
        ``part_mask``, float32 ``(n,)`` ``jet_*`` and ``aux_*`` (zeros where the file has no
        ``aux_*`` branch), bool one-hot ``label_*`` and int64 ``label``.
    """
    if max_particles <= 0:
        raise UsageError(f"max_particles must be positive, got {max_particles}")
    files = [paths] if isinstance(paths, str | Path) else list(paths)
    if not files:
        raise UsageError("no JetClass file given; pass at least one .root file")
    parts = [_convert(_read_file(require_file(p, "JetClass file"), max_jets), max_particles,
                      str(p)) for p in files]
    return {name: np.concatenate([part[name] for part in parts]) for name in FIELDS}


def _convert(a: ak.Array, max_particles: int, source: str) -> dict[str, np.ndarray]:
    count = ak.to_numpy(ak.num(a["part_energy"])).astype(np.int64)
    mask = np.arange(max_particles)[None, :] < count[:, None]
    jagged = {name: a[name] for name in STORED_PARTICLE_BRANCHES} | _derived(a)
    out: dict[str, np.ndarray] = {}
    for name, values in jagged.items():
        padded = ak.fill_none(ak.pad_none(values, max_particles, axis=1, clip=True), 0)
        out[name] = ak.to_numpy(padded).astype(np.float32)
    out["part_mask"] = mask
    for name in JET_FEATURES:
        out[name] = ak.to_numpy(a[name]).astype(np.float32)
    for name in AUX_FEATURES:
        present = name in a.fields
        out[name] = (ak.to_numpy(a[name]).astype(np.float32) if present
                     else np.zeros(len(a), dtype=np.float32))
    onehot = np.stack([ak.to_numpy(a[name]).astype(bool) for name in LABELS], axis=1)
    bad = onehot.sum(axis=1) != 1
    if bad.any():
        raise UsageError(f"{source}: {int(bad.sum())} jets do not have exactly one label_* set;"
                         " the label columns are damaged")
    for i, name in enumerate(LABELS):
        out[name] = onehot[:, i]
    out["label"] = onehot.argmax(axis=1).astype(np.int64)
    validate_jets(out, source)
    return out
