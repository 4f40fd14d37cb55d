"""The scale knob of a sweep spec: one factor grows the keys it names, everywhere they occur."""

import pytest
import yaml

from hepscaling.errors import UsageError
from hepscaling.sweeps.scale import ScaleSpec, apply_scale
from hepscaling.sweeps.spec import load_spec, parse_spec

SPEC = {
    "name": "s",
    "datasets": {"a": {"process": "u u~ > z g", "n": 1000, "sqrt_s": 1000.0, "seed": 1}},
    "base": {"task": {"kind": "amplitude_regression", "dataset": "@a", "n_val": 100},
             "model": {"family": "mlp", "width": 64}, "train": {"steps": 500, "lr": 1e-3}},
    "mode": "grid",
    "axes": {"task.n_train": [100, 300], "model": [{"width": 16}, {"width": 64, "depth": 2}]},
}


def test_every_occurrence_is_scaled_ints_rounded_floats_multiplied():
    knob = ScaleSpec(factor=9.0, exponents={"task.n_train": 1, "model.width": 0.5,
                                            "train.steps": 1, "train.lr": -0.5, "datasets.n": 1})
    out = apply_scale(SPEC, knob)
    assert out["axes"]["task.n_train"] == [900, 2700]
    assert out["axes"]["model"] == [{"width": 48}, {"width": 192, "depth": 2}]
    assert out["base"]["model"]["width"] == 192 and out["base"]["train"]["steps"] == 4500
    assert out["base"]["train"]["lr"] == pytest.approx(1e-3 / 3)
    assert out["datasets"]["a"]["n"] == 9000
    assert out["base"]["task"]["n_val"] == 100  # not named: unchanged
    assert SPEC["axes"]["task.n_train"] == [100, 300]  # the input is not modified


def test_small_factors_keep_integers_positive_and_budgets_scale():
    knob = ScaleSpec(factor=1e-4, exponents={"train.steps": 1, "isoflop.budgets": 2})
    out = apply_scale({**SPEC, "isoflop": {"budgets": [1e12, 3e12]}}, knob)
    assert out["base"]["train"]["steps"] == 1
    assert out["isoflop"]["budgets"] == pytest.approx([1e4, 3e4])


def test_isoflop_step_limits_scale_as_integers():
    knob = ScaleSpec(factor=3, exponents={"isoflop.min_steps": 1, "isoflop.max_steps": 1})
    out = apply_scale({**SPEC, "isoflop": {"budgets": [1e12], "min_steps": 300,
                                           "max_steps": 100000}}, knob)
    assert out["isoflop"] == {"budgets": [1e12], "min_steps": 900, "max_steps": 300000}


def test_a_convergence_ladder_grows_with_the_steps_also_when_set_from_the_command_line(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({**SPEC, "scale": {"factor": 1, "exponents": {
        "train.steps": 1, "converge.max_steps": 1}}}))
    plain = load_spec(path)
    assert plain.converge is None  # the exponent alone adds no ladder
    spec = load_spec(path, ["converge.max_steps=8000", "scale.factor=3"])
    assert (spec.base["train"]["steps"], spec.converge.max_steps) == (1500, 24000)
    assert spec.converge.factor == 4 and spec.converge.tolerance == 0.1


def test_the_spec_applies_the_knob_at_load_and_set_overrides_it(tmp_path):
    spec = {**SPEC, "scale": {"factor": 1, "exponents": {"task.n_train": 1}}}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert load_spec(path).axes["task.n_train"] == [100, 300]
    grown = load_spec(path, ["scale.factor=10"])
    assert grown.axes["task.n_train"] == [1000, 3000] and grown.scale.factor == 10
    with pytest.raises(UsageError, match=r"--set scale.factor=0: scale: factor"):
        load_spec(path, ["scale.factor=0"])
    with pytest.raises(UsageError, match="scale: exponents"):
        parse_spec({**SPEC, "scale": {"exponents": ["task.n_train"]}})
