"""Part files of chunked generation: order, resume state, settings checks, untouched results."""

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import h5py
import numpy as np
import pytest

from helpers.kill import kill_at_marker
from hepscaling.data.chunks import (
    GZIP,
    LZF,
    Layout,
    generate_in_chunks,
    open_parts,
    write_hdf5,
)
from hepscaling.errors import UsageError, WorkFailed

RECORD = {"n": 7, "seed": 3, "code_version": "v1", "created": "monday"}
#: Saves every chunk, then hangs while assembling (after chunks 0 and 1) until killed.
KILLED_IN_ASSEMBLY = """
import sys, time
from pathlib import Path
sys.path[:0] = [sys.argv[3], str(Path(sys.argv[3]).parent)]  # test_chunks and its helpers
from test_chunks import fill
from hepscaling.data.chunks import Parts

load = Parts.load

def hanging_load(self, i):
    if i == 2:
        Path(sys.argv[2]).touch()
        time.sleep(600)
    return load(self, i)

Parts.load = hanging_load
fill(Path(sys.argv[1]))
"""
#: Generates the toy dataset on two threads; chunk 0 waits until chunk 1 is saved, then hangs
#: until killed (chunk 2 finishes in the meantime on the other thread).
KILLED_OUT_OF_ORDER = """
import sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
sys.path[:0] = [sys.argv[3], str(Path(sys.argv[3]).parent)]
from test_chunks import generate, run_toy

path, marker = Path(sys.argv[1]), Path(sys.argv[2])

def run(task):
    if task.index == 0:
        saved = [path.with_name(path.name + ".parts") / f"00000{i}.npz" for i in (1, 2)]
        while not all(p.exists() for p in saved):
            time.sleep(0.01)
        marker.touch()
        time.sleep(600)
    return run_toy(task)

generate(path, run, executor=ThreadPoolExecutor(2))
"""
SIZES = (3, 3, 1)


def chunk(i: int, rows: int) -> dict:
    """Rows numbered from ``10 * i``: float ``(rows, 2, 4)``, int ``(rows,)``, bool ``(rows,)``."""
    first = 10 * i + np.arange(rows)
    return {"x": np.broadcast_to(first[:, None, None], (rows, 2, 4)).astype(np.float32),
            "label": first.astype(np.int64), "odd": first % 2 == 1}


class ToyTask:
    """Chunk ``index`` of the toy dataset, ``n`` rows (see :func:`chunk`)."""

    def __init__(self, index: int, n: int):
        self.index, self.n = index, n


def run_toy(task: ToyTask) -> dict:
    """The toy chunk of ``task`` plus an array the layout does not keep."""
    return {**chunk(task.index, task.n), "scratch": np.zeros(task.n)}


def _attrs(provenance: dict, n_rows: int) -> dict:
    return {"provenance": json.dumps(provenance, sort_keys=True), "n_complete": n_rows}


TOY = Layout("toy", ("x", "label", "odd"), _attrs, LZF)


def generate(path, run_chunk=run_toy, **kwargs):
    """The toy dataset of chunks :data:`SIZES` through :func:`generate_in_chunks`."""
    tasks = [ToyTask(i, n) for i, n in enumerate(SIZES)]
    return generate_in_chunks(path, tasks, run_chunk, TOY, RECORD, progress=False, **kwargs)


def fill(path, record=RECORD, sizes=SIZES):
    """Generate (or resume) the toy dataset of chunks ``sizes`` into ``path``; its path."""
    parts = open_parts(path, record, len(sizes), what="toy")
    for i in parts.missing():
        parts.save(i, chunk(i, sizes[i]))
    attrs = {"provenance": json.dumps(parts.provenance, sort_keys=True)}
    return parts.assemble(sum(sizes), attrs, LZF)


