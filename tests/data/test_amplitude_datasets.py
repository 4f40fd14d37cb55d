"""Amplitude datasets: round trips, resumable generation, validation, public row layout."""

import json
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from helpers.analytic import EE_MUMU, StallingQED, qed_ee_mumu
from helpers.kill import kill_at_marker
from hepscaling.data.amplitudes import (
    FORMAT_VERSION,
    dataset_process,
    generate_amplitudes,
    read_amplitudes,
    write_amplitudes,
)
from hepscaling.errors import UsageError
from hepscaling.physics.lorentz import check_momenta
from hepscaling.physics.phase_space import Cuts

SETTINGS = {"n": 1000, "sqrt_s": 91.188, "seed": 5, "cuts": Cuts(eta_max=2.0), "chunk_size": 300}


class Interrupted(Exception):
    pass


class QED:
    """``qed_ee_mumu`` that can be made to fail at a given call, like a killed process."""

    def __init__(self, fail_at_call: int | None = None):
        self.fail_at_call, self.calls = fail_at_call, 0

    def __call__(self, p):
        self.calls += 1
        if self.calls == self.fail_at_call:
            raise Interrupted
        return qed_ee_mumu(p)


def _without_time(provenance: dict, *also: str) -> dict:
    return {k: v for k, v in provenance.items() if k not in ("created", "environment", *also)}


def test_generate_then_read(tmp_path):
    path = generate_amplitudes(tmp_path / "ee.h5", EE_MUMU, me2=QED(), **SETTINGS)
    data = read_amplitudes(path)
    assert data.momenta.shape == (1000, 4, 4) and data.me2.shape == (1000,)
    check_momenta(data.momenta, np.zeros(4), 2, rtol=1e-9)
    np.testing.assert_array_equal(data.me2, qed_ee_mumu(data.momenta))
    assert np.all(np.abs(np.arcsinh(data.momenta[:, 2:, 3] / np.hypot(
        data.momenta[:, 2:, 1], data.momenta[:, 2:, 2]))) <= 2.0)
    prov = data.provenance
    assert prov["process"] == "e+ e- > mu+ mu-" and prov["seed"] == 5 and prov["n"] == 1000
    assert prov["cuts"]["eta_max"] == 2.0 and prov["format_version"] == FORMAT_VERSION
    assert prov["code_version"] and prov["created"] and prov["matrix_element"].endswith("QED")
    with h5py.File(path) as f:
        assert f["momenta"].compression == "gzip" and f["momenta"].chunks is not None
        assert f["momenta"].dtype == np.float64
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ee.h5"]


def test_resume_after_interruption_gives_the_same_file(tmp_path):
    reference = read_amplitudes(generate_amplitudes(tmp_path / "a.h5", EE_MUMU, me2=QED(),
                                                    **SETTINGS))
    path = tmp_path / "b.h5"
    with pytest.raises(Interrupted):
        generate_amplitudes(path, EE_MUMU, me2=QED(fail_at_call=3), **SETTINGS)
    assert not path.exists()
    parts = tmp_path / "b.h5.parts"
    assert sorted(p.name for p in parts.iterdir()) == ["000000.npz", "000001.npz",
                                                       "provenance.json"]
    (parts / "000002.tmp").write_bytes(b"half-written chunk of a killed run")
    resumed_me2 = QED()
    generate_amplitudes(path, EE_MUMU, me2=resumed_me2, **SETTINGS)
    assert resumed_me2.calls == 2  # only the missing chunks were generated
    assert not parts.exists()
    resumed = read_amplitudes(path)
    np.testing.assert_array_equal(resumed.momenta, reference.momenta)
    np.testing.assert_array_equal(resumed.me2, reference.me2)
    assert _without_time(resumed.provenance) == _without_time(reference.provenance)


