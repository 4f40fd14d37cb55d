"""``hepscaling fit`` / ``predict`` / ``report``: exit codes, stdout/stderr, JSON output."""

import json
import math

import pytest

from helpers.cli import run_main
from helpers.synthetic_sweep import (
    ALPHA,
    JOINT,
    LOG_VARIANCE,
    REPETITION,
    write_isoflop_sweep,
    write_joint_sweep,
    write_repetition_sweep,
    write_sweep,
)
from helpers.synthetic_tagging import CEILING, write_tagging_sweep
from hepscaling.laws import compute_optimal


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    return write_sweep(tmp_path_factory.mktemp("sweep"), seeds=1,
                       sizes=(100, 300, 1000, 3000, 10000), heteroscedastic=False)


def test_fit_json(sweep, monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "fit", str(sweep), "--no-floor", "-b", "30",
                              "--json")
    assert code == 0 and "not fitted: 2 runs" in err
    groups = json.loads(out)
    assert len(groups) == 2
    for g in groups:
        alpha = g["fit"]["params"]["alpha"]["value"]
        assert alpha == pytest.approx(ALPHA[g["group"]["config.task.process"]], abs=0.05)
        assert len(g["extrapolation"]["rows"]) == 1


def test_fit_table(sweep, monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "fit", str(sweep), "-b", "0", "--holdout", "0")
    assert code == 0 and "alpha =" in out and "process=u u~ > t t~ h" in out


def test_predict_target_and_at(sweep, monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "predict", str(sweep), "--target", "0.05",
                            "--axis", "D", "--no-floor", "-b", "30", "--json")
    assert code == 0
    rows = json.loads(out)
    for row in rows:
        alpha = ALPHA[row["group"]["config.task.process"]]
        # default metric test_mse_log = LOG_VARIANCE * (300 / D)^alpha
        assert row["value"]["value"] == pytest.approx(
            300 * (0.05 / LOG_VARIANCE) ** (-1 / alpha), rel=0.3)
    code, out, _ = run_main(monkeypatch, capsys, "predict", str(sweep), "--at", "1e4", "-b", "0")
    assert code == 0 and out.count("test_mse_log = ") == 2


def test_predict_rel_precision_for_one_process_with_its_holdout_check(sweep, monkeypatch,
                                                                     capsys):
    # the synthetic law: test_mse_log = LOG_VARIANCE (300 / D)^alpha (+ a 1e-4 floor inside);
    # an RMS relative precision Y means test_mse_log = Y^2, so D = 300 (Y^2 / LOG_VARIANCE)^(-1/a)
    process, precision = "u u~ > t t~ h", 0.25
    code, out, _ = run_main(monkeypatch, capsys, "predict", str(sweep), "--process",
                            "u u~  >  t t~ h", "--rel-precision", str(precision), "--no-floor",
                            "-b", "30", "--json")
    assert code == 0
    (row,) = json.loads(out)  # only the t t~ h runs: one group (z g g g has alpha 0.35)
    truth = 300 * (precision**2 / LOG_VARIANCE - 1e-4) ** (-1 / ALPHA[process])
    assert row["value"]["value"] == pytest.approx(truth, rel=0.15)
    (held,) = row["extrapolation"]["rows"]  # D = 1e4 left out, predicted from D <= 3000
    assert held["D"] == 10000 and held["ratio"] == pytest.approx(1.0, abs=0.15)
    code, out, _ = run_main(monkeypatch, capsys, "predict", str(sweep), "-p", process,
                            "--rel-precision", "0.25", "--no-floor", "-b", "0")
    assert code == 0 and "RMS relative precision 0.25" in out
    assert "hold-out check: D = 10000: measured" in out and "z g g g" not in out