def test_parts_assemble_in_chunk_order_whatever_the_save_order(tmp_path):
    path = tmp_path / "d.h5"
    parts = open_parts(path, RECORD, 3, what="toy")
    for i in (2, 0):
        parts.save(i, chunk(i, (3, 3, 1)[i]))
    assert parts.missing() == [1]
    assert not path.exists()
    with pytest.raises(WorkFailed, match=r"chunks \[1\] are missing"):
        parts.assemble(7, {}, LZF)
    parts.save(1, chunk(1, 3))
    parts.assemble(7, {"provenance": json.dumps(parts.provenance), "n_complete": 7}, LZF)
    with h5py.File(path) as f:
        assert f["label"][()].tolist() == [0, 1, 2, 10, 11, 12, 20]
        assert f["x"].shape == (7, 2, 4) and f["x"].dtype == np.float32
        assert np.array_equal(f["x"][:, 1, 3], f["label"][()].astype(np.float32))
        assert f["odd"].dtype == bool and f["odd"][()].tolist() == [0, 1, 0, 0, 1, 0, 0]
        assert f["x"].compression == "lzf" and f.attrs["n_complete"] == 7
        assert json.loads(f.attrs["provenance"]) == RECORD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.h5"]  # parts and temp files gone


def test_a_resume_keeps_saved_chunks_and_ignores_half_written_files(tmp_path):
    path = tmp_path / "d.h5"
    parts = open_parts(path, RECORD, 3, what="toy")
    parts.save(0, chunk(0, 3))
    (parts.directory / "000001.tmp").write_bytes(b"chunk 1 of a killed run")
    (tmp_path / "d.h5.tmp").write_bytes(b"assembly of a killed run")
    resumed = open_parts(path, {**RECORD, "code_version": "v2", "created": "tuesday"}, 3,
                         what="toy")
    assert resumed.missing() == [1, 2]
    assert resumed.provenance == {**RECORD, "resumed_with": ["v2"]}  # the first run's record
    assert np.array_equal(resumed.load(0)["label"], [0, 1, 2])
    fill(path, {**RECORD, "code_version": "v2"})
    with h5py.File(path) as f:
        assert f["label"][()].tolist() == [0, 1, 2, 10, 11, 12, 20]
        assert json.loads(f.attrs["provenance"])["resumed_with"] == ["v2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.h5"]


def test_other_settings_are_one_line_errors_naming_them(tmp_path):
    path = tmp_path / "d.h5"
    open_parts(path, RECORD, 3, what="toy").save(0, chunk(0, 3))
    changed = {**RECORD, "seed": 4, "n": 8, "code_version": "v9", "created": "later"}
    with pytest.raises(UsageError) as info:
        open_parts(path, changed, 3, what="toy")
    message = str(info.value)
    assert "different settings (n: 7 -> 8, seed: 3 -> 4)" in message and "\n" not in message
    assert f"re-run with the original settings to resume, or choose another output file (or " \
           f"delete {tmp_path / 'd.h5.parts'}) to start afresh" in message
    assert open_parts(path, changed, 3, what="toy", volatile=("code_version", "created", "n",
                                                               "seed")) is not None
    fill(path)
    with pytest.raises(UsageError, match=r"made with different settings \(seed: 3 -> 4\)"):
        open_parts(path, {**RECORD, "seed": 4}, 3, what="toy")


def test_parts_without_a_finished_chunk_restart_with_other_settings(tmp_path):
    path = tmp_path / "d.h5"
    open_parts(path, RECORD, 3, what="toy")  # killed before its first chunk
    changed = {**RECORD, "seed": 4}
    parts = open_parts(path, changed, 3, what="toy")
    assert parts.provenance == changed and parts.missing() == [0, 1, 2]
    assert json.loads((parts.directory / "provenance.json").read_text()) == changed


