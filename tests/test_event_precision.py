"""hepscaling.precision.events: a generated zmumu-layout sample against held-out truth with the
truth-vs-truth floor: a planted defect lands in the weight tails, the floor's AUC is 0.5
within its sigma, the outputs are written, generated events breaking the cuts are counted, and
bad inputs get one-line errors."""

import json

import h5py
import numpy as np
import pytest

from helpers.zmumu_files import toy_events, write_zmumu
from hepscaling.errors import UsageError
from hepscaling.physics import lorentz
from hepscaling.precision.events import measure_event_precision
from hepscaling.records import read_record

N = 8000  # generated events; truth has twice as many (two halves)
LOW, HIGH, MASS_SCALE = 30.0, 41.0, 1.5  # the defect: jets with LOW < pT < HIGH, mass x 1.5
FIT = {"model": {"width": 64, "depth": 2}, "train": {"epochs": 10}}
ONE_JET, ONE_OR_TWO = (1.0, 0.0, 0.0), (0.5, 0.5, 0.0)  # jet multiplicity fractions


def _damaged(momenta):
    """A copy of ``momenta`` (n, 5, 4) whose leading jets with LOW < pT < HIGH GeV have their
    mass scaled by MASS_SCALE (energy recomputed, 3-momentum kept), and the mask of those
    events (n,)."""
    momenta = momenta.copy()
    jet = momenta[:, 2]
    inside = (lorentz.pt(jet) > LOW) & (lorentz.pt(jet) < HIGH)
    mass = lorentz.mass(jet) * np.where(inside, MASS_SCALE, 1.0)
    jet[:, 0] = np.sqrt(np.sum(jet[:, 1:] ** 2, axis=1) + mass**2)
    return momenta, inside


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """One measurement of the damaged sample (the slice is 22% of the events)."""
    tmp = tmp_path_factory.mktemp("precision")
    truth = write_zmumu(tmp / "truth.h5", *toy_events(2 * N, seed=1, fractions=ONE_JET))
    momenta, n_jets = toy_events(N, seed=2, fractions=ONE_JET)
    generated, inside = _damaged(momenta)
    gen = write_zmumu(tmp / "gen.h5", generated, n_jets)
    return measure_event_precision(truth, gen, tmp / "out", n_jets=1, seed=0, **FIT), inside


def test_a_planted_defect_lands_in_the_low_weight_tail(measured):
    result, inside = measured
    with h5py.File(result.weights) as f:
        rows, w, split = (f[f"generated/candidate_{k}"][()] for k in ("index", "w", "split"))
    test = split == 2
    tail = test & (w < 0.5)
    # the slice holds 22% of the test events but (measured) all 165 of those with w < 0.5
    assert tail.sum() > 50
    assert inside[rows][tail].mean() > 0.9 > 0.3 > inside[rows][test].mean()
    runs = result.summary["runs"]
    assert runs["generated"]["candidate_frac_w_lt_0p5"] > 0.02  # measured 0.041
    assert runs["truth"]["candidate_frac_w_lt_0p5"] < 0.005  # measured 0
    # the record's tail histogram of the jet mass sits above the undamaged range (2-15 GeV)
    h = read_record(result.result.parent / runs["generated"]["directory"]).histograms[
        "test_feature_m_j1"]
    tail_counts, edges = np.array(h["candidate_w_lt_0p5"]), np.array(h["edges"])
    assert tail_counts.sum() == tail.sum() and tail_counts[-1] > 0.8 * tail_counts.sum()
    assert edges[-1] < 15.0 + 1.0  # the last bin collects the overflow m > 15 GeV


def test_the_truth_floor_is_consistent_with_one_half(measured):
    result, _ = measured
    floor, generated = result.summary["runs"]["truth"], result.summary["runs"]["generated"]
    n_test = result.summary["events"]["n_test"]
    assert floor["auc_sigma"] == pytest.approx(np.sqrt((2 * n_test + 1) / (12 * n_test**2)),
                                               rel=0.01)
    assert abs(floor["auc"] - 0.5) < 3 * floor["auc_sigma"]  # measured 0.495 +- 0.0065
    assert generated["auc"] - 0.5 > 5 * generated["auc_sigma"]  # measured 0.550 +- 0.0064
    assert floor["candidate_log_w_std"] < generated["candidate_log_w_std"]
    assert floor["candidate_mean_w"] == pytest.approx(1.0, abs=0.03)