@pytest.mark.parametrize(("args", "message"), [
    (["--rel-precision", "0.01", "--target", "1e-4"], "one of --target and --rel-precision"),
    (["--rel-precision", "2"], "relative error in (0, 1)"),
    (["--rel-precision", "0.01", "--metric", "test_mse"], "targets test_mse_log"),
    (["--target", "1e-4", "--process", "e+ e- > mu+ mu-"], "processes there: u u~ > t t~ h"),
    (["--target", "1e-4", "--process", "u u~ > nonsense"], "--process"),
])
def test_predict_precision_and_process_bad_input(sweep, monkeypatch, capsys, args, message):
    code, _, err = run_main(monkeypatch, capsys, "predict", str(sweep), *args, "-b", "0")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_joint_fit_and_compute_optimal_prediction(tmp_path, monkeypatch, capsys):
    sweep = write_joint_sweep(tmp_path / "joint")
    code, out, _ = run_main(monkeypatch, capsys, "fit", str(sweep), "--law", "joint", "-b", "20",
                            "--holdout", "0", "--json")
    assert code == 0
    (group,) = json.loads(out)
    params = group["fit"]["params"]
    assert params["alpha"]["value"] == pytest.approx(JOINT["alpha"], abs=0.03)
    assert params["beta"]["value"] == pytest.approx(JOINT["beta"], abs=0.03)
    a = group["fit"]["frontier_exponents"]["a"]["value"]
    assert a == pytest.approx(params["beta"]["value"] / (params["alpha"]["value"]
                                                         + params["beta"]["value"]))
    code, out, _ = run_main(monkeypatch, capsys, "predict", str(sweep), "--law", "joint",
                            "--target", "0.05", "-b", "20", "--json")
    (row,) = json.loads(out)
    assert code == 0 and row["axis"] == "C"
    n, d = row["N_opt"]["value"], row["D_opt"]["value"]
    assert 6 * n * d == pytest.approx(row["value"]["value"], rel=1e-8)


@pytest.mark.parametrize("args", [
    ["fit", "/nonexistent/sweep"],
    ["fit", "{sweep}", "--metric", "test_accuracy"],
    ["predict", "{sweep}"],
    ["predict", "{sweep}", "--target", "1e-4", "--at", "1e3"],
    ["report", "{sweep}", "--out", "{sweep}/r", "--law", "joint"],
    ["fit", "{sweep}", "--law", "ceiling"],
    ["report", "{sweep}", "--out", "{sweep}/r", "--law", "ceiling", "--metric", "test_mse"],
    ["predict", "{sweep}", "--at", "0"],
    ["predict", "{sweep}", "--at", "-100"],
    ["predict", "{sweep}", "--target", "0"],
    ["predict", "{sweep}", "--target", "-1e-4", "--metric", "test_mse"],
    ["fit", "{sweep}", "--huber-delta", "0"],
])
def test_bad_input_exits_2_with_one_line(sweep, monkeypatch, capsys, args):
    args = [a.format(sweep=sweep) for a in args]
    code, out, err = run_main(monkeypatch, capsys, *args)
    assert code == 2 and out == ""
    assert len([line for line in err.splitlines() if line.strip()]) == 1


def test_ceiling_on_a_loss_names_the_power_law(sweep, monkeypatch, capsys):
    code, _, err = run_main(monkeypatch, capsys, "fit", str(sweep), "--law", "ceiling")
    assert code == 2 and "test_mse_log is a loss that falls with scale; use --law power" in err


def test_undetermined_parameters_are_not_printed(tmp_path, monkeypatch, capsys):
    """The z g g g group of this synthetic sweep has no plateau: its floor k is not determined,
    so the text shows no number for it and the D for a target is refused."""
    sweep = write_sweep(tmp_path / "sweep", seeds=1, sizes=(100, 300, 1000, 3000, 10000))
    code, out, _ = run_main(monkeypatch, capsys, "fit", str(sweep), "-b", "20", "--holdout", "0")
    block = out.split("process=u u~ > z g g g")[1]
    assert code == 0 and "       k = not determined (the data show no plateau)" in block
    code, out, _ = run_main(monkeypatch, capsys, "fit", str(sweep), "-b", "20", "--holdout", "0",
                            "--json")
    (zggg,) = [g for g in json.loads(out) if "z g g g" in g["label"]]
    assert zggg["fit"]["params"]["k"]["value"] is None
    assert zggg["fit"]["params"]["k"]["note"] == "not determined (the data show no plateau)"
    code, out, _ = run_main(monkeypatch, capsys, "predict", str(sweep), "--target", "1e-5",
                            "-b", "20")
    assert code == 0
    assert "z g g g: the scale reaching 1e-05 is not determined: it depends on k" in out
    code, out, _ = run_main(monkeypatch, capsys, "predict", str(sweep), "--at", "1e6", "-b", "20")
    assert "z g g g: the metric at D = 1e+06 (beyond the fitted D = 100 ... 10000) is not " \
        "determined" in out