def test_a_generation_failing_before_its_first_chunk_leaves_no_parts(tmp_path):
    def reject(task: ToyTask) -> dict:
        raise UsageError("sqrt_s is below the threshold; raise sqrt_s")

    with pytest.raises(UsageError, match="threshold"):
        generate(tmp_path / "d.h5", reject)
    assert list(tmp_path.iterdir()) == []
    generate(tmp_path / "d.h5")  # the corrected command is not refused
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.h5"]


def test_a_generation_failing_after_a_chunk_keeps_its_parts(tmp_path):
    def second_fails(task: ToyTask) -> dict:
        if task.index == 1:
            raise RuntimeError("chunk 1 failed")
        return run_toy(task)

    with pytest.raises(RuntimeError, match="chunk 1 failed"):
        generate(tmp_path / "d.h5", second_fails)
    assert sorted(p.name for p in (tmp_path / "d.h5.parts").iterdir()) == [
        "000000.npz", "provenance.json"]


def test_a_finished_file_is_not_rewritten(tmp_path):
    path = fill(tmp_path / "d.h5")
    before, content = path.stat().st_mtime_ns, path.read_bytes()
    (tmp_path / "d.h5.parts").mkdir()  # left behind by a kill right after the final rename
    assert open_parts(path, {**RECORD, "code_version": "v2"}, 3, what="toy") is None
    assert path.stat().st_mtime_ns == before and path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.h5"]


