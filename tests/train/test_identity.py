"""Run identity: the dataset counts by its provenance (or content), never by its path."""

import shutil

import numpy as np

from helpers.amplitude_files import toy_config, write_toy_amplitudes
from hepscaling.records import config_hash
from hepscaling.train.config import load_config, run_id
from hepscaling.train.identity import data_digest, identity_config, identity_hash


def test_a_copy_has_the_identity_of_its_original(tmp_path):
    a = write_toy_amplitudes(tmp_path / "a.h5", n=100)
    b = shutil.copy(a, tmp_path / "b.h5")
    assert data_digest(str(a)) == data_digest(str(b)) is not None
    assert run_id(toy_config(a)) == run_id(toy_config(b))


def test_other_settings_are_other_data(tmp_path):
    a = write_toy_amplitudes(tmp_path / "a.h5", n=100, seed=0)
    digest = data_digest(str(a))
    write_toy_amplitudes(a, n=100, seed=1)
    assert data_digest(str(a)) != digest
    write_toy_amplitudes(a, n=100, seed=0)  # made again with the same settings
    assert data_digest(str(a)) == digest


def test_volatile_provenance_keys_do_not_count(tmp_path):
    import h5py

    a = write_toy_amplitudes(tmp_path / "a.h5", n=100)
    digest = data_digest(str(a))
    with h5py.File(a, "a") as f:
        f.attrs["provenance"] = f.attrs["provenance"][:-1] + ', "created": "today", ' \
            '"code_version": "9.9", "environment": {"numpy": "3"}}'
    assert data_digest(str(a)) == digest


def test_files_without_provenance_count_by_content(tmp_path):
    rows = write_toy_amplitudes(tmp_path / "rows.npy", n=100, layout="npy")
    digest = data_digest(str(rows))
    assert data_digest(str(shutil.copy(rows, tmp_path / "copy.npy"))) == digest
    np.save(rows, np.zeros((100, 21)))
    assert data_digest(str(rows)) != digest


def test_a_glob_combines_its_files_and_a_missing_path_keeps_the_path(tmp_path):
    for i in range(2):
        write_toy_amplitudes(tmp_path / f"part{i}.npy", n=50, seed=i, layout="npy")
    assert data_digest(str(tmp_path / "part*.npy")) not in (None, data_digest(
        str(tmp_path / "part0.npy")))
    assert data_digest(str(tmp_path / "none*.h5")) is None
    config = load_config(toy_config(tmp_path / "missing.h5")).resolved()
    # the path of a missing file stays in the identity
    assert identity_config(config)["task"] == config["task"]
    assert identity_hash(config) == config_hash(identity_config(config))


def test_every_data_file_of_a_task_counts(tmp_path):
    """A two-sample classifier trains on two files: each one's identity enters the run id and
    the record's data digest, so a regenerated candidate is other data; a moved pair is not."""
    from hepscaling.train.identity import config_data_digest

    a = write_toy_amplitudes(tmp_path / "a.h5", n=100, seed=0)
    b = write_toy_amplitudes(tmp_path / "b.h5", n=100, seed=1)
    config = {"seed": 0, "task": {"kind": "two_sample_classifier", "reference": str(a),
                                  "candidate": str(b), "n_train": 10}}
    rid, digest = identity_hash(config), config_data_digest(config)
    assert digest not in (None, data_digest(str(a)), data_digest(str(b)))
    moved = tmp_path / "moved"
    moved.mkdir()
    config["task"] |= {"reference": str(shutil.copy(a, moved)),
                       "candidate": str(shutil.copy(b, moved))}
    assert (identity_hash(config), config_data_digest(config)) == (rid, digest)
    write_toy_amplitudes(moved / "b.h5", n=100, seed=2)  # the candidate made again, otherwise
    assert identity_hash(config) != rid
    assert config_data_digest(config) != digest


def test_a_later_key_at_its_default_keeps_the_run_ids_recorded_before_it(tmp_path):
    """train.schedule_scale came after runs were recorded: at its neutral 1.0 the resolved
    config and run id are those of a config that never knew it; any other value counts."""
    path = toy_config(write_toy_amplitudes(tmp_path / "a.h5", n=300))
    config = load_config(path).resolved()
    assert "schedule_scale" not in config["train"]
    assert load_config(path, ["train.schedule_scale=1.0"]).resolved() == config
    late = load_config(path, ["train.schedule_scale=1.5"]).resolved()
    assert late["train"]["schedule_scale"] == 1.5
    assert run_id(late) != run_id(config)