def test_holdout_leaving_too_few_points_says_so(sweep, monkeypatch, capsys):
    """With no group left to check, the fit is refused in one line saying why (after the
    fixture's note on its runs that could not be fitted)."""
    code, out, err = run_main(monkeypatch, capsys, "fit", str(sweep), "-b", "0", "--holdout", "4")
    assert (code, out) == (2, "")
    error = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(error) == 1
    assert "holding out the 4 largest of 5 scale points leaves too few to refit" in error[0]


def test_huber_delta_reaches_the_fit(sweep, monkeypatch, capsys):
    from hepscaling.laws import fit_power_law
    from hepscaling.laws.sweep import load_sweep

    code, out, _ = run_main(monkeypatch, capsys, "fit", str(sweep), "-b", "0", "--holdout", "0",
                            "--huber-delta", "1e-3", "--json")
    runs = load_sweep(sweep).done
    runs = runs[runs["config.task.process"] == "u u~ > t t~ h"]
    expected = fit_power_law(runs["D"], runs["metric.test_mse_log"], bootstrap=0,
                             huber_delta=1e-3)
    (tth,) = [g for g in json.loads(out) if "t t~ h" in g["label"]]
    assert code == 0 and tth["fit"]["objective"] == pytest.approx(expected.objective, rel=1e-9)
    assert tth["fit"]["params"]["alpha"]["value"] == pytest.approx(expected.params["alpha"])


def test_report_prints_the_index_path_and_skips_unknown_process(tmp_path, monkeypatch, capsys):
    sweep = write_sweep(tmp_path / "sweep", seeds=1, sizes=(100, 1000, 10000, 30000),
                        heteroscedastic=False, bad_runs=False, with_process=False)
    code, out, err = run_main(monkeypatch, capsys, "report", str(sweep), "--out",
                              str(tmp_path / "rep"), "-b", "0", "--holdout", "0")
    assert code == 0 and err == ""
    index = tmp_path / "rep" / "index.html"
    assert out.strip() == str(index)
    assert (tmp_path / "rep" / "scaling_D.png").stat().st_size > 5000
    html = index.read_text()
    assert "process unknown" in html and "no run carries test_pull_mean" in html
    assert not (tmp_path / "rep" / "exponent_vs_dim.png").exists()


@pytest.fixture(scope="module")
def repetition_sweep(tmp_path_factory):
    return write_repetition_sweep(tmp_path_factory.mktemp("rep"))


def _closed_factor(epochs: float, r_star: float) -> float:
    return 1 + r_star * (1 - math.exp(-(epochs - 1) / r_star))


def test_repetition_fit_table(repetition_sweep, monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "fit", str(repetition_sweep), "--law",
                              "repetition", "--metric", "val_loss", "-b", "30")
    assert code == 0 and err == ""
    for width in REPETITION:
        block = out.split(f"width={width}")[1]
        for text in ("r_star = ", "alpha = ", "effective-data factor D'/U: 2 epochs ",
                     ", 4 epochs ", ", 10 epochs ", "asymptote 1 + R* = ",
                     "held out {'U': 100000.0, 'epochs': 256.0}"):
            assert text in block


def test_repetition_fit_json(repetition_sweep, monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "fit", str(repetition_sweep), "--law",
                            "repetition", "--metric", "val_loss", "-b", "10", "--holdout", "0",
                            "--json")
    assert code == 0
    groups = json.loads(out)
    assert [g["group"]["config.model.width"] for g in groups] == list(REPETITION)
    for g in groups:
        truth = REPETITION[g["group"]["config.model.width"]]
        r_star = g["fit"]["params"]["r_star"]
        assert r_star["value"] == pytest.approx(truth["r_star"], rel=0.1)
        assert g["fit"]["params"]["alpha"]["value"] == pytest.approx(truth["alpha"], abs=0.02)
        factor = g["fit"]["factor"]
        for epochs in (2, 4, 10):
            assert factor[str(epochs)]["value"] == pytest.approx(
                _closed_factor(epochs, r_star["value"]), rel=1e-9)
        assert [factor["asymptote"][k] for k in ("value", "low", "high")] == pytest.approx(
            [1 + r_star[k] for k in ("value", "low", "high")], rel=1e-9)