def test_outputs_use_disjoint_truth_halves_of_equal_size(measured):
    result, _ = measured
    summary = json.loads(result.result.read_text())
    assert summary["events"]["per_sample"] == N and summary["events"]["truth"]["half"] == N
    assert summary["model"]["dropout"] == 0.1 and summary["n_jets"] == 1
    assert len(summary["observables"]) == 10
    with h5py.File(result.weights) as f:
        a = f["truth/reference_index"][()]
        b = f["truth/candidate_index"][()]
        assert np.array_equal(a, f["generated/reference_index"][()])  # the same half A
        assert len(a) == len(b) == N and not np.intersect1d(a, b).size
        assert np.all(f["generated/candidate_w"][()] > 0)
    assert {r.record.run_id for r in result.runs.values()} == {
        summary["runs"][k]["run_id"] for k in ("generated", "truth")}


def test_generated_events_breaking_the_definition_are_counted_not_dropped(tmp_path):
    truth = write_zmumu(tmp_path / "truth.h5", *toy_events(400, seed=3, fractions=ONE_JET))
    momenta, n_jets = toy_events(200, seed=4, fractions=ONE_JET)
    momenta[:5, 2] = momenta[:5, 0] * [1, 1, 1, 1]  # jet on top of the mu+: Delta R = 0
    momenta[5:8, 2] *= 15.0 / lorentz.pt(momenta[5:8, 2])[:, None]  # jet pT 15 GeV
    momenta[8:10, 1] = np.nan
    momenta[10:14, 2, 0] = 0.9 * np.linalg.norm(momenta[10:14, 2, 1:], axis=1)  # E < |p|
    gen = write_zmumu(tmp_path / "gen.h5", momenta, n_jets)
    result = measure_event_precision(truth, gen, tmp_path / "out", n_jets=1,
                                     model={"width": 8, "depth": 1}, train={"epochs": 1})
    counts = result.summary["events"]["generated"]
    assert counts == {"in_file": 200, "with_n_jets": 200, "nonfinite": 2,
                      "delta_r_below_cut": 5, "jet_pt_below_cut": 3, "spacelike_jet": 4}
    assert result.summary["events"]["per_sample"] == 198  # every finite event is used


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad")
    momenta, n_jets = toy_events(300, seed=5, fractions=ONE_OR_TWO)
    truth = write_zmumu(tmp / "truth.h5", momenta, n_jets)
    no_n_jets = write_zmumu(tmp / "no_n_jets.h5", momenta, None)
    four = write_zmumu(tmp / "four.h5", momenta, np.full(300, 4))
    one = write_zmumu(tmp / "one.h5", *toy_events(300, seed=6, fractions=ONE_JET))
    bad = momenta.copy()
    bad[3, 2] = bad[3, 0]  # jet on the muon
    overlap = write_zmumu(tmp / "overlap.h5", bad, n_jets)
    return {"truth": truth, "no_n_jets": no_n_jets, "four": four, "one": one,
            "overlap": overlap, "out": str(tmp / "out")}


@pytest.mark.parametrize(("truth", "generated", "kwargs", "message"), [
    ("truth", "no_n_jets", {}, r"generated file .*no_n_jets.h5 has no n_jets dataset; an "
                               r"event file needs momenta"),
    ("truth", "four", {}, r"generated file .*four.h5: event 0 has n_jets = 4, expected 1 to 3"),
    ("truth", "truth", {"n_jets": 4}, "n_jets must be 1 to 3, got 4"),
    ("truth", "one", {"n_jets": 2}, r"generated file .*one.h5 has no events with 2 jet\(s\) "
                                    r"\(it has 1\); choose --n-jets"),
    ("truth", "truth", {"observables": ["pt_j2"]}, r"\['pt_j2'\] not defined for 1 jet"),
    ("overlap", "truth", {}, r"truth file .*overlap.h5: event 3 has two objects at Delta R"),
    ("truth", "missing", {}, "generated event file not found"),
    ("truth", "truth", {"max_events": 1}, "max_events must be at least 2"),
])
def test_bad_inputs_get_one_line_errors(files, truth, generated, kwargs, message):
    paths = {**files, "missing": files["out"] + "/missing.h5"}
    with pytest.raises(UsageError, match=message) as error:
        measure_event_precision(paths[truth], paths[generated], files["out"],
                                **{"n_jets": 1, **kwargs})
    assert "\n" not in str(error.value)
