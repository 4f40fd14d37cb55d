"""``hepscaling train``: writes record + checkpoint and exits 0; bad input exits 2 in one line."""

import json
from types import SimpleNamespace

import pytest

from helpers.amplitude_files import write_toy_amplitudes
from helpers.cli import run_main


@pytest.fixture
def run_cli(monkeypatch, capsys):
    """Run ``hepscaling ARGS`` in this process through ``cli.main`` (the console entry point)."""
    def run(*args: str) -> SimpleNamespace:
        code, out, err = run_main(monkeypatch, capsys, *args)
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)

    return run


SMALL = ["--set", "task.n_train=300", "--set", "task.n_val=100", "--set", "task.n_test=100",
         "--set", "train.steps=20", "--set", "train.warmup_steps=2", "--set", "train.eval_every=10",
         "--set", "model.width=16",
         "--device", "cpu", "--no-progress", "--threads", "1"]


def test_preset_run_writes_record_and_checkpoint(run_cli, tmp_path):
    data = write_toy_amplitudes(tmp_path / "toy.h5", n=600)
    out = tmp_path / "run"
    result = run_cli("train", "amplitudes_mlp", "--set", f"task.dataset={data}", *SMALL,
                     "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    record = json.loads(result.stdout)
    assert record["status"] == "done" and record["steps"] == 20
    assert (out / "record.json").exists() and (out / "checkpoint.pt").exists()
    assert json.loads((out / "record.json").read_text())["run_id"] == record["run_id"]
    again = run_cli("train", "amplitudes_mlp", "--set", f"task.dataset={data}", *SMALL,
                    "--out", str(out))
    assert again.returncode == 0 and f"run {record['run_id']} done" in again.stdout


def test_bad_yaml_exits_2_with_one_line(run_cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: {family: mlp, width: [\n")
    result = run_cli("train", str(bad), "--out", str(tmp_path / "run"))
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "invalid YAML" in result.stderr


def test_unknown_key_exits_2_naming_it(run_cli, tmp_path):
    result = run_cli("train", "amplitudes_mlp", "--set", "model.widht=3", "--out",
                     str(tmp_path / "run"))
    assert result.returncode == 2
    assert "model.widht" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_help_has_an_example(run_cli):
    result = run_cli("train", "--help")
    assert result.returncode == 0 and "Example: hepscaling train amplitudes_mlp" in result.stdout


def test_a_corrected_command_replaces_a_usage_error_in_the_same_out(run_cli, tmp_path,
                                                                    monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    data = write_toy_amplitudes(tmp_path / "toy.h5", n=600)
    out = str(tmp_path / "run")
    missing = run_cli("train", "amplitudes_mlp", "--set", f"task.dataset={tmp_path}/no.h5",
                      *SMALL, "--out", out)
    assert missing.returncode == 2 and "not found" in missing.stderr
    wrong = [*SMALL[:-5], "--device", "cuda", *SMALL[-3:]]  # --device cuda instead of cpu
    bad_device = run_cli("train", "amplitudes_mlp", "--set", f"task.dataset={data}", *wrong,
                         "--out", out)
    assert bad_device.returncode == 2 and "--device cpu" in bad_device.stderr
    fixed = run_cli("train", "amplitudes_mlp", "--set", f"task.dataset={data}", *SMALL,
                    "--out", out)
    assert fixed.returncode == 0, fixed.stderr
    assert " done " in fixed.stdout


def test_small_models_train_on_one_thread_by_default(run_cli, tmp_path):
    import torch

    torch.set_num_threads(2)  # torch's default on a 2-core machine; restored by run_training
    data = write_toy_amplitudes(tmp_path / "toy.h5", n=600)
    result = run_cli("train", "amplitudes_mlp", "--set", f"task.dataset={data}", *SMALL[:-2],
                     "--out", str(tmp_path / "run"), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["threads"] == 1
    assert torch.get_num_threads() == 2
