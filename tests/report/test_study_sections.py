"""The report's schedule-penalty and learning-rate-transfer sections on synthetic sweeps with
known penalties and known optima, and the conjecture verdict of the dimension section."""

import numpy as np
import pytest

from hepscaling.laws.sweep import load_sweep
from hepscaling.records import RunRecord, config_hash, write_record
from hepscaling.report.sections.convergence import convergence_section
from hepscaling.report.sections.dimension import conjecture_verdict
from hepscaling.report.sections.learning_rate import learning_rate_section, lr_optimum
from hepscaling.report.sections.schedules import schedule_section

#: true loss penalty of each schedule against cosine to 0 at the end
PENALTY = {("cosine", 1.0): 1.0, ("cosine", 0.5): 1.8, ("cosine", 3.0): 2.5,
           ("constant", 1.0): 4.0}
LRS = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
WIDTHS = (32, 64, 128, 256)


def _record(root, config, d, n, loss):
    record = RunRecord(run_id=config_hash(config), status="done", config=config,
                       code_version="test", seed=config["seed"], n_params=n, n_train=d,
                       flops=6.0 * n * 1000 * 64, flops_per_sample=6.0 * n, steps=1000,
                       samples_seen=64000, epochs=64000 / d, metrics={"test_mse_log": loss})
    write_record(record, root / "runs" / record.run_id)


def _config(d, width, seed, family="mlp", **train):
    return {"seed": seed, "device": "cpu", "loss": "mse",
            "task": {"kind": "amplitude_regression", "dataset": "data/tth.h5",
                     "process": "u u~ > t t~ h", "n_train": d, "n_val": 100, "n_test": 100},
            "model": {"family": family, "width": width, "depth": 3},
            "train": {"batch_size": 64, "steps": 1000, "lr": 1e-3, **train}}


def test_schedule_penalties_are_recovered(tmp_path):
    for (kind, scale), penalty in PENALTY.items():
        for d in (500, 2000, 8000, 32000):
            for seed in (0, 1):
                loss = (300 / d) ** 0.5 * penalty * (1 + 0.1 * seed)  # paired seeds: exact
                _record(tmp_path, _config(d, 64, seed, schedule=kind, schedule_scale=scale),
                        d, 10000, loss)
    section = schedule_section(load_sweep(tmp_path), tmp_path)
    html = "".join(section.blocks)
    for penalty in PENALTY.values():
        assert f"<td>{penalty:.4g}</td><td>[{penalty:.3g}, {penalty:.3g}]</td>" in html
    assert "cosine to 0 at 0.5 x steps" in html and "cosine to 0 at 3 x steps" in html
    assert section.figures == ["schedule_penalties"]
    assert (tmp_path / "schedule_penalties.png").is_file()


def test_a_sweep_of_one_schedule_has_no_schedule_section(tmp_path):
    for d in (500, 2000):
        _record(tmp_path, _config(d, 64, 0, schedule="cosine"), d, 10000, 1.0 / d)
    assert schedule_section(load_sweep(tmp_path), tmp_path) is None


def test_convergence_verdicts_follow_the_loss_versus_steps(tmp_path):
    # loss(S) = K(D) + (S0 / S)^2 with a floor K reached at D = 500 (converged), far below
    # it at D = 32000 (not converged); at D = 2000 the longest run ends higher (overfits)
    def loss(d, steps):
        if d == 2000:
            return {1500: 3.0, 6000: 1.0, 24000: 1.4}[steps]
        return {500: 1.0, 32000: 1e-6}[d] + (1500 / steps) ** 2

    for d in (500, 2000, 32000):
        for steps in (1500, 6000, 24000):
            for seed in (0, 1):
                _record(tmp_path, _config(d, 64, seed, steps=steps), d, 10000, loss(d, steps))
    section = convergence_section(load_sweep(tmp_path))
    html = "".join(section.blocks)
    assert "<td>converged: 4x more steps gain 6%</td>" in html  # 1.0039 / 1.0625
    assert "<td>lowest at 6000 steps (longer runs end higher)</td>" in html
    assert "<td>not converged: 4x more steps still gain a factor 16</td>" in html
    assert html.count("<tr>") == 4  # header and one row per D


def test_a_sweep_of_one_run_length_has_no_convergence_section(tmp_path):
    for d in (500, 2000):
        _record(tmp_path, _config(d, 64, 0), d, 10000, 1.0 / d)
    assert convergence_section(load_sweep(tmp_path)) is None


def _optimum(family, width):
    """The true optimum: muP transfers (1e-3 at every width), SP falls as 1 / width."""
    return 1e-3 if family == "mlp_mup" else 1e-3 * 64 / width


def test_learning_rate_optimum_and_transfer(tmp_path):
    for family in ("mlp", "mlp_mup"):
        for width in WIDTHS:
            for lr in LRS:  # log loss exactly quadratic in log10 lr: the parabola is exact
                loss = 1e-3 * np.exp((np.log10(lr) - np.log10(_optimum(family, width))) ** 2)
                config = _config(10000, width, 0, family=family, lr=lr)
                _record(tmp_path, config, 10000, 3 * width * width, float(loss))
    section = learning_rate_section(load_sweep(tmp_path), tmp_path)
    assert section.figures == ["lr_transfer"] and (tmp_path / "lr_transfer.png").is_file()
    summary = section.blocks[1]
    # spread of log10 optimum across widths 32 ... 256: 0 for muP, log10(8) for SP
    assert ("family=mlp</td><td>4</td><td>0.00025</td><td>0.002</td><td>0.9031</td>"
            "<td>0 of 4</td>") in summary
    assert "family=mlp_mup</td><td>4</td><td>0.001</td><td>0.001</td><td>0</td>" in summary


def test_lr_optimum_at_the_grid_edge_is_flagged():
    lrs = np.array(LRS)
    assert lr_optimum(lrs, 1.0 / lrs) == (1e-2, False)
    assert lr_optimum(lrs[::-1], (1.0 / lrs)[::-1]) == (1e-2, False)  # any order


@pytest.mark.parametrize(("low", "high", "verdict"), [(0.81, 1.0, "yes"), (0.3, 0.79, "no"),
                                                      (0.7, 0.9, "undecided")])
def test_conjecture_verdict_against_4_over_d(low, high, verdict):
    assert conjecture_verdict({"d": 5, "low": low, "high": high}) == verdict


def test_pull_table_and_histograms_at_smallest_and_largest_d(tmp_path):
    from helpers.synthetic_sweep import SIZES, write_sweep
    from hepscaling.laws.sweep import fit_sweep
    from hepscaling.report.sections.pulls import pull_section

    sweep = load_sweep(write_sweep(tmp_path, seeds=2, bad_runs=False))
    fits = fit_sweep(sweep, law="power", axis="D", bootstrap=0, holdout=0,
                     group_by=["config.task.process", "config.loss"])
    section = pull_section(sweep, {"D": fits}, tmp_path)
    html = "".join(section.blocks)
    het = sweep.done[sweep.done["config.loss"] == "heteroscedastic"]
    for value in het["metric.test_pull_mean"]:  # one run per D: its value is the mean
        assert f"<td>{value:.4g}</td><td>[{value:.3g}, {value:.3g}]</td>" in html
    assert html.count("<tr>") == 1 + len(het)
    assert section.figures == ["pulls", "pull_histograms"]
    assert len(SIZES) > 2  # the histograms take the smallest and the largest D only
