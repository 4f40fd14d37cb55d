"""Jet files: chunk plan, resumable generation (killed == uninterrupted), a finished file left
untouched, reading, errors."""

import json
import sys
from concurrent.futures import Executor, Future

import h5py
import numpy as np
import pytest

from helpers.kill import kill_at_marker
from hepscaling.data.jets import (
    FIELDS,
    JetDataset,
    generate_jets,
    plan_chunks,
    read_jets,
    validate_jets,
)
from hepscaling.errors import UsageError
from hepscaling.physics.jets.processes import chunk_seed, parse_classes

CLASSES = parse_classes("w,qcd")
SETTINGS = {"n": 4, "seed": 1, "chunk_size": 2}  # two chunks per class (Pythia start-up ~1 s)
#: Runs generate_jets in a child process that saves chunk 0, then hangs in chunk 1 until killed.
KILLED_CHILD = """
import sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from hepscaling.data.jets import generate_jets
from hepscaling.physics.jets.processes import parse_classes

def hang(task):
    saved = Path(sys.argv[1] + ".parts") / "000000.npz"
    while not saved.exists():
        time.sleep(0.01)
    Path(sys.argv[2]).touch()
    time.sleep(600)

class HangsInSecondChunk(ThreadPoolExecutor):
    def __init__(self):
        super().__init__(1)
        self.submitted = 0

    def submit(self, fn, task):
        self.submitted += 1
        return super().submit(fn if self.submitted == 1 else hang, task)

n, seed, chunk_size = map(int, sys.argv[3:])
generate_jets(sys.argv[1], parse_classes("w,qcd"), n, seed, chunk_size=chunk_size,
              executor=HangsInSecondChunk(), progress=False)
"""


class Recording(Executor):
    """An executor that runs each chunk in this process when submitted and records which."""

    def __init__(self):
        self.ran = []

    def submit(self, fn, task):
        self.ran.append((task.spec.name, task.index))
        future = Future()
        future.set_result(fn(task))
        return future


class Interrupting(Recording):
    """A :class:`Recording` executor 'killed' (Ctrl-C) after ``after`` chunks."""

    def __init__(self, after):
        super().__init__()
        self.after = after

    def submit(self, fn, task):
        if len(self.ran) == self.after:
            raise KeyboardInterrupt
        return super().submit(fn, task)


class MustNotRun(Executor):
    def submit(self, fn, task):
        raise AssertionError(f"chunk {task} was run")


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
    assert jets["label"].tolist() == [7, 7, 0, 0, 7, 7, 0, 0]  # chunk 0 of w, of qcd, chunk 1..
    with h5py.File(reference) as f:
        assert sorted(f) == sorted(FIELDS)
        assert f["part_px"].dtype == np.float32 and f["part_mask"].dtype == bool
        assert f.attrs["format"] == "hepscaling.jets"
        assert json.loads(f.attrs["provenance"])["n_per_class"] == 4
    assert sorted(p.name for p in reference.parent.iterdir()) == ["reference.h5"]


def test_resume_after_kill_9(reference, tmp_path):
    path, marker = tmp_path / "k.h5", tmp_path / "hanging"
    settings = [str(SETTINGS[key]) for key in ("n", "seed", "chunk_size")]
    kill_at_marker([sys.executable, "-c", KILLED_CHILD, str(path), str(marker), *settings],
                   marker)
    assert marker.exists(), "the generating process did not reach its second chunk"
    parts = tmp_path / "k.h5.parts"
    assert sorted(p.name for p in parts.iterdir()) == ["000000.npz", "provenance.json"]
    assert not path.exists()
    (parts / "000001.tmp").write_bytes(b"chunk 1 half written when killed")
    (tmp_path / "k.h5.tmp").write_bytes(b"an assembly half written when killed")
    resumed = Recording()
    generate_jets(path, CLASSES, **SETTINGS, executor=resumed, progress=False)
    assert resumed.ran == [("qcd", 0), ("w", 1), ("qcd", 1)]  # chunk 0 of w was kept
    assert same_file(path, reference)
    with h5py.File(path) as f, h5py.File(reference) as g:
        assert sorted(f) == sorted(g)
        assert all(f[name].dtype == g[name].dtype for name in FIELDS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hanging", "k.h5"]


def test_a_complete_file_is_left_untouched(reference):
    before, content = reference.stat().st_mtime_ns, reference.read_bytes()
    generate_jets(reference, CLASSES, **SETTINGS, executor=MustNotRun(), progress=False)
    assert reference.stat().st_mtime_ns == before and reference.read_bytes() == content
    assert sorted(p.name for p in reference.parent.iterdir()) == ["reference.h5"]


def test_worker_processes_give_the_same_file(reference, tmp_path):
    path = tmp_path / "pool.h5"
    generate_jets(path, CLASSES, **SETTINGS, workers=2, progress=False)
    assert same_file(path, reference)


def test_resuming_with_other_settings_is_refused(reference, tmp_path):
    with pytest.raises(UsageError, match="n_per_class: 4 -> 9") as info:
        generate_jets(reference, CLASSES, 9, 1, chunk_size=2, progress=False)
    assert "\n" not in str(info.value)
    path = tmp_path / "started.h5"
    with pytest.raises(KeyboardInterrupt):
        generate_jets(path, CLASSES, **SETTINGS, executor=Interrupting(after=0),
                      progress=False)
    assert list(tmp_path.iterdir()) == []  # no chunk finished: nothing kept, nothing refused
    other = {**SETTINGS, "seed": 2, "chunk_size": 4}
    assert generate_jets(path, CLASSES, **other, progress=False) == path


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


def test_a_jet_dataset_entry_checks_a_file_made_elsewhere(reference):
    entry = {"kind": "jets", "classes": "w,qcd", "n": 4, "seed": 1, "chunk_size": 2,
             "workers": 2, "path": str(reference)}  # workers do not change the file
    assert JetDataset(**entry).make(reference.parent / "unused.h5") == reference
    with pytest.raises(UsageError, match="was made with max_particles = 128, but the settings "
                                         "ask for 64"):
        JetDataset(**{**entry, "max_particles": 64}).make(reference.parent / "unused.h5")
    with pytest.raises(UsageError, match=r"was made with classes = \['w', 'qcd'\], but the "
                                         r"settings ask for \['qcd', 'w'\]"):
        JetDataset(**{**entry, "classes": "qcd,w"}).check(reference)
    assert sorted(p.name for p in reference.parent.iterdir()) == ["reference.h5"]
