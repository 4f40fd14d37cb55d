"""The event-generator report section, on synthetic sweeps of event_generation records whose
classifier-AUC excess over its floor follows a known law in D and N."""

import re

import pytest

from helpers.cli import run_main
from helpers.generator_sweep import LAW, write_generator_sweep


def _report(tmp_path, monkeypatch, capsys, metric="test_classifier_auc_excess", **sweep):
    root = write_generator_sweep(tmp_path / "sweep", **sweep)
    out = tmp_path / "report"
    code, _, stderr = run_main(monkeypatch, capsys, "report", str(root), "--out", str(out),
                               "--metric", metric, "--bootstrap", "10")
    assert code == 0, stderr
    return out, (out / "index.html").read_text()


def test_precision_floor_band_laws_and_weights(tmp_path, monkeypatch, capsys):
    out, html = _report(tmp_path, monkeypatch, capsys, sizes=(100, 200, 400, 800, 1600, 3200),
                        widths=(16, 32, 64, 128, 256))
    assert "Event generators: classifier precision" in html
    for stem in ("generators_precision_D", "generators_precision_N", "generators_excess_D",
                 "generators_excess_N", "generators_weights", "generators_tails_best",
                 "generators_tails_worst"):
        assert (out / f"{stem}.png").is_file(), stem
    # the excess law's D exponent, recovered: the row of the D table for the AUC excess
    row = re.search(r"<td class=l>test_classifier_auc_excess</td><td class=l>[^<]*</td>"
                    r"<td>([0-9.]+)</td>", html.split("excess vs D")[1])
    assert row is not None and float(row.group(1)) == pytest.approx(LAW["ALPHA_D"], abs=0.05)
    assert "largest held out" in html


def test_each_multiplicity_of_an_all_jets_generator(tmp_path, monkeypatch, capsys):
    out, html = _report(tmp_path, monkeypatch, capsys, "test_classifier_auc_excess_2j",
                        n_jets="all", widths=(128,),
                        sizes=(100, 200, 400, 800, 1600))
    for k in (1, 2, 3):
        assert f"test_classifier_auc_excess_{k}j" in html
    for stem in ("generators_weights", "generators_tails_best", "generators_tails_worst"):
        assert (out / f"{stem}.png").is_file(), stem
    assert not (out / "generators_precision_N.png").exists()  # one width: no N scan


def test_runs_at_or_below_the_floor_are_named_in_every_section(tmp_path, monkeypatch, capsys):
    import json

    out, html = _report(tmp_path, monkeypatch, capsys, widths=(128,),
                        sizes=(100, 200, 400, 800, 1600), excess_at={(200, 128, 0): -0.002})
    note = ("1 run(s) with the metric &lt;= 0 (an excess at or below its floor) left out of the "
            "log-space fit: D = 200 (-0.002)")
    scaling, generators = html.split("Event generators: classifier precision")
    assert f"all: {note}" in scaling  # the section of the report's metric
    assert f"test_classifier_auc_excess vs D, all: {note}" in generators
    (group,) = json.loads((out / "fits.json").read_text())["D"]
    assert group["excluded"] == [{"D": 200.0, "value": -0.002}] and group["fit"] is not None


def test_records_without_tail_views_say_what_is_missing(tmp_path):
    from hepscaling.laws.sweep import load_sweep
    from hepscaling.records import read_record, write_record
    from hepscaling.report.sections import FitOptions
    from hepscaling.report.sections.generators import generators_section

    root = write_generator_sweep(tmp_path / "sweep", widths=(128,))
    for path in (root / "runs").iterdir():  # records written before the tail views existed
        record = read_record(path)
        record.histograms = {k: v for k, v in record.histograms.items()
                             if "tails" not in k}
        write_record(record, path)
    (tmp_path / "report").mkdir()
    section = generators_section(load_sweep(root, "test_classifier_auc_excess"),
                                 FitOptions(None, 0, 0, 0.68), tmp_path / "report")
    notes = [b for b in section.blocks if "weight tails" in b]
    assert len(notes) == 2 and all("classifier_tails_&lt;observable&gt;" in n for n in notes)
    assert "generators_tails_best" not in section.figures
