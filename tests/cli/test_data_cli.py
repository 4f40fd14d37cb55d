"""``hepscaling data amplitudes`` and ``hepscaling amplitudes eval``: exit codes, files, output."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from helpers.cli import run_main
from hepscaling import cli
from hepscaling.data.amplitudes import read_amplitudes
from hepscaling.physics.loop_induced import AT_RISK_BELOW, smallest_invariant_ratio

GENERATE = ["data", "amplitudes", "-p", "e+ e- > mu+ mu-", "-n", "400", "--sqrt-s", "91.188",
            "--seed", "3", "--eta-max", "2.5", "--chunk-size", "150", "--no-progress"]



def test_generate_writes_the_file_and_rerun_is_a_no_op(tmp_path, monkeypatch, capsys):
    path = tmp_path / "ee.h5"
    code, out, err = run_main(monkeypatch, capsys, *GENERATE, "-o", str(path), "--json")
    assert code == 0 and err == ""
    summary = json.loads(out)
    assert summary["path"] == str(path) and summary["n"] == 400
    data = read_amplitudes(path, "e+ e- > mu+ mu-")
    assert data.momenta.shape == (400, 4, 4)
    assert data.provenance["cuts"]["eta_max"] == 2.5 and data.provenance["chunk_size"] == 150
    before = path.stat().st_mtime_ns
    code, out, _ = run_main(monkeypatch, capsys, *GENERATE, "-o", str(path))
    assert code == 0 and str(path) in out and path.stat().st_mtime_ns == before


@pytest.mark.parametrize(
    ("args", "message"),
    [(["-p", "e+ e- > mu+ foo"], "unknown particle 'foo'"),
     (["--sqrt-s", "50", "-p", "e+ e- > t t~"], "below the final-state threshold")],
)
def test_bad_input_exits_2_with_one_line(tmp_path, monkeypatch, capsys, args, message):
    code, out, err = run_main(monkeypatch, capsys, *GENERATE, *args, "-o", str(tmp_path / "x.h5"))
    assert code == 2 and out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0]


def test_eval_round_trip_from_h5_and_npy(tmp_path, monkeypatch, capsys):
    path = tmp_path / "ee.h5"
    assert run_main(monkeypatch, capsys, *GENERATE, "-o", str(path))[0] == 0
    data = read_amplitudes(path)
    out_h5 = tmp_path / "from_h5.npy"
    code, out, err = run_main(monkeypatch, capsys, "amplitudes", "eval", "-p", "e+ e- > mu+ mu-",
                              "-m", str(path), "-o", str(out_h5), "--json")
    assert code == 0 and err == ""
    assert json.loads(out)["max_rel_diff_to_input"] < 1e-12
    np.testing.assert_allclose(np.load(out_h5), data.me2, rtol=1e-12)
    flat = tmp_path / "flat.npy"
    np.save(flat, data.momenta.reshape(len(data.me2), 16))
    out_npy = tmp_path / "from_npy.npy"
    code, out, _ = run_main(monkeypatch, capsys, "amplitudes", "eval", "-p", "e+ e- > mu+ mu-",
                            "-m", str(flat), "-o", str(out_npy))
    assert code == 0 and "at 400 points" in out
    np.testing.assert_array_equal(np.load(out_npy), np.load(out_h5))


def test_eval_rejects_wrong_shapes(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.npy"
    np.save(bad, np.ones((10, 5, 4)))
    code, out, err = run_main(monkeypatch, capsys, "amplitudes", "eval", "-p", "e+ e- > mu+ mu-",
                              "-m", str(bad), "-o", str(tmp_path / "o.npy"))
    assert code == 2 and out == "" and "expected (n, 4, 4)" in err


def test_xsec_matches_the_library_and_applies_cuts(monkeypatch, capsys):
    from hepscaling.physics.cross_section import cross_section
    from hepscaling.physics.phase_space import Cuts

    code, out, err = run_main(monkeypatch, capsys, "amplitudes", "xsec", "-p", "e+ e- > mu+ mu-",
                              "--sqrt-s", "10", "-n", "2000", "--seed", "4", "--eta-max", "1",
                              "--json")
    assert code == 0 and err == ""
    result = json.loads(out)
    expected = cross_section("e+ e- > mu+ mu-", 10.0, 2000, 4, Cuts(eta_max=1.0))
    assert result["sigma_pb"] == expected.value_pb and result["error_pb"] == expected.error_pb
    assert 0.7 < result["cut_efficiency"] < 0.8  # tanh(1) = 0.76 of a flat cos(theta)


@pytest.mark.parametrize("command", [["data", "amplitudes"], ["amplitudes", "eval"],
                                     ["amplitudes", "xsec"]])
def test_help_ends_with_a_runnable_example(command):
    result = CliRunner().invoke(cli.app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert f"Example: hepscaling {' '.join(command)} -p" in result.output


def test_loop_induced_diphoton_through_generate_and_eval(tmp_path, monkeypatch, capsys):
    path = tmp_path / "aa.h5"
    process = "g g > a a [noborn=QCD]"
    code, out, err = run_main(monkeypatch, capsys, "data", "amplitudes", "-p", process, "-n",
                              "300", "--sqrt-s", "500", "--pt-min", "20", "--eta-max", "2.37",
                              "--no-progress", "-o", str(path))
    assert code == 0 and err == ""
    data = read_amplitudes(path, process)
    assert data.provenance["process"] == process and np.all(data.me2 > 0)
    photon_pt = np.hypot(data.momenta[:, 2:, 1], data.momenta[:, 2:, 2])
    assert photon_pt.min() >= 20.0  # the cuts act on the (massless) photons
    code, out, err = run_main(monkeypatch, capsys, "amplitudes", "eval", "-p", process, "-m",
                              str(path), "-o", str(tmp_path / "me2.npy"), "--json")
    assert code == 0 and err == "" and json.loads(out)["max_rel_diff_to_input"] == 0.0
    # the bare spelling is refused on one line that keeps the bracketed hint intact
    code, out, err = run_main(monkeypatch, capsys, "amplitudes", "eval", "-p", "g g > a a",
                              "-m", str(path), "-o", str(tmp_path / "x.npy"))
    assert code == 2 and out == "" and "[noborn=QCD]" in err



def test_loop_induced_diphoton_jet_records_its_stability_check(tmp_path, monkeypatch, capsys):
    path = tmp_path / "aag.h5"
    process = "g g > a a g [noborn=QCD]"
    code, out, err = run_main(monkeypatch, capsys, "data", "amplitudes", "-p", process, "-n",
                              "40", "--sqrt-s", "500", "--pt-min", "5", "--seed", "3",
                              "--no-progress", "-o", str(path))
    assert code == 0 and err == ""
    data = read_amplitudes(path, process)
    assert data.provenance["stability_checked"] is True
    assert data.provenance["stability_at_risk_below"] == AT_RISK_BELOW
    at_risk = int(np.sum(smallest_invariant_ratio(data.momenta) < AT_RISK_BELOW))
    assert at_risk > 0 and data.provenance["at_risk_points"] == at_risk  # counted
    assert data.provenance["unstable_points"] == 0 and np.all(data.me2 > 0)
    code, out, err = run_main(monkeypatch, capsys, "amplitudes", "eval", "-p", process, "-m",
                              str(path), "-o", str(tmp_path / "me2.npy"), "--json")
    summary = json.loads(out)
    assert code == 0 and summary["max_rel_diff_to_input"] == 0.0
    assert (summary["checked_points"], summary["at_risk_points"],
            summary["unstable_points"]) == (40, at_risk, 0)
    code, out, err = run_main(monkeypatch, capsys, "amplitudes", "eval", "-p", process, "-m",
                              str(path), "-o", str(tmp_path / "me2.npy"))
    assert code == 0 and f"{at_risk} of 40 points at risk" in out
    code, out, err = run_main(monkeypatch, capsys, "data", "amplitudes", "-p",
                              "g g > a a g g [noborn=QCD]", "-n", "10", "--sqrt-s", "500", "-o",
                              str(tmp_path / "aagg.h5"))
    assert code == 2 and "no compact closed form" in err
