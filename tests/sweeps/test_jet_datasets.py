"""Jet datasets in sweep specs: validation of a ``kind: jets`` entry, and a tiny jet-tagging
sweep from spec to ceiling report (one fit group per model family)."""

import numpy as np
import pytest

from hepscaling.data.amplitudes import AmplitudeDataset
from hepscaling.data.jets import JetDataset, read_jets
from hepscaling.errors import UsageError
from hepscaling.records import load_records
from hepscaling.report.build import build_report
from hepscaling.sweeps import parse_spec, run_sweep

JETS = {"kind": "jets", "classes": "qcd,w", "n": 50, "seed": 3, "max_particles": 32}
AMPLITUDES = {"process": "e+ e- > mu+ mu-", "n": 100, "sqrt_s": 91.0}


def test_jet_and_amplitude_entries_validate_side_by_side():
    spec = parse_spec({"datasets": {"jets": JETS, "ee": AMPLITUDES}})
    jets, ee = spec.datasets["jets"], spec.datasets["ee"]
    assert isinstance(jets, JetDataset) and isinstance(ee, AmplitudeDataset)
    assert (jets.classes, jets.n, jets.seed, jets.max_particles) == ("qcd,w", 50, 3, 32)
    assert jets.chunk_size == 1000  # default
    assert ee.kind == "amplitudes"  # the default kind: amplitude entries are unchanged


@pytest.mark.parametrize(("entry", "message"), [
    ({**JETS, "sqrt_s": 13000.0}, "datasets.jets.sqrt_s: unknown key for kind 'jets'"),
    ({**AMPLITUDES, "classes": "qcd,w"}, "datasets.jets.classes: unknown key for kind "
                                         "'amplitudes'"),
    ({**JETS, "classes": "qcd,gluino"}, "unknown jet class 'gluino'"),
    ({**JETS, "kind": "jet"}, "unknown dataset kind; use kind: amplitudes (default) or kind: "
                              "jets or kind: unweighted or kind: zmumu (got 'jet')"),
    ({**JETS, "n": 0}, "datasets.jets.n"),
    ({"kind": "jets", "n": 10}, "datasets.jets.classes: Field required"),
])
def test_bad_jet_entries_name_the_key(entry, message):
    with pytest.raises(UsageError, match=r"^sweep spec: ") as info:
        parse_spec({"datasets": {"jets": entry}})
    assert message in str(info.value)


def _tiny_jet_sweep() -> dict:
    base = {
        "seed": 0, "device": "cpu", "loss": "cross_entropy",
        "task": {"kind": "jet_tagging", "dataset": "@jets", "n_val": 20, "n_test": 40,
                 "max_particles": 16},
        "model": {"depth": 1, "mlp_ratio": 2},
        "train": {"batch_size": 16, "steps": 25, "lr": 3.0e-3, "weight_decay": 0.0,
                  "warmup_steps": 2, "eval_every": 25},
    }
    models = [{"family": "hl_dense", "width": 16},
              {"family": "part", "width": 16, "heads": 2, "pair_width": 8}]
    return {"name": "tiny-jets", "datasets": {"jets": {**JETS, "chunk_size": 25}},
            "base": base, "axes": {"model": models, "task.n_train": [5, 10, 20, 40]}}


def test_tiny_jet_sweep_generates_once_and_reports_one_ceiling_group_per_family(
        tmp_path, trainer):
    spec = parse_spec(_tiny_jet_sweep())
    result = run_sweep(spec, tmp_path, executor=trainer)
    assert (result.planned, result.counts["done"]) == (8, 8), result.failures
    path = tmp_path / "data" / "jets.h5"
    labels = read_jets(path, ["label"])["label"]
    counts = np.bincount(labels)
    assert counts[counts > 0].tolist() == [50, 50]  # generated once: 50 jets of each class
    records = load_records(tmp_path / "runs")
    assert {r.config["task"]["dataset"] for r in records} == {str(path.resolve())}
    assert all(0.0 <= r.metrics["test_auc_macro"] <= 1.0 for r in records)

    assert run_sweep(spec, tmp_path, executor=trainer).ran == 0  # resumed: nothing to redo
    assert np.array_equal(read_jets(path, ["label"])["label"], labels)  # file kept as is

    report = build_report(tmp_path, tmp_path / "report", law="ceiling", metric="test_auc_macro",
                          group_by=["config.model.family"], bootstrap=20)
    groups = report.fits["D"]
    assert len(groups) == 2
    assert sorted(f for g in groups for f in ("hl_dense", "part") if f in g.label) == [
        "hl_dense", "part"]
    html = report.index.read_text()
    ceilings = html[html.index("<h2>Ceilings by representation</h2>"):]
    ceilings = ceilings[:ceilings.index("</table>")]
    for g in groups:
        assert len(g.runs) == 4
        if g.fit is None:  # tiny data may not support a ceiling fit: the page says why
            assert g.error and f"{g.label}: not fitted: {g.error}" in html
        else:
            assert 0.0 < g.fit.params["a_inf"] <= 1.0
            shown = "not determined" if "a_inf" in g.fit.undetermined else \
                f"{g.fit.params['a_inf']:.4g} ["
            assert shown in ceilings
        assert f"<td class=l>{g.label}</td>" in ceilings
