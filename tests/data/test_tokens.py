"""The binned jet tokenizer: layout, round trip and idempotence, bins, centroids, errors."""

from __future__ import annotations

import numpy as np
import pytest

from hepscaling.data.tokens import PRESETS, JetTokenizer
from hepscaling.errors import UsageError


def toy_jets(n: int, width: int = 20, seed: int = 0, shift: float = 0.0) -> dict[str, np.ndarray]:
    """Random JetClass-like constituents: ``n`` jets of 1..width constituents in random order,
    some angles outside +-0.8; float32 ``(n, width)`` zero-padded."""
    rng = np.random.default_rng(seed)
    mult = rng.integers(1, width + 1, n)
    mask = np.arange(width)[None, :] < mult[:, None]
    pt_log = rng.normal(1.0 + shift, 1.2, (n, width))
    deta, dphi = rng.normal(0.0, 0.35, (2, n, width))
    jets = {"part_mask": mask}
    for name, v in (("part_pt_log", pt_log), ("part_deta", deta), ("part_dphi", dphi)):
        jets[name] = np.where(mask, v, 0.0).astype(np.float32)
    return jets


@pytest.fixture(scope="module")
def tok() -> JetTokenizer:
    return JetTokenizer("coarse", max_constituents=12).fit(toy_jets(400))


def test_presets_and_ids():
    assert PRESETS["default"] == (20, 16, 16)
    tok = JetTokenizer("default")
    assert tok.n_particle_tokens == 5120 and tok.vocab_size == 5123
    assert (tok.start, tok.stop, tok.pad) == (5120, 5121, 5122)
    assert JetTokenizer("paper").n_particle_tokens == 41 * 31 * 31


def test_encode_layout(tok):
    jets = toy_jets(50, seed=1)
    tokens = tok.encode(jets)
    assert tokens.dtype == np.int64 and tokens.shape == (50, 14)
    assert (tokens[:, 0] == tok.start).all()
    mult = np.minimum(jets["part_mask"].sum(axis=1), 12)
    assert (tokens[np.arange(50), 1 + mult] == tok.stop).all()
    after = np.arange(14)[None, :] > 1 + mult[:, None]
    assert (tokens[after] == tok.pad).all()


def test_the_hardest_constituents_are_kept_in_decreasing_pt():
    """Jets of 15 constituents (log pT 0..14) in shuffled order; with 15 log-pT bins fitted
    on them each value has its own bin, and T = 12 keeps the 12 hardest, hardest first."""
    pt_log = np.stack([np.random.default_rng(i).permutation(15) for i in range(3)])
    zeros = np.zeros((3, 15), np.float32)
    jets = {"part_mask": np.ones((3, 15), bool), "part_pt_log": pt_log.astype(np.float32),
            "part_deta": zeros, "part_dphi": zeros}
    params = JetTokenizer((15, 1, 1), max_constituents=15).fit(jets).params()
    tok = JetTokenizer.from_params({**params, "max_constituents": 12})
    tokens = tok.encode({k: v[:1] for k, v in jets.items()})
    assert tokens[0].tolist() == [tok.start, *range(14, 2, -1), tok.stop]


def test_round_trip_is_idempotent_and_exact(tok):
    tokens = tok.encode(toy_jets(300, seed=2, shift=0.5))  # some pT beyond the fitted edges
    for at in ("centroid", "centre"):
        decoded = tok.decode(tokens, at=at)
        assert decoded["part_pt_log"].dtype == np.float32
        assert decoded["part_mask"].shape == (300, 12)
        np.testing.assert_array_equal(tok.encode(decoded), tokens)


def test_decoded_values_lie_inside_their_bins(tok):
    jets = toy_jets(300, seed=3)
    decoded = tok.decode(tok.encode(jets))
    values = np.stack([decoded[k] for k in ("part_pt_log", "part_deta", "part_dphi")], -1)
    values = values[decoded["part_mask"]]
    bins = tok._bins(values)
    for axis, edges in enumerate(tok.edges):
        assert (values[:, axis] >= edges[bins[:, axis]]).all()
        assert (values[:, axis] < edges[bins[:, axis] + 1]).all()


