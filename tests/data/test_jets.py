"""Jet files: chunk plan, resumable generation (interrupted == uninterrupted), reading, errors."""

import h5py
import numpy as np
import pytest

from hepscaling.data.jets import (
    FIELDS,
    generate_jets,
    plan_chunks,
    read_jets,
    validate_jets,
)
from hepscaling.errors import UsageError
from hepscaling.physics.jets.processes import chunk_seed, parse_classes

CLASSES = parse_classes("w,qcd")
SETTINGS = {"n": 3, "seed": 1, "chunk_size": 3}  # one chunk per class (Pythia start-up ~1 s)


class Interrupting:
    """An executor that runs chunks in this process and is 'killed' after ``after`` of them."""

    def __init__(self, after):
        self.after = after

    def map(self, fn, tasks):
        for i, task in enumerate(tasks):
            if i == self.after:
                raise KeyboardInterrupt
            yield fn(task)


class MustNotRun:
    def map(self, fn, tasks):
        assert list(tasks) == []
        return iter([])


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("jets") / "reference.h5"
    generate_jets(path, CLASSES, **SETTINGS, progress=False)
    return path


def same_file(a, b):
    x, y = read_jets(a), read_jets(b)
    return all(np.array_equal(x[k], y[k]) for k in FIELDS)


def test_plan_interleaves_classes_and_seeds_chunks():
    tasks = plan_chunks(CLASSES, 7, 4, 3)
    assert [(t.spec.name, t.index, t.n) for t in tasks] == [
        ("w", 0, 3), ("qcd", 0, 3), ("w", 1, 3), ("qcd", 1, 3), ("w", 2, 1), ("qcd", 2, 1)]
    assert tasks[2].pythia_seed == chunk_seed(4, CLASSES[0], 1)


def test_reference_file_layout(reference):
    jets = read_jets(reference)
    validate_jets(jets, str(reference))
    assert jets["label"].tolist() == [7, 7, 7, 0, 0, 0]  # chunk 0 of w, then of qcd
    with h5py.File(reference) as f:
        assert f["chunks"][...].tolist() == [[2, 0, 3], [0, 0, 3]]  # (class code, chunk, rows)
        assert f["part_px"].dtype == np.float32 and f["part_mask"].dtype == bool


def test_interrupted_generation_resumes_to_the_same_file(reference, tmp_path):
    path = tmp_path / "resumed.h5"
    with pytest.raises(KeyboardInterrupt):
        generate_jets(path, CLASSES, **SETTINGS, executor=Interrupting(after=1),
                      progress=False)
    assert read_jets(path)["label"].tolist() == [7, 7, 7]
    with h5py.File(path, "a") as f:  # a crash in the middle of appending the next chunk
        for name in FIELDS:
            f[name].resize(f[name].shape[0] + 2, axis=0)
    generate_jets(path, CLASSES, **SETTINGS, progress=False)
    assert same_file(path, reference)
    with h5py.File(path) as f, h5py.File(reference) as g:
        assert np.array_equal(f["chunks"][...], g["chunks"][...])
        assert f["part_px"].shape == g["part_px"].shape


def test_a_complete_file_is_left_alone(reference):
    generate_jets(reference, CLASSES, **SETTINGS, executor=MustNotRun(), progress=False)


def test_worker_processes_give_the_same_file(reference, tmp_path):
    path = tmp_path / "pool.h5"
    generate_jets(path, CLASSES, **SETTINGS, workers=2, progress=False)
    assert same_file(path, reference)


def test_resuming_with_other_settings_is_refused(reference):
    with pytest.raises(UsageError, match="n_per_class: 3 -> 9") as info:
        generate_jets(reference, CLASSES, 9, 1, chunk_size=3, progress=False)
    assert "\n" not in str(info.value)


def test_read_subsets(reference):
    part = read_jets(reference, fields=["jet_pt", "label"], rows=slice(2, 9))
    assert set(part) == {"jet_pt", "label"}
    assert np.array_equal(part["jet_pt"], read_jets(reference)["jet_pt"][2:])
    with pytest.raises(UsageError, match="unknown jet field"):
        read_jets(reference, fields=["jet_mass"])


def test_foreign_files_are_usage_errors(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.zeros(3)
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5")
    for path in (other, text):
        with pytest.raises(UsageError, match="--out"):
            generate_jets(path, CLASSES, **SETTINGS, progress=False)
    with pytest.raises(UsageError, match="not a hepscaling jet file"):
        read_jets(other)
    with pytest.raises(UsageError, match="not found"):
        read_jets(tmp_path / "missing.h5")


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"n": 0}, "per class must be positive"), ({"chunk_size": 0}, "chunk size"),
    ({"workers": 0}, "workers"), ({"seed": -2}, "seed")])
def test_bad_settings_are_usage_errors(tmp_path, kwargs, fragment):
    settings = {**SETTINGS, **kwargs}
    with pytest.raises(UsageError, match=fragment):
        generate_jets(tmp_path / "x.h5", CLASSES, settings.pop("n"), **settings, progress=False)
    assert not (tmp_path / "x.h5").exists()


def test_validate_jets_names_the_problem(reference):
    jets = read_jets(reference)
    broken = {**jets, "jet_pt": jets["jet_pt"][:-1]}
    with pytest.raises(UsageError, match="jet_pt has shape"):
        validate_jets(broken, "x")
    nan = {**jets, "part_px": np.full_like(jets["part_px"], np.nan)}
    with pytest.raises(UsageError, match="part_px contains NaN"):
        validate_jets(nan, "x")
    with pytest.raises(UsageError, match="missing label"):
        validate_jets({k: v for k, v in jets.items() if k != "label"}, "x")