def test_resume_after_kill_9(tmp_path):
    path, marker = tmp_path / "k.h5", tmp_path / "stalled"
    script = (
        "import sys; sys.path.insert(0, sys.argv[3])\n"
        "from helpers.analytic import EE_MUMU, StallingQED\n"
        "from hepscaling.data.amplitudes import generate_amplitudes\n"
        "from hepscaling.physics.phase_space import Cuts\n"
        "generate_amplitudes(sys.argv[1], EE_MUMU, 1000, 91.188, 5, Cuts(eta_max=2.0), "
        "chunk_size=300, me2=StallingQED(3, sys.argv[2]))\n")
    tests_dir = str(Path(__file__).resolve().parents[1])
    kill_at_marker([sys.executable, "-c", script, str(path), str(marker), tests_dir], marker)
    assert marker.exists(), "the generating process did not reach its third chunk"
    assert len(list((tmp_path / "k.h5.parts").glob("*.npz"))) == 2
    generate_amplitudes(path, EE_MUMU, me2=StallingQED(), **SETTINGS)
    reference = generate_amplitudes(tmp_path / "r.h5", EE_MUMU, me2=StallingQED(), **SETTINGS)
    resumed, expected = read_amplitudes(path), read_amplitudes(reference)
    np.testing.assert_array_equal(resumed.momenta, expected.momenta)
    np.testing.assert_array_equal(resumed.me2, expected.me2)
    # other helpers' commits may change the code version while the child runs
    assert (_without_time(resumed.provenance, "code_version", "resumed_with")
            == _without_time(expected.provenance, "code_version", "resumed_with"))


def test_incomplete_file_is_refused(tmp_path):
    path = write_amplitudes(tmp_path / "i.h5", np.ones((20, 4, 4)), np.ones(20), {})
    with h5py.File(path, "a") as f:
        f.attrs["n_complete"] = 12
    with pytest.raises(UsageError, match=r"incomplete dataset \(12 of 20 rows\)"):
        read_amplitudes(path)


def test_chunks_do_not_depend_on_n(tmp_path):
    short = read_amplitudes(generate_amplitudes(tmp_path / "s.h5", EE_MUMU, me2=QED(),
                                                **{**SETTINGS, "n": 600}))
    full = read_amplitudes(generate_amplitudes(tmp_path / "f.h5", EE_MUMU, me2=QED(), **SETTINGS))
    np.testing.assert_array_equal(short.momenta, full.momenta[:600])


def test_changed_settings_are_refused(tmp_path):
    path = tmp_path / "c.h5"
    with pytest.raises(Interrupted):
        generate_amplitudes(path, EE_MUMU, me2=QED(fail_at_call=2), **SETTINGS)
    with pytest.raises(UsageError, match=r"different settings \(sqrt_s: 91.188 -> 100.0\)"):
        generate_amplitudes(path, EE_MUMU, me2=QED(), **{**SETTINGS, "sqrt_s": 100.0})
    generate_amplitudes(path, EE_MUMU, me2=QED(), **SETTINGS)
    with pytest.raises(UsageError, match="seed: 5 -> 6"):
        generate_amplitudes(path, EE_MUMU, me2=QED(), **{**SETTINGS, "seed": 6})
    again = QED()
    generate_amplitudes(path, EE_MUMU, me2=again, **SETTINGS)
    assert again.calls == 0  # complete: nothing to do


def test_write_read_round_trip_and_validation(tmp_path):
    rng = np.random.default_rng(0)
    momenta, me2 = rng.normal(size=(50, 5, 4)), rng.uniform(1, 2, size=50)
    path = write_amplitudes(tmp_path / "w.h5", momenta, me2, {"process": "g g > g g g"})
    data = read_amplitudes(path)
    np.testing.assert_array_equal(data.momenta, momenta)
    np.testing.assert_array_equal(data.me2, me2)
    assert data.provenance["process"] == "g g > g g g" and data.provenance["n"] == 50
    with pytest.raises(UsageError, match="2 of 50 rows have"):
        write_amplitudes(tmp_path / "neg.h5", momenta, np.where(np.arange(50) < 2, -1.0, me2), {})
    with pytest.raises(UsageError, match="expected \\(50,\\)"):
        write_amplitudes(tmp_path / "shape.h5", momenta, me2[:-1], {})


def test_nan_rows_are_refused_with_a_count(tmp_path):
    path = write_amplitudes(tmp_path / "nan.h5", np.ones((20, 4, 4)), np.ones(20), {})
    with h5py.File(path, "a") as f:
        f["momenta"][3, 1, 2] = np.nan
        f["me2"][7] = np.inf
        f["me2"][3] = np.nan
    with pytest.raises(UsageError, match="2 of 20 rows contain NaN or Inf"):
        read_amplitudes(path)