def test_angles_are_clipped_into_the_edge_bins(tok):
    jets = toy_jets(4, seed=4)
    jets["part_deta"][:, 0], jets["part_dphi"][:, 0] = 3.0, -3.0
    jets["part_pt_log"][:, 0] = 9.0  # the hardest
    decoded = tok.decode(tok.encode(jets))
    assert (decoded["part_deta"][decoded["part_mask"][:, 0], 0] > 0.64).all()
    assert (decoded["part_dphi"][decoded["part_mask"][:, 0], 0] < -0.64).all()


def test_centroids_come_from_the_training_data_only():
    train, other = toy_jets(400, seed=5), toy_jets(400, seed=6, shift=1.0)
    tok = JetTokenizer("coarse", max_constituents=12).fit(train)
    again = JetTokenizer("coarse", max_constituents=12).fit(train)
    tok.encode(other), tok.decode(tok.encode(other))  # using it changes nothing
    for a, b in zip(tok.centroids + tok.edges, again.centroids + again.edges, strict=True):
        np.testing.assert_array_equal(a, b)
    # the log-pT centroid of a bin is the mean of the training values in it
    values, mask = tok.hardest(train)
    pt = values[mask][:, 0]
    in_bin = tok._bins(values[mask])[:, 0] == 5
    assert tok.centroids[0][5] == pytest.approx(pt[in_bin].mean(), rel=1e-6)
    assert tok.edges[0][0] == pytest.approx(pt.min()) and tok.edges[0][-1] == pytest.approx(
        pt.max())


def test_save_and_load(tok, tmp_path):
    loaded = JetTokenizer.load(tok.save(tmp_path / "tok.json"))
    tokens = tok.encode(toy_jets(20, seed=7))
    np.testing.assert_array_equal(loaded.encode(loaded.decode(tokens)), tokens)
    assert loaded.params() == tok.params()


def test_restoring_another_grid_is_a_one_line_error(tok):
    stored = tok.params()
    with pytest.raises(UsageError, match="does not match") as info:
        JetTokenizer("default").restore(stored["edges"], stored["centroids"], stored["counts"])
    assert "\n" not in str(info.value)


def test_tokens_of_another_grid_get_a_one_line_error(tok):
    default = JetTokenizer("default", max_constituents=12).fit(toy_jets(400))
    for other, theirs in ((tok, default), (default, tok)):
        with pytest.raises(UsageError, match="do not come from this") as info:
            other.decode(theirs.encode(toy_jets(5, seed=8)))
        assert "\n" not in str(info.value)


def test_malformed_sequences(tok):
    tokens = tok.encode(toy_jets(5, seed=9, width=30))
    inner = tokens.copy()
    inner[:, 2] = tok.start
    unstopped = tokens[:, :-2][tokens[:, -3] < tok.start][:1]
    resumed = tokens.copy()
    resumed[:, -1] = 0
    for bad in (inner, unstopped, resumed):
        assert bad.shape[0]
        with pytest.raises(UsageError, match="malformed"):
            tok.decode(bad)


def test_usage_errors():
    with pytest.raises(UsageError, match="unknown tokenizer grid"):
        JetTokenizer("huge")
    with pytest.raises(UsageError, match="not fitted"):
        JetTokenizer("coarse").encode(toy_jets(3))
    with pytest.raises(UsageError, match="too few"):
        JetTokenizer("fine").fit(toy_jets(2, width=3))
    with pytest.raises(UsageError, match="lack part_deta"):
        JetTokenizer("coarse").fit({"part_mask": np.ones((2, 2), bool),
                                   "part_pt_log": np.ones((2, 2)), "part_dphi": np.ones((2, 2))})