def test_repetition_predict_target_and_at_round_trip(repetition_sweep, monkeypatch, capsys):
    common = ["--law", "repetition", "--metric", "val_loss", "-b", "30", "--json"]
    code, out, _ = run_main(monkeypatch, capsys, "predict", str(repetition_sweep), "--target",
                            "0.05", "--epochs", "4", *common)
    assert code == 0
    solved = json.loads(out)
    assert all(row["axis"] == "U" and row["epochs"] == 4 for row in solved)
    for row in solved:
        p = REPETITION[row["group"]["config.model.width"]]
        truth = p["x_c"] * (0.05 - p["k"]) ** (-1 / p["alpha"]) / _closed_factor(4, p["r_star"])
        assert row["value"]["value"] == pytest.approx(truth, rel=0.1)
        code, out, _ = run_main(monkeypatch, capsys, "predict", str(repetition_sweep), "--at",
                                repr(row["value"]["value"]), "--epochs", "4", *common)
        again = next(r for r in json.loads(out) if r["group"] == row["group"])
        assert code == 0 and again["value"]["value"] == pytest.approx(0.05, rel=1e-8)


@pytest.mark.parametrize("args", [
    ["predict", "{rep}", "--law", "repetition", "--at", "1e4"],
    ["predict", "{rep}", "--target", "0.05", "--epochs", "4"],
    ["predict", "{rep}", "--law", "repetition", "--target", "0.05", "--epochs", "0"],
    ["fit", "{once}", "--law", "repetition"],
])
def test_repetition_bad_input_exits_2_with_one_line(repetition_sweep, tmp_path, monkeypatch,
                                                     capsys, args):
    once = write_repetition_sweep(tmp_path / "once", epochs=(0.5, 1.0))
    args = [a.format(rep=repetition_sweep, once=once) for a in args]
    code, out, err = run_main(monkeypatch, capsys, *args, "--metric", "val_loss", "-b", "0")
    assert code == 2 and out == ""
    assert len([line for line in err.splitlines() if line.strip()]) == 1
    assert "epochs" in err


@pytest.mark.parametrize("command", ["fit", "predict", "report"])
def test_help_ends_with_an_example(monkeypatch, capsys, command):
    code, out, _ = run_main(monkeypatch, capsys, command, "--help")
    assert code == 0 and f"Example: hepscaling {command}" in out


def test_joint_ceiling_fit_per_representation(tmp_path, monkeypatch, capsys):
    sweep = write_tagging_sweep(tmp_path / "tagging", noise=0.003)
    code, out, _ = run_main(monkeypatch, capsys, "fit", str(sweep), "--law", "joint_ceiling",
                            "--metric", "test_auc_macro", "-b", "0", "--holdout", "0", "--json")
    assert code == 0
    fitted = {g["group"]["config.model.family"]: g["fit"]["params"]["a_inf"]["value"]
              for g in json.loads(out)}
    assert fitted == pytest.approx({k: p["a_inf"] for k, p in CEILING.items()}, abs=2e-3)
    code, _, err = run_main(monkeypatch, capsys, "predict", str(sweep), "--law",
                            "joint_ceiling", "--target", "0.95", "--metric", "test_auc_macro")
    assert code == 2 and "--law ceiling along one axis" in err


def test_fit_recovers_the_d_exponent_of_a_classifier_excess(tmp_path, monkeypatch, capsys):
    # excess of the AUC over its floor = (D_C / D)^ALPHA_D + an N term (the law's floor K)
    from helpers.generator_sweep import LAW, write_generator_sweep

    sweep = write_generator_sweep(tmp_path, sizes=(100, 200, 400, 800, 1600, 3200),
                                  widths=(128,))
    code, out, err = run_main(monkeypatch, capsys, "fit", str(sweep), "--law", "power", "--x",
                              "D", "--metric", "test_classifier_auc_excess", "-b", "20",
                              "--json")
    assert code == 0, err
    (group,) = json.loads(out)
    assert group["fit"]["params"]["alpha"]["value"] == pytest.approx(LAW["ALPHA_D"], abs=0.05)
    rows = group["extrapolation"]["rows"]  # the largest D held out (two seeds), predicted
    assert len(rows) == 2 and list(rows[0])[:1] == ["x"] and rows[0]["x"] == 3200
    assert all(abs(r["ratio"] - 1) < 0.1 for r in rows)
    # the raw AUC grows towards a ceiling: the power law is refused for it
    code, _, err = run_main(monkeypatch, capsys, "fit", str(sweep), "--law", "power",
                            "--metric", "test_classifier_auc")
    assert code == 2 and "use --law ceiling" in err


def _c_for(p, n, target):
    """Compute at which a model of n parameters reaches ``target`` under the joint law ``p``
    in samples processed (C = 6 N S)."""
    return 6 * n * (p["B"] / (target - p["E"] - p["A"] * n ** -p["alpha"])) ** (1 / p["beta"])