@pytest.mark.parametrize("suffix", [".npy", ".h5"])
def test_public_row_layout(tmp_path, suffix):
    rng = np.random.default_rng(1)
    momenta, me2 = rng.normal(size=(30, 4, 4)), rng.uniform(1, 2, size=30)
    rows = np.concatenate([momenta.reshape(30, 16), me2[:, None]], axis=1)
    path = tmp_path / f"public{suffix}"
    if suffix == ".npy":
        np.save(path, rows)
    else:
        with h5py.File(path, "w") as f:
            f["data"] = rows
    for process in (None, EE_MUMU):
        data = read_amplitudes(path, process)
        np.testing.assert_array_equal(data.momenta, momenta)
        np.testing.assert_array_equal(data.me2, me2)
    assert data.provenance["process"] == "e+ e- > mu+ mu-"
    five = type(EE_MUMU)(text="e+ e- > mu+ mu- a", masses=np.zeros(5), n_initial=2)
    with pytest.raises(UsageError, match=r"17 columns, expected 4 x 5 \+ 1 = 21"):
        read_amplitudes(path, five)


def test_wrong_column_count_and_unknown_files(tmp_path):
    np.save(tmp_path / "bad.npy", np.ones((10, 16)))
    with pytest.raises(UsageError, match="16 columns is not 4 x"):
        read_amplitudes(tmp_path / "bad.npy")
    with pytest.raises(UsageError, match="16 columns, expected 4 x 4 \\+ 1 = 17"):
        read_amplitudes(tmp_path / "bad.npy", EE_MUMU)
    with h5py.File(tmp_path / "two.h5", "w") as f:
        f["zg"], f["zgg"] = np.full((3, 17), 2.0), np.full((4, 21), 3.0)
    with pytest.raises(UsageError, match="found datasets \\['zg', 'zgg'\\]"):
        read_amplitudes(tmp_path / "two.h5")
    picked = read_amplitudes(tmp_path / "two.h5", dataset="zgg")
    assert picked.momenta.shape == (4, 5, 4) and picked.provenance["source"].endswith(":zgg")
    with pytest.raises(UsageError, match="choose one with dataset"):
        read_amplitudes(tmp_path / "two.h5", dataset="zggg")
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(UsageError, match="not a readable HDF5"):
        read_amplitudes(tmp_path / "text.h5")
    with pytest.raises(UsageError, match="not found"):
        read_amplitudes(tmp_path / "missing.h5")


def test_process_mismatch_on_our_format(tmp_path):
    path = write_amplitudes(tmp_path / "p.h5", np.ones((5, 4, 4)), np.ones(5),
                            {"process": "e+ e- > mu+ mu-"})
    other = type(EE_MUMU)(text="e+ e- > ta+ ta-", masses=np.zeros(4), n_initial=2)
    with pytest.raises(UsageError, match="holds 'e\\+ e- > mu\\+ mu-' events"):
        read_amplitudes(path, other)
    assert json.loads(json.dumps(read_amplitudes(path, EE_MUMU).provenance))


def test_dataset_process_reads_the_provenance(tmp_path):
    path = write_amplitudes(tmp_path / "p.h5", np.ones((5, 4, 4)), np.ones(5),
                            {"process": "e+ e- > mu+ mu-"})
    assert dataset_process(path) == "e+ e- > mu+ mu-"
    unnamed = write_amplitudes(tmp_path / "q.h5", np.ones((5, 4, 4)), np.ones(5), {})
    not_hdf5 = tmp_path / "rows.npy"
    np.save(not_hdf5, np.ones((2, 17)))
    for other in (unnamed, not_hdf5, tmp_path / "missing.h5"):
        assert dataset_process(other) is None


def test_our_matrix_element_and_sm_parameters_are_recorded(tmp_path):
    from hepscaling.physics.matrix_element import matrix_element

    path = generate_amplitudes(tmp_path / "ee.h5", "e+ e- > mu+ mu-", 200, 91.188, seed=1)
    data = read_amplitudes(path, "e+ e- > mu+ mu-")
    prov = data.provenance
    assert prov["matrix_element"] == "hepscaling" and prov["params"]["MZ"] == 91.188
    assert prov["params"]["aEWM1"] == 132.507
    np.testing.assert_array_equal(data.me2, matrix_element("e+ e- > mu+ mu-")(data.momenta))


def test_worker_processes_give_the_same_file(tmp_path):
    settings = {"process": "e+ e- > mu+ mu-", "n": 200, "sqrt_s": 91.188, "seed": 1,
                "chunk_size": 50}  # our matrix element, built in each worker
    one = read_amplitudes(generate_amplitudes(tmp_path / "one.h5", **settings))
    pool = read_amplitudes(generate_amplitudes(tmp_path / "pool.h5", **settings, workers=2))
    np.testing.assert_array_equal(pool.momenta, one.momenta)
    np.testing.assert_array_equal(pool.me2, one.me2)
    assert _without_time(pool.provenance) == _without_time(one.provenance)
