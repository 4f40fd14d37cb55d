"""Sweep spec validation: good specs load, bad ones fail with the offending key named."""

import pytest

from hepscaling.data.registry import DatasetFile
from hepscaling.errors import UsageError
from hepscaling.sweeps.spec import load_spec, parse_spec

BASE = {"task": {"kind": "amplitude_regression", "dataset": "toy.h5"},
        "model": {"family": "mlp"}, "train": {"steps": 10}}


def test_full_spec_parses():
    spec = parse_spec({
        "name": "demo",
        "datasets": {"ee": {"process": "e+ e- > mu+ mu-", "n": 100, "sqrt_s": 91.0,
                            "cuts": {"pt_min": 5.0}}},
        "base": BASE,
        "mode": "grid",
        "axes": {"model": [{"width": 8}, {"width": 16}], "seed": [0, 1]},
        "cluster": {"kind": "slurm", "jobs": 4, "cores": 8, "memory": "16GB"},
    })
    assert spec.datasets["ee"].cuts["pt_min"] == 5.0
    assert spec.cluster.model_extra == {"cores": 8, "memory": "16GB"}
    assert list(spec.axes) == ["model", "seed"]


@pytest.mark.parametrize(("data", "key", "fix"), [
    ({"base": BASE, "axis": {"seed": [0]}}, "axis", "allowed keys here: name, datasets, base"),
    ({"base": BASE, "mode": "random"}, "mode", "'grid', 'list' or 'isoflop'"),
    ({"datasets": {"ee": {"proces": "e+ e- > mu+ mu-", "n": 1, "sqrt_s": 1}}},
     "datasets.ee.proces", "allowed keys here: process, n, sqrt_s"),
    ({"datasets": {"ee": {"process": "e+ e- > mu+ mu-", "n": 0, "sqrt_s": 1}}},
     "datasets.ee.n", "greater than 0"),
    ({"datasets": {"ee": {"process": "a > b", "n": 1, "sqrt_s": 1, "cuts": {"ptmin": 1}}}},
     "datasets.ee.cuts", "ptmin: unknown key; allowed keys here: pt_min"),
    ({"axes": {"seed": []}}, "axes", "axis 'seed' is empty"),
    ({"axes": {"seed": [0, 0]}}, "", "axis 'seed' repeats a value"),
    ({"mode": "list", "axes": {"seed": [0, 1], "model.width": [8]}}, "", "equal lengths"),
    ({"mode": "isoflop", "axes": {"model.width": [8]}}, "", "needs an 'isoflop:"),
    ({"mode": "isoflop", "isoflop": {"budgets": [1e9]}, "axes": {"seed": [0]}},
     "", "model-size axis"),
    ({"mode": "isoflop", "isoflop": {"budgets": [1e9]},
      "axes": {"model.width": [8], "train.steps": [3]}}, "", "remove axes ['train.steps']"),
    ({"mode": "isoflop", "isoflop": {"budgets": [-1.0]}, "axes": {"model.width": [8]}},
     "isoflop.budgets", "positive"),
    ({"isoflop": {"budgets": [1e9]}}, "", "set mode: isoflop"),
    ({"mode": "isoflop", "isoflop": {"budgets": [1e9], "min_steps": 300, "max_steps": 100},
      "axes": {"model.width": [8]}}, "isoflop", "raise max_steps or lower min_steps"),
    ({"mode": "isoflop", "isoflop": {"budgets": [1e9], "max_steps": 0},
      "axes": {"model.width": [8]}}, "isoflop.max_steps", "greater than or equal to 1"),
])
def test_errors_name_the_key_and_the_fix(data, key, fix):
    with pytest.raises(UsageError) as err:
        parse_spec(data, source="s.yaml")
    message = str(err.value)
    assert message.startswith(f"s.yaml: {key}:" if key else "s.yaml: "), message
    assert fix in message
    assert "\n" not in message


def test_budgets_written_as_yaml_exponents_are_numbers(tmp_path):
    # YAML 1.1 reads 1e12 (no dot) as a string; the spec still takes it as a number
    path = tmp_path / "s.yaml"
    path.write_text("mode: isoflop\nisoflop: {budgets: [1e12, 3.0e12]}\naxes: {model.width: [8]}\n")
    assert load_spec(path).isoflop.budgets == [1e12, 3e12]


def test_base_may_be_a_file_next_to_the_spec(tmp_path):
    (tmp_path / "base.yaml").write_text("model: {family: mlp, width: 8}\n")
    (tmp_path / "s.yaml").write_text("base: base.yaml\naxes: {seed: [0, 1]}\n")
    assert load_spec(tmp_path / "s.yaml").base == {"model": {"family": "mlp", "width": 8}}


@pytest.mark.parametrize(("text", "fix"), [
    ("base: [unclosed\n", "not valid YAML"),
    ("- just\n- a list\n", "expected a mapping"),
    ("base: missing.yaml\n", "base run config not found"),
])
def test_unreadable_specs(tmp_path, text, fix):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(UsageError, match=fix):
        load_spec(path)


def test_missing_spec_file(tmp_path):
    with pytest.raises(UsageError, match="sweep spec not found"):
        load_spec(tmp_path / "nope.yaml")


def test_dataset_paths_are_relative_to_the_spec_file(tmp_path):
    (tmp_path / "s.yaml").write_text(
        "datasets:\n"
        "  ee: {process: 'e+ e- > mu+ mu-', n: 10, sqrt_s: 91.0, path: ../shared/ee.h5}\n"
        "  qcdw: {kind: jets, path: /data/qcdw.h5}\n"
        "  toy: {path: toy.h5}\n")
    datasets = load_spec(tmp_path / "s.yaml").datasets
    assert datasets["ee"].path == str(tmp_path / "../shared/ee.h5") and datasets["ee"].n == 10
    assert isinstance(datasets["qcdw"], DatasetFile) and datasets["qcdw"].kind == "jets"
    assert datasets["qcdw"].path == "/data/qcdw.h5"  # absolute paths stay
    assert (datasets["toy"].kind, datasets["toy"].path) == ("amplitudes", str(tmp_path / "toy.h5"))


@pytest.mark.parametrize(("entry", "message"), [
    ({"kind": "jet", "path": "x.h5"}, "datasets.d.kind: unknown dataset kind 'jet'; choose one "
                                      "of amplitudes, jets, unweighted, zmumu"),
    ({"kind": "jets", "path": 3}, "datasets.d.path: Input should be a valid string"),
])
def test_bad_file_entries_name_the_key(entry, message):
    with pytest.raises(UsageError) as info:
        parse_spec({"datasets": {"d": entry}}, source="s.yaml")
    assert str(info.value) == f"s.yaml: {message}"