def test_predict_c_per_width_names_the_compute_optimal_width_or_the_edge(tmp_path, monkeypatch,
                                                                          capsys):
    # C for a target per width (-g config.model.width): the lowest C over widths is the
    # frontier's point when it lies inside the widths, "not determined" at their edge, as the
    # IsoFLOP minima of the report
    target = float(compute_optimal(JOINT, 1e11)[2][0])
    sweep = write_isoflop_sweep(tmp_path / "inside")
    code, out, _ = run_main(monkeypatch, capsys, "predict", str(sweep), "--axis", "C", "-g",
                            "config.model.width", "--target", str(target), "-b", "10",
                            "--holdout", "0", "--json")
    rows = json.loads(out)
    [lowest] = [r for r in rows if "lowest_C" in r]
    widths = [r["group"]["config.model.width"] for r in rows if "value" in r]
    true_best = min(widths, key=lambda w: _c_for(JOINT, w * w, target)
                    if target > JOINT["E"] + JOINT["A"] * w ** -(2 * JOINT["alpha"]) else math.inf)
    assert abs(widths.index(lowest["group"]["config.model.width"]) - widths.index(true_best)) <= 1
    assert lowest["lowest_C"].startswith("inside the widths with a prediction (")

    sweep = write_isoflop_sweep(tmp_path / "edge", joint={**JOINT, "A": 1e-12})
    code, out, _ = run_main(monkeypatch, capsys, "predict", str(sweep), "--axis", "C", "-g",
                            "config.model.width", "--target", str(target), "-b", "10",
                            "--holdout", "0")
    assert code == 0
    assert out.splitlines()[-1].startswith("lowest C over the widths with a prediction: "
                                           "width=8 (C = ")
    assert out.splitlines()[-1].endswith("; not determined: minimum at the edge of the widths "
                                         "tried")


def test_fit_and_predict_name_the_runs_at_or_below_the_floor(tmp_path, monkeypatch, capsys):
    from helpers.generator_sweep import write_generator_sweep

    sweep = write_generator_sweep(tmp_path, widths=(128,), excess_at={(100, 128, 1): -0.003})
    args = ("--x", "D", "--metric", "test_classifier_auc_excess", "-b", "5")
    note = ("1 run(s) with the metric <= 0 (an excess at or below its floor) left out of the "
            "log-space fit: D = 100 (-0.003)")
    code, out, err = run_main(monkeypatch, capsys, "fit", str(sweep), *args)
    assert code == 0 and err == "", err
    assert "all  (7 runs)\n  " + note in out and "x_c =" in out
    code, out, err = run_main(monkeypatch, capsys, "fit", str(sweep), *args, "--json")
    (group,) = json.loads(out)
    assert code == 0 and group["n_runs"] == 7 and group["fit"] is not None
    assert group["excluded"] == [{"D": 100.0, "value": -0.003}]
    code, out, err = run_main(monkeypatch, capsys, "predict", str(sweep), *args,
                              "--at", "10000")
    assert code == 0 and f"all: {note}" in out, err


def test_predict_names_the_runs_left_out_before_a_group_that_could_not_be_fitted(
        tmp_path, monkeypatch, capsys):
    from helpers.generator_sweep import write_generator_sweep

    # two groups (n_jets 1 and 2): in n_jets=2 three of the four D are at or below the floor,
    # so only D = 3200 is left and that group is not fitted
    write_generator_sweep(tmp_path, widths=(128,), n_jets=1)
    write_generator_sweep(tmp_path, widths=(128,), n_jets=2,
                          excess_at={(d, 128, s): -0.003 for d in (100, 320, 1000)
                                     for s in (0, 1)})
    code, out, err = run_main(monkeypatch, capsys, "predict", str(tmp_path), "--x", "D",
                              "--metric", "test_classifier_auc_excess", "-b", "5", "-g",
                              "config.task.n_jets", "--at", "1000", "--holdout", "0")
    assert code == 0 and err == "", err
    lines = out.splitlines()
    [fitted] = [line for line in lines if line.startswith("n_jets=1: ")]
    assert "test_classifier_auc_excess = " in fitted and "at D = 1000" in fitted
    note, failed = [line for line in lines if line.startswith("n_jets=2: ")]
    assert note.startswith("n_jets=2: 6 run(s) with the metric <= 0 (an excess at or below its "
                           "floor) left out of the log-space fit: D = 100 (-0.003)")
    assert failed.startswith("n_jets=2: not fitted: ")