def test_foreign_files_are_usage_errors(tmp_path):
    (tmp_path / "notes.h5").write_text("not hdf5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = np.zeros(3)
    for name in ("notes.h5", "other.h5"):
        with pytest.raises(UsageError, match=r"is not a hepscaling toy file.*choose another"):
            open_parts(tmp_path / name, RECORD, 3, what="toy")


def test_write_hdf5_checks_the_row_count(tmp_path):
    path = write_hdf5(tmp_path / "w.h5", [chunk(0, 3), chunk(1, 2)], 5, {"k": "v"}, GZIP)
    with h5py.File(path) as f:
        assert f["label"][()].tolist() == [0, 1, 2, 10, 11] and f.attrs["k"] == "v"
        assert f["x"].compression == "gzip"
    with pytest.raises(WorkFailed, match="hold 5 rows, expected 6"):
        write_hdf5(tmp_path / "short.h5", [chunk(0, 3), chunk(1, 2)], 6, {}, GZIP)
    assert not (tmp_path / "short.h5").exists()


def test_compressed_parts_hold_the_same_arrays_in_fewer_bytes(tmp_path):
    padded = {"x": np.zeros((200, 128), np.float32), "label": np.arange(200)}
    sizes = {}
    for compress in (False, True):
        parts = open_parts(tmp_path / f"{compress}.h5", RECORD, 1, what="toy", compress=compress)
        parts.save(0, padded)
        sizes[compress] = parts.part(0).stat().st_size
        loaded = parts.load(0)
        assert all(np.array_equal(loaded[k], padded[k]) for k in padded)
    assert sizes[True] < sizes[False] / 10


def test_a_kill_9_while_assembling_leaves_the_parts_to_finish_from(tmp_path):
    path, marker = tmp_path / "d.h5", tmp_path / "hanging"
    kill_at_marker([sys.executable, "-c", KILLED_IN_ASSEMBLY, str(path), str(marker),
                    str(Path(__file__).parent)], marker, timeout=60, poll=0.02)
    assert marker.exists(), "the child did not reach the assembly"
    assert not path.exists() and (tmp_path / "d.h5.tmp").exists()  # killed inside h5py
    resumed = open_parts(path, RECORD, 3, what="toy")
    assert resumed.missing() == []
    fill(path)
    reference = fill(tmp_path / "reference.h5")
    with h5py.File(path) as f, h5py.File(reference) as g:
        assert sorted(f) == sorted(g) == ["label", "odd", "x"]
        assert all(np.array_equal(f[name][()], g[name][()]) for name in g)
        assert dict(f.attrs) == dict(g.attrs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.h5", "hanging", "reference.h5"]


def test_generate_in_chunks_keeps_the_layout_fields_in_chunk_order(tmp_path):
    path = generate(tmp_path / "d.h5")
    with h5py.File(path) as f:
        assert list(f) == ["label", "odd", "x"]  # no "scratch"
        assert f["label"][()].tolist() == [0, 1, 2, 10, 11, 12, 20]
        assert dict(f.attrs) == _attrs(RECORD, 7)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.h5"]


def test_chunks_finished_out_of_order_survive_a_kill_9(tmp_path):
    path, marker = tmp_path / "d.h5", tmp_path / "hanging"
    kill_at_marker([sys.executable, "-c", KILLED_OUT_OF_ORDER, str(path), str(marker),
                    str(Path(__file__).parent)], marker, timeout=60, poll=0.02)
    assert marker.exists(), "chunks 1 and 2 were not saved while chunk 0 ran"
    parts = tmp_path / "d.h5.parts"
    assert sorted(p.name for p in parts.iterdir()) == ["000001.npz", "000002.npz",
                                                       "provenance.json"]
    ran = []
    generate(path, lambda task: ran.append(task.index) or run_toy(task))
    assert ran == [0]  # only the chunk that was running when killed
    reference = generate(tmp_path / "reference.h5")  # uninterrupted
    with h5py.File(path) as f, h5py.File(reference) as g:
        assert sorted(f) == sorted(g) and dict(f.attrs) == dict(g.attrs)
        assert all(np.array_equal(f[name][()], g[name][()]) for name in g)
        assert all(f[name].dtype == g[name].dtype for name in g)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.h5", "hanging", "reference.h5"]


def test_a_failing_chunk_cancels_the_chunks_not_started(tmp_path):
    def fails_in_chunk_1(task):
        if task.index == 1:
            raise RuntimeError("chunk 1 failed")
        return run_toy(task)

    with ThreadPoolExecutor(1) as pool, pytest.raises(RuntimeError, match="chunk 1 failed"):
        generate(tmp_path / "d.h5", fails_in_chunk_1, executor=pool)
    parts = tmp_path / "d.h5.parts"
    assert sorted(p.name for p in parts.iterdir()) == ["000000.npz", "provenance.json"]


@pytest.mark.parametrize("executor", ["pool", "dask"])
def test_worker_pools_and_dask_give_the_same_file(tmp_path, executor):
    if executor == "pool":
        path = generate(tmp_path / "d.h5", workers=2)
    else:
        distributed = pytest.importorskip("distributed")
        with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                                dashboard_address=None) as client:
            path = generate(tmp_path / "d.h5", executor=client.get_executor())
    reference = generate(tmp_path / "reference.h5")
    with h5py.File(path) as f, h5py.File(reference) as g:
        assert all(np.array_equal(f[name][()], g[name][()]) for name in g)


def test_generate_in_chunks_refuses_zero_workers(tmp_path):
    with pytest.raises(UsageError, match="workers must be positive, got 0"):
        generate(tmp_path / "d.h5", workers=0)
    assert not (tmp_path / "d.h5.parts").exists()


def test_tallies_are_summed_over_chunks_into_the_provenance_not_the_file(tmp_path):
    layout = Layout("toy", ("x", "label", "odd"), _attrs, LZF, volatile=("tried",),
                    tallies=("tried",))

    def tried(task):  # a per-chunk counter: (rows made, rows tried)
        return {**run_toy(task), "tried": np.array([task.n, 2 * task.n + task.index])}

    tasks = [ToyTask(i, n) for i, n in enumerate(SIZES)]
    path = generate_in_chunks(tmp_path / "d.h5", tasks, tried, layout, RECORD, progress=False)
    with h5py.File(path) as f:
        assert list(f) == ["label", "odd", "x"]  # the counter is no dataset
        assert json.loads(f.attrs["provenance"]) == {**RECORD, "tried": [7, 17]}
        assert f.attrs["n_complete"] == 7
