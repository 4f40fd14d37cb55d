"""Jet tokens: a deterministic binned tokenizer of jet constituents for next-token models.

Each jet becomes a sequence of at most ``T`` particle tokens, its hardest constituents by
decreasing pT. A constituent's ``(log pT, Delta eta, Delta phi)`` (JetClass ``part_pt_log``,
``part_deta``, ``part_dphi``; pT in GeV) falls into one cell of a 3-d grid:

- ``log pT``: ``n_pt`` bins whose edges are quantiles ``0, 1/n_pt, ..., 1`` of the training
  constituents (the hardest ``T`` of each training jet); values beyond the outer edges go to
  the outer bins;
- ``Delta eta``, ``Delta phi``: ``n_eta`` / ``n_phi`` uniform bins on
  ``[-angle_range, angle_range]`` (0.8 = the jet radius), values outside clipped into the edge
  bins.

Token ids: particle ``(i_pt * n_eta + i_eta) * n_phi + i_phi`` in ``[0, V0)`` with
``V0 = n_pt n_eta n_phi``; then ``START = V0``, ``STOP = V0 + 1``, ``PAD = V0 + 2`` (vocabulary
``V = V0 + 3``; the last three ids of every vocabulary, the convention of the model input kind
``"tokens"``). A jet reads ``[START, c_1, ..., c_n, STOP, PAD, ...]``, int64 ``(T + 2,)``.

Decoding maps a token to the per-axis centroid of its bin, the mean of the training
constituents in it (``at="centroid"``, the default; an empty bin falls back to its centre) or to
the bin centre (``at="centre"``; biases jet pT and mass on coarse grids). Decoded values lie
inside their bins (in float32), so ``encode(decode(encode(x))) == encode(x)`` exactly.

Grid presets (:data:`PRESETS`, bins per axis): ``coarse`` 12x10x10 (tests), ``default``
20x16x16, ``fine`` 32x24x24, ``paper`` 41x31x31 (the 40x30x30 edges of the paper's code lineage
give 41x31x31 bins with under/overflow, V0 = 39,401).

    >>> rng = np.random.default_rng(0)
    >>> mask = np.ones((50, 8), dtype=bool)
    >>> jets = {"part_mask": mask, "part_pt_log": rng.normal(2.0, 1.0, (50, 8)),
    ...         "part_deta": rng.normal(0, 0.2, (50, 8)), "part_dphi": rng.normal(0, 0.2, (50, 8))}
    >>> tok = JetTokenizer("coarse", max_constituents=8).fit(jets)
    >>> tokens = tok.encode(jets)
    >>> tokens.shape, tok.vocab_size
    ((50, 10), 1203)
    >>> bool((tok.encode(tok.decode(tokens)) == tokens).all())
    True
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from hepscaling.errors import UsageError

__all__ = ["AXES", "MODELLED_FIELDS", "PRESETS", "JetTokenizer"]

#: bins per axis (log pT, Delta eta, Delta phi) of the named grids
PRESETS: dict[str, tuple[int, int, int]] = {
    "coarse": (12, 10, 10), "default": (20, 16, 16), "fine": (32, 24, 24),
    "paper": (41, 31, 31),
}
#: the per-constituent fields a token encodes, in grid-axis order
AXES: tuple[str, str, str] = ("part_pt_log", "part_deta", "part_dphi")
#: the jet arrays :meth:`JetTokenizer.encode` reads and :meth:`JetTokenizer.decode` returns
MODELLED_FIELDS: tuple[str, ...] = ("part_mask", *AXES)
_FORMAT = "hepscaling.jet_tokenizer"


def _inside(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """float32 ``values`` (one per bin) moved inside ``[edges[i], edges[i + 1])`` in float32."""
    below_top = np.nextafter(edges[1:], -np.inf, dtype=np.float32)
    return np.clip(values.astype(np.float32), edges[:-1], below_top)


class JetTokenizer:
    """Binned tokenizer of jet constituents (see the module docstring).

    Parameters
    ----------
    grid : a preset name of :data:`PRESETS` or bins per axis ``(n_pt, n_eta, n_phi)``.
    max_constituents : ``T``, the hardest constituents kept per jet.
    angle_range : half-width of the uniform Delta eta / Delta phi range (dimensionless).
    """

    def __init__(self, grid: str | tuple[int, int, int] = "default", *,
                 max_constituents: int = 64, angle_range: float = 0.8) -> None:
        if isinstance(grid, str):
            if grid not in PRESETS:
                raise UsageError(f"unknown tokenizer grid {grid!r}; choose one of "
                                 f"{', '.join(PRESETS)} or give (n_pt, n_eta, n_phi)")
            grid = PRESETS[grid]
        shape = tuple(int(n) for n in grid)
        if len(shape) != 3 or min(shape) < 1:
            raise UsageError(f"tokenizer grid must be 3 positive bin counts, got {grid}")
        if max_constituents < 1 or angle_range <= 0:
            raise UsageError(f"tokenizer needs max_constituents >= 1 and angle_range > 0, got "
                             f"{max_constituents} and {angle_range}")
        self.shape: tuple[int, int, int] = (shape[0], shape[1], shape[2])
        self.max_constituents = int(max_constituents)
        self.angle_range = float(angle_range)
        self.edges: list[np.ndarray] = []  # float32 (n_axis + 1,) per axis, after fit
        self.centroids: list[np.ndarray] = []  # float32 (n_axis,) per axis, after fit
        self.counts: list[np.ndarray] = []  # int64 (n_axis,) training constituents per bin

    # ids ---------------------------------------------------------------------------------
    @property
    def n_particle_tokens(self) -> int:
        """``V0``: the particle token ids ``[0, V0)``."""
        return self.shape[0] * self.shape[1] * self.shape[2]

    @property
    def start(self) -> int:
        """Id of the start token, ``V0``."""
        return self.n_particle_tokens

    @property
    def stop(self) -> int:
        """Id of the stop token, ``V0 + 1``."""
        return self.n_particle_tokens + 1

    @property
    def pad(self) -> int:
        """Id of the padding token, ``V0 + 2``."""
        return self.n_particle_tokens + 2

    @property
    def vocab_size(self) -> int:
        """``V = V0 + 3``: particle tokens, start, stop and padding."""
        return self.n_particle_tokens + 3

    # fitting -----------------------------------------------------------------------------
    def hardest(self, jets: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The hardest ``T`` constituents by decreasing pT: values float32 ``(n, T, 3)`` (the
        :data:`AXES`) and mask bool ``(n, T)``; padded slots hold zeros."""
        missing = [k for k in MODELLED_FIELDS if k not in jets]
        if missing:
            raise UsageError(f"jet arrays lack {', '.join(missing)}; the tokenizer reads "
                             f"{', '.join(MODELLED_FIELDS)}")
        mask = np.asarray(jets["part_mask"], dtype=bool)
        values = np.stack([np.asarray(jets[k], dtype=np.float32) for k in AXES], axis=-1)
        key = np.where(mask, -values[..., 0], np.inf)  # real constituents by pT down, then pad
        order = np.argsort(key, axis=1, kind="stable")[:, :self.max_constituents]
        values = np.take_along_axis(values, order[..., None], axis=1)
        mask = np.take_along_axis(mask, order, axis=1)
        width = self.max_constituents - mask.shape[1]
        if width > 0:
            mask = np.pad(mask, ((0, 0), (0, width)))
            values = np.pad(values, ((0, 0), (0, width), (0, 0)))
        return np.where(mask[..., None], values, 0.0).astype(np.float32), mask

    def fit(self, jets: Mapping[str, np.ndarray]) -> JetTokenizer:
        """Fix the bin edges and centroids from the training jets (JetClass arrays, see
        :data:`MODELLED_FIELDS`, ``(n, P)`` each); returns ``self``."""
        values, mask = self.hardest(jets)
        real = values[mask]  # (n_constituents, 3)
        n_pt = self.shape[0]
        if real.shape[0] < 2 * n_pt:
            raise UsageError(f"{real.shape[0]} training constituents are too few for {n_pt} "
                             "log-pT bins; use more training jets or a coarser grid")
        pt_edges = np.quantile(real[:, 0].astype(np.float64), np.linspace(0, 1, n_pt + 1))
        pt_edges = pt_edges.astype(np.float32)
        if np.any(np.diff(pt_edges) <= 0):
            raise UsageError("log-pT quantile edges of the training constituents coincide; use "
                             "more training jets or a coarser grid")
        self.edges = [pt_edges] + [
            np.linspace(-self.angle_range, self.angle_range, n + 1).astype(np.float32)
            for n in self.shape[1:]]
        bins = self._bins(real)
        self.centroids, self.counts = [], []
        for axis, edges in enumerate(self.edges):
            n = self.shape[axis]
            clipped = np.clip(real[:, axis], edges[0], edges[-1]).astype(np.float64)
            count = np.bincount(bins[:, axis], minlength=n)
            total = np.bincount(bins[:, axis], weights=clipped, minlength=n)
            centre = 0.5 * (edges[:-1].astype(np.float64) + edges[1:])
            mean = np.divide(total, count, out=centre.copy(), where=count > 0)
            self.centroids.append(_inside(mean, edges))
            self.counts.append(count.astype(np.int64))
        return self

    def _require_fit(self) -> None:
        if not self.edges:
            raise UsageError("the tokenizer is not fitted; call fit(training_jets) or load() "
                             "a saved one first")

    def _bins(self, values: np.ndarray) -> np.ndarray:
        """Bin index per axis, int64 ``(..., 3)``, of float32 values ``(..., 3)`` (clipped)."""
        return np.stack([np.searchsorted(edges[1:-1], values[..., axis], side="right")
                         for axis, edges in enumerate(self.edges)], axis=-1).astype(np.int64)

    # encoding ----------------------------------------------------------------------------
    def encode(self, jets: Mapping[str, np.ndarray]) -> np.ndarray:
        """Token sequences of ``jets`` (JetClass arrays ``(n, P)``): int64 ``(n, T + 2)``,
        ``[START, c_1, ..., c_k, STOP, PAD...]`` with ``k = min(T, multiplicity)``."""
        self._require_fit()
        values, mask = self.hardest(jets)
        bins = self._bins(values)
        n_eta, n_phi = self.shape[1], self.shape[2]
        ids = (bins[..., 0] * n_eta + bins[..., 1]) * n_phi + bins[..., 2]  # (n, T)
        n, t = mask.shape
        tokens = np.full((n, t + 2), self.pad, dtype=np.int64)
        tokens[:, 0] = self.start
        tokens[:, 1:-1] = np.where(mask, ids, self.pad)
        tokens[np.arange(n), 1 + mask.sum(axis=1)] = self.stop
        return tokens

    def _check(self, tokens: np.ndarray) -> np.ndarray:
        """Multiplicity per sequence, int64 ``(n,)``, after checking the layout of ``tokens``
        (one-line UsageError when they come from another grid or are malformed)."""
        if tokens.ndim != 2 or tokens.shape[1] < 2 or tokens.dtype.kind not in "iu":
            raise UsageError(f"tokens must be an integer array (n, L >= 2), got {tokens.dtype} "
                             f"{tokens.shape}")
        grid = "x".join(map(str, self.shape))
        if tokens.size and (tokens.min() < 0 or tokens.max() >= self.vocab_size
                            or np.any(tokens[:, 0] != self.start)):
            raise UsageError(f"tokens do not come from this {grid} tokenizer (ids outside "
                             f"[0, {self.vocab_size}) or no START={self.start} first); decode "
                             "with the tokenizer that encoded them")
        body = tokens[:, 1:]
        ended = np.cumsum((body == self.stop) | (body == self.pad), axis=1) > 0
        n_particles = (~ended).sum(axis=1)
        if (np.any(body[ended] < self.stop) or np.any(body == self.start)
                or not ended[:, -1].all()):
            raise UsageError(f"malformed token sequences for the {grid} tokenizer: particle or "
                             "start tokens after STOP/PAD, or no STOP at the end; decode with "
                             "the tokenizer that encoded them")
        return n_particles

    def decode(self, tokens: np.ndarray,
               at: Literal["centroid", "centre"] = "centroid") -> dict[str, np.ndarray]:
        """Constituents of token sequences int64 ``(n, L)`` (from :meth:`encode` or a model's
        samples; everything after the first STOP or PAD is ignored).

        Returns the :data:`MODELLED_FIELDS`: ``part_mask`` bool ``(n, L - 2)`` and
        ``part_pt_log`` (log GeV), ``part_deta``, ``part_dphi`` float32 ``(n, L - 2)``, zero on
        padding, constituents in sequence order (``L - 2 = T`` for :meth:`encode` output).
        """
        self._require_fit()
        tokens = np.asarray(tokens)
        n_particles = self._check(tokens)
        body = tokens[:, 1:-1]
        mask = np.arange(body.shape[1])[None, :] < n_particles[:, None]
        ids = np.where(mask, body, 0)
        n_eta, n_phi = self.shape[1], self.shape[2]
        bins = (ids // (n_eta * n_phi), (ids // n_phi) % n_eta, ids % n_phi)
        out: dict[str, np.ndarray] = {"part_mask": mask}
        for axis, name in enumerate(AXES):
            edges = self.edges[axis]
            if at == "centroid":
                table = self.centroids[axis]
            elif at == "centre":
                table = _inside(0.5 * (edges[:-1].astype(np.float64) + edges[1:]), edges)
            else:
                raise UsageError(f"decode at {at!r}: choose 'centroid' or 'centre'")
            out[name] = np.where(mask, table[bins[axis]], np.float32(0.0))
        return out

    # persistence -------------------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        """The tokenizer as plain JSON-able data (for run records and dataset provenance)."""
        self._require_fit()
        return {"format": _FORMAT, "shape": list(self.shape),
                "max_constituents": self.max_constituents, "angle_range": self.angle_range,
                "axes": list(AXES),
                "edges": [e.tolist() for e in self.edges],
                "centroids": [c.tolist() for c in self.centroids],
                "counts": [c.tolist() for c in self.counts]}

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> JetTokenizer:
        """The tokenizer described by :meth:`params` output."""
        if params.get("format") != _FORMAT:
            raise UsageError("not a saved jet tokenizer (no 'format': "
                             f"{_FORMAT!r}); save one with JetTokenizer.save")
        tok = cls(tuple(params["shape"]), max_constituents=params["max_constituents"],
                  angle_range=params["angle_range"])
        return tok.restore(params["edges"], params["centroids"], params["counts"])

    def restore(self, edges: Sequence[Sequence[float]], centroids: Sequence[Sequence[float]],
                counts: Sequence[Sequence[float]]) -> JetTokenizer:
        """Set the fitted state from stored values instead of :meth:`fit`; returns ``self``.

        Per axis (:data:`AXES` order): ``edges`` ``(n_axis + 1,)``, ``centroids`` and training
        ``counts`` ``(n_axis,)``, as :meth:`params` or a run record's ``tokenizer_<axis>``
        histograms hold them (float32 values written as float64 come back exactly).
        """
        sizes = tuple(len(e) - 1 for e in edges)
        if sizes != self.shape or [len(c) for c in centroids] != list(sizes):
            raise UsageError(f"stored tokenizer grid {sizes} does not match "
                             f"{'x'.join(map(str, self.shape))}; restore it into a tokenizer "
                             "of the same grid")
        self.edges = [np.asarray(e, dtype=np.float32) for e in edges]
        self.centroids = [np.asarray(c, dtype=np.float32) for c in centroids]
        self.counts = [np.asarray(c, dtype=np.int64) for c in counts]
        return self

    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted tokenizer as JSON to ``path``; returns the path."""
        path = Path(path)
        path.write_text(json.dumps(self.params()))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> JetTokenizer:
        """Read a tokenizer written by :meth:`save`."""
        from hepscaling.errors import require_file

        return cls.from_params(json.loads(require_file(path, "tokenizer file").read_text()))
