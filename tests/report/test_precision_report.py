"""The precision report section: figures and a metrics table beside the truth-vs-truth floor,
from precision.json results or from bare two_sample_classifier records."""

import re

import pytest

from helpers.zmumu_files import toy_events, write_zmumu
from hepscaling.errors import UsageError
from hepscaling.precision.events import measure_event_precision
from hepscaling.report import build_precision_report
from hepscaling.report.sections.precision import (
    load_precision_results,
    precision_section,
    record_results,
)

TINY = {"model": {"width": 8, "depth": 1}, "train": {"epochs": 2}}


@pytest.fixture(scope="module")
def measurements(tmp_path_factory):
    """Two tiny measurements (1 and 2 jets) under one directory."""
    tmp = tmp_path_factory.mktemp("precision")
    one_or_two = (0.5, 0.5, 0.0)  # jet multiplicity fractions
    truth = write_zmumu(tmp / "truth.h5", *toy_events(1600, seed=1, fractions=one_or_two))
    gen = write_zmumu(tmp / "gen.h5", *toy_events(800, seed=2, fractions=one_or_two))
    for k in (1, 2):
        measure_event_precision(truth, gen, tmp / "results" / f"z{k}j", n_jets=k, **TINY)
    return tmp / "results"


def test_page_shows_every_measurement_beside_its_floor(measurements, tmp_path):
    index = build_precision_report(measurements, tmp_path / "page")
    html = index.read_text()
    results = load_precision_results(measurements)
    assert [r.label for r in results] == ["z1j", "z2j"]
    for i in range(2):
        for figure in ("weights", "calibration", "tails", "reweighted"):
            png = index.parent / f"precision_{i}_{figure}.png"
            assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 5000
            assert f'src="precision_{i}_{figure}.png"' in html
    floor = results[1].floor
    assert floor is not None
    # the floor's AUC and sigma(AUC) are in the table, with 4 digits
    for key in ("test_auc", "test_auc_sigma"):
        assert f"<td>{floor.metrics[key]:.4g}</td>" in html
    assert "floor: truth vs truth" in html and "(AUC - AUC_floor) / combined sigma" in html
    assert re.search(r"2 jet\(s\); \d+ events per sample", html)
    assert "0 non-finite (excluded)" in html


def test_bare_records_get_the_section_without_floor(measurements, tmp_path):
    results = load_precision_results(measurements)
    bare = record_results([results[0].measured])
    assert [r.floor for r in bare] == [None] and bare[0].label == results[0].measured.run_id
    section = precision_section(bare, tmp_path)
    assert len(section.figures) == 4
    assert any("no truth-vs-truth floor" in block for block in section.blocks)


def test_a_directory_without_results_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match=r"no precision\.json under"):
        load_precision_results(tmp_path)
    with pytest.raises(UsageError, match="is not a directory"):
        load_precision_results(tmp_path / "nothing")
