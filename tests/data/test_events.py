"""zmumu files: layout, provenance with counts, reproducibility, resume, the validating reader."""

import json

import h5py
import numpy as np
import pytest

import hepscaling.data.events as events
from hepscaling.data.events import (
    ZmumuDataset,
    generate_events,
    read_events,
    read_provenance,
    validate_events,
)
from hepscaling.data.registry import dataset_model
from hepscaling.errors import UsageError
from hepscaling.physics.events import COUNTS

N, CHUNK = 200, 100


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A 200-event file in two chunks (~1 s)."""
    return generate_events(tmp_path_factory.mktemp("z") / "z.h5", N, 5, chunk_size=CHUNK,
                           progress=False)


def _contents(path):
    with h5py.File(path) as f:
        return {name: f[name][()] for name in f}, dict(f.attrs)


def test_file_layout_and_provenance(made):
    arrays, attrs = _contents(made)
    assert sorted(arrays) == ["momenta", "n_jets"]
    assert arrays["momenta"].shape == (N, 5, 4) and arrays["momenta"].dtype == np.float64
    assert arrays["n_jets"].shape == (N,) and arrays["n_jets"].dtype == np.int64
    assert attrs["format"] == "hepscaling.zmumu"
    made_with = json.loads(attrs["provenance"])
    assert made_with["n"] == N and made_with["seed"] == 5 and made_with["mpi"] is False
    counts = made_with["counts"]
    assert list(counts) == sorted(COUNTS)
    assert [counts[f"jets_{k}"] for k in (1, 2, 3)] == np.bincount(
        arrays["n_jets"], minlength=4)[1:].tolist()
    assert counts["generated"] > 3 * N  # about a quarter of the events are kept


def test_read_events_returns_the_validated_arrays(made):
    arrays = read_events(made)
    assert arrays["momenta"].shape == (N, 5, 4) and set(arrays) == {"momenta", "n_jets"}


def test_same_seed_gives_the_same_file_and_workers_do_not_matter(made, tmp_path):
    again = generate_events(tmp_path / "again.h5", N, 5, chunk_size=CHUNK, workers=2,
                            progress=False)
    (a, attrs_a), (b, attrs_b) = _contents(made), _contents(again)
    assert all(np.array_equal(a[name], b[name]) for name in a) and attrs_a == attrs_b


def test_a_run_killed_after_one_chunk_resumes_to_the_same_file(made, tmp_path, monkeypatch):
    run = events._run

    def dies_in_chunk_1(task):
        if task.index == 1:
            raise KeyboardInterrupt
        return run(task)

    path = tmp_path / "resumed.h5"
    monkeypatch.setattr(events, "_run", dies_in_chunk_1)
    with pytest.raises(KeyboardInterrupt):
        generate_events(path, N, 5, chunk_size=CHUNK, progress=False)
    assert not path.exists() and (tmp_path / "resumed.h5.parts" / "000000.npz").exists()
    ran = []
    monkeypatch.setattr(events, "_run", lambda task: ran.append(task.index) or run(task))
    generate_events(path, N, 5, chunk_size=CHUNK, progress=False)
    assert ran == [1]
    (a, attrs_a), (b, attrs_b) = _contents(made), _contents(path)
    assert all(np.array_equal(a[name], b[name]) for name in a) and attrs_a == attrs_b


def test_registered_kind_checks_a_file_against_its_settings(made):
    model = dataset_model("zmumu")
    assert model is ZmumuDataset
    spec = model(kind="zmumu", n=N, seed=5, chunk_size=CHUNK, path=str(made))
    assert spec.make(made) == made  # counts and generator versions are not settings
    with pytest.raises(UsageError, match="was made with seed = 5"):
        model(kind="zmumu", n=N, seed=6, chunk_size=CHUNK).check(made)


def _bad(made, change):
    arrays = read_events(made)
    change(arrays["momenta"], arrays["n_jets"])
    return arrays["momenta"], arrays["n_jets"]


def _swap_jets(p, n):
    row = int(np.flatnonzero(n >= 2)[0])
    p[row, [2, 3]] = p[row, [3, 2]]


def _jet_on_muon(p, n):
    p[0, 2] = p[0, 0] * 1000  # along the mu+, hard and massless enough
    p[0, 2, 0] = np.linalg.norm(p[0, 2, 1:])


def _soft_jet(p, n):
    p[0, 2] *= 10 / np.hypot(p[0, 2, 1], p[0, 2, 2])
    p[0, 3:] = 0
    n[0] = 1


@pytest.mark.parametrize(("change", "message"), [
    (lambda p, n: p.__setitem__((3, 1, 2), np.nan), "event 3 contain NaN"),
    (lambda p, n: n.__setitem__(0, 0), "event 0 has n_jets = 0"),
    (lambda p, n: p.__setitem__((int(np.argmin(n)), 4), 1.0), "padding must be zero"),
    (lambda p, n: p.__setitem__((2, 0, 0), p[2, 0, 0] + 1), "a muon of event 2 has mass"),
    (lambda p, n: p.__setitem__((0, 2, 0), 0.5 * np.abs(p[0, 2, 0])), "E < |p|"),
    (_soft_jet, "pT 10 GeV, below the 20 GeV cut"),
    (_swap_jets, "not ordered by decreasing pT"),
    (_jet_on_muon, "Delta R = 0.0000, below the 0.4 cut"),
])
def test_validate_events_names_the_broken_rule_in_one_line(made, change, message):
    momenta, n_jets = _bad(made, change)
    with pytest.raises(UsageError, match=message) as caught:
        validate_events(momenta, n_jets, "bad.h5")
    assert "\n" not in str(caught.value) and str(caught.value).startswith("bad.h5: ")


def _rewrite(made, path, **arrays):
    good, attrs = _contents(made)
    with h5py.File(path, "w") as f:
        for name, value in {**good, **arrays}.items():
            f[name] = value
        f.attrs.update(attrs)
    return path


def test_read_events_rejects_bad_files_in_one_line(made, tmp_path):
    wrong = _rewrite(made, tmp_path / "shape.h5", momenta=np.zeros((N, 4, 4)))
    with pytest.raises(UsageError, match=r"shape \(200, 4, 4\).*expected float \(n, 5, 4\)"):
        read_events(wrong)
    p = read_events(made)["momenta"]
    p[7, 0, 1] = np.nan
    with pytest.raises(UsageError, match="event 7 contain NaN or Inf"):
        read_events(_rewrite(made, tmp_path / "nan.h5", momenta=p))
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["momenta"] = np.zeros((1, 5, 4))
    with pytest.raises(UsageError, match="not a hepscaling zmumu event file"):
        read_provenance(tmp_path / "other.h5")
    with pytest.raises(UsageError, match="not found"):
        read_events(tmp_path / "missing.h5")
