"""The device benchmark (benchmarks/bench_device.py) runs unchanged on a GPU machine; here it
runs on the CPU through the same code path (the device-aware clock, peaks, cases and the
loop's autocast), and refuses a missing GPU with one line."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_device.py"


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args, "--results", str(tmp_path)],
                          capture_output=True, text=True, timeout=600, check=False)


def test_the_device_benchmark_times_both_precisions_on_the_cpu(tmp_path):
    done = _run("--device", "cpu", "--seconds", "0.01", "--cases", "mlp", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((tmp_path / "device_cpu.json").read_text())
    assert result["device"] == "cpu" and result["clock"] == "CPU second"
    assert [(r["model"], r["precision"]) for r in result["rows"]] == [
        ("mlp w512 L3, batch 4096", "fp32"), ("mlp w512 L3, batch 4096", "bf16")]
    fp32, bf16 = result["rows"]
    assert fp32["n_params"] == 531_457  # 10 -> 512 -> 512 -> 512 -> 1
    for row in (fp32, bf16):
        assert math.isfinite(row["samples_per_s"]) and row["samples_per_s"] > 0
        assert row["achieved_flops"] == pytest.approx(
            row["samples_per_s"] * row["train_flops_per_sample"])
    assert fp32["over_fp32"] == 1.0
    assert bf16["over_fp32"] == pytest.approx(bf16["samples_per_s"] / fp32["samples_per_s"])
    assert result["peak_flops"]["fp32"] > 0 and result["peak_flops"]["bf16"] > 0
    assert "| mlp w512 L3, batch 4096 | 531,457 | bf16 |" in (
        tmp_path / "device_cpu.md").read_text()


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_a_missing_gpu_is_refused_with_one_line(tmp_path):
    done = _run("--device", "cuda", tmp_path=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: device 'cuda' requested but torch sees no CUDA GPU; use --device cpu or "
        "--device auto"]
    assert not list(tmp_path.iterdir())
