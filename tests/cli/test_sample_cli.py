"""``hepscaling sample``: jets from a trained generator run, with provenance; errors in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from helpers.cli import run_main
from helpers.jet_generation import T, toy_config
from helpers.jet_samples import write_session_jets
from hepscaling.data.jets import read_jets, read_provenance
from hepscaling.data.tokens import AXES, MODELLED_FIELDS, PRESETS, JetTokenizer
from hepscaling.records import RunRecord, write_record
from hepscaling.tasks.base import build_task
from hepscaling.tasks.generation import recorded_tokenizer
from hepscaling.train.config import load_config
from hepscaling.train.loop import run_training


@pytest.fixture(scope="module")
def gpt_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("gen")
    dataset = write_session_jets(root / "jets.h5")
    record = run_training(toy_config(dataset), root / "run", progress=False, threads=1)
    return root / "run", record


def test_sample_writes_jets_with_provenance(gpt_run, tmp_path, monkeypatch, capsys):
    run_dir, record = gpt_run
    out = tmp_path / "gen.h5"
    code, stdout, stderr = run_main(monkeypatch, capsys, "sample", str(run_dir), "-n", "12",
                                    "--out", str(out), "--seed", "3", "--top-k", "50")
    assert code == 0 and stderr == "", stderr
    assert f"12 jets from run {record.run_id}" in stdout
    jets = read_jets(out, fields=MODELLED_FIELDS)
    assert jets["part_mask"].shape == (12, T) and jets["part_pt_log"].dtype == np.float32
    mask = jets["part_mask"]
    assert (mask[:, :-1] >= mask[:, 1:]).all()  # constituents first, then padding
    made = read_provenance(out)["generated_by"]
    assert made == {**made, "run_id": record.run_id, "seed": 3, "top_k": 50,
                    "temperature": 1.0, "checkpoint_step": record.steps}
    # the provenance carries the whole fitted tokenizer: the file re-encodes without the run
    # (to the same bin centroids; encoding orders constituents by decreasing pT)
    tokenizer = JetTokenizer.from_params(made["tokenizer"])
    assert tokenizer.shape == PRESETS["coarse"] and tokenizer.max_constituents == T
    values, hard = tokenizer.hardest(jets)
    again = tokenizer.decode(tokenizer.encode(jets))
    np.testing.assert_array_equal(again["part_mask"], hard)
    for axis, name in enumerate(AXES):
        np.testing.assert_array_equal(again[name], values[..., axis])
    again = tmp_path / "again.h5"
    run_main(monkeypatch, capsys, "sample", str(run_dir), "-n", "12", "--out", str(again),
             "--seed", "3", "--top-k", "50")
    for name, value in read_jets(again, fields=MODELLED_FIELDS).items():
        np.testing.assert_array_equal(value, jets[name])


def test_the_record_holds_the_run_tokenizer_exactly(gpt_run):
    _, record = gpt_run
    cfg = load_config(record.config)
    refitted = build_task(cfg.task, loss=cfg.loss, input_kind="tokens",
                          device=torch.device("cpu")).tokenizer
    restored = recorded_tokenizer(cfg.task, record.histograms)
    assert restored is not None and restored.params() == refitted.params()
    assert recorded_tokenizer(cfg.task, {}) is None  # an unfinished run's record


def test_a_finished_run_samples_without_its_dataset(gpt_run, tmp_path, monkeypatch, capsys):
    run_dir, record = gpt_run
    dataset = Path(record.config["task"]["dataset"])
    args = ("sample", str(run_dir), "-n", "8", "--seed", "1")
    assert run_main(monkeypatch, capsys, *args, "--out", str(tmp_path / "a.h5"))[0] == 0
    hidden = dataset.rename(tmp_path / "elsewhere.h5")
    try:
        code, _, stderr = run_main(monkeypatch, capsys, *args, "--out", str(tmp_path / "b.h5"))
    finally:
        hidden.rename(dataset)
    assert code == 0 and stderr == "", stderr
    first = read_jets(tmp_path / "a.h5", fields=MODELLED_FIELDS)
    for name, value in read_jets(tmp_path / "b.h5", fields=MODELLED_FIELDS).items():
        np.testing.assert_array_equal(value, first[name])


def test_sampling_a_non_generator_run_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    config = {"seed": 0, "device": "cpu", "model": {"family": "mlp"},
              "task": {"kind": "amplitude_regression", "dataset": "toy.h5", "n_train": 10}}
    record = RunRecord(run_id="abc", status="done", config=config, code_version="test", seed=0)
    write_record(record, tmp_path / "run")
    code, stdout, stderr = run_main(monkeypatch, capsys, "sample", str(tmp_path / "run"), "-n",
                                    "5", "--out", str(tmp_path / "gen.h5"))
    assert code == 2 and stdout == ""
    assert "cannot sample" in stderr and len(stderr.strip().splitlines()) == 1


def test_bad_temperature(gpt_run, tmp_path, monkeypatch, capsys):
    code, _, stderr = run_main(monkeypatch, capsys, "sample", str(gpt_run[0]), "-n", "2",
                               "--out", str(tmp_path / "gen.h5"), "--temperature", "0")
    assert code == 2 and "--temperature must be positive" in stderr
