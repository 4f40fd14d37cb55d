"""The jet-generation report section, on a synthetic N-sweep of jet_generation records."""

from helpers.cli import run_main
from helpers.jet_sweep import write_jet_sweep


def test_report_has_the_generation_section(tmp_path, monkeypatch, capsys):
    sweep = write_jet_sweep(tmp_path / "sweep")
    out = tmp_path / "report"
    code, stdout, stderr = run_main(monkeypatch, capsys, "report", str(sweep), "--out",
                                    str(out), "--metric", "test_loss", "--bootstrap", "10")
    assert code == 0, stderr
    assert stdout.strip().endswith("index.html")
    html = (out / "index.html").read_text()
    assert "Jet generation (test_loss)" in html
    assert "log preferred" in html  # the records follow a log law in N
    assert "monotone increasing" in html  # SWD rises with the validation loss
    assert "C, envelope" in html  # the forms compared on the loss-compute envelope
    for stem in ("generation_N", "generation_C", "generation_swd", "generation_positions"):
        assert (out / f"{stem}.png").is_file()
    assert not (out / "generation_observables.png").exists()  # no observable histograms here


def test_report_draws_generated_vs_truth_with_floors(tmp_path, monkeypatch, capsys):
    sweep = write_jet_sweep(tmp_path / "sweep", seeds=2, observables=True)
    out = tmp_path / "report"
    code, _, stderr = run_main(monkeypatch, capsys, "report", str(sweep), "--out", str(out),
                               "--metric", "test_loss", "--bootstrap", "10")
    assert code == 0, stderr
    assert (out / "generation_observables.png").is_file()
    html = (out / "index.html").read_text()
    assert "floor: truth vs truth" in html and "<td>0.03</td>" in html
