"""Plan expansion: grid / list / IsoFLOP points, deep merges, dataset references, run ids."""

import json

import pytest

from helpers.sweep_fakes import fake_flops_per_step
from hepscaling.errors import UsageError
from hepscaling.sweeps.plan import (
    expand_points,
    isoflop_steps,
    load_plan,
    make_plan,
    merge_point,
    spec_changes,
)
from hepscaling.sweeps.spec import parse_spec
from hepscaling.train.config import run_id
from hepscaling.train.identity import identity_hash

BASE = {"task": {"kind": "amplitude_regression", "dataset": "/data/toy.h5", "n_train": 100},
        "model": {"family": "mlp", "width": 8, "depth": 2, "activation": "relu"},
        "train": {"steps": 10, "batch_size": 16}}


def spec(**kw):
    return parse_spec({"base": BASE, **kw})


def test_grid_is_the_cartesian_product_first_axis_slowest():
    widths, ns, seeds = [8, 16, 32], [100, 300], [0, 1]
    points = expand_points(spec(axes={"model.width": widths, "task.n_train": ns, "seed": seeds}))
    expected = [{"model.width": w, "task.n_train": n, "seed": s}
                for w in widths for n in ns for s in seeds]
    assert points == expected


def test_list_mode_zips_the_axes():
    points = expand_points(spec(mode="list", axes={"model.width": [8, 16], "seed": [3, 4]}))
    assert points == [{"model.width": 8, "seed": 3}, {"model.width": 16, "seed": 4}]


def test_no_axes_is_one_run(tmp_path):
    plan = make_plan(spec(), tmp_path)
    assert len(plan.runs) == 1 and plan.runs[0].point == {}


def test_ladder_values_merge_into_the_base_section():
    merged = merge_point(BASE, {"model": {"width": 64, "depth": 4}, "train.lr": 0.01})
    assert merged["model"] == {"family": "mlp", "width": 64, "depth": 4, "activation": "relu"}
    assert merged["train"] == {"steps": 10, "batch_size": 16, "lr": 0.01}
    assert BASE["model"]["width"] == 8  # the base is not modified


def test_a_length_axis_replaces_the_base_length(tmp_path):
    plan = make_plan(spec(axes={"train.epochs": [1, 2]}), tmp_path)
    assert [r.config["train"]["epochs"] for r in plan.runs] == [1, 2]
    assert {r.config["train"]["steps"] for r in plan.runs} == {None}
    ladder = merge_point(BASE, {"train": {"flops": 1e9, "lr": 0.1}})
    assert ladder["train"] == {"steps": None, "epochs": None, "flops": 1e9, "batch_size": 16,
                               "lr": 0.1}


def test_dotted_keys_inside_ladder_values():
    merged = merge_point(BASE, {"task": {"n_train": 7}, "model": {"width": 4}})
    assert merged["task"]["n_train"] == 7 and merged["task"]["kind"] == "amplitude_regression"


def test_run_ids_hash_the_resolved_run_config(tmp_path):
    plan = make_plan(spec(axes={"model.width": [8, 16], "seed": [0, 1]}), tmp_path)
    assert len(plan.runs) == 4
    for run in plan.runs:
        merged = merge_point(BASE, run.point)
        assert run.run_id == run_id(merged) == identity_hash(run.config)
        assert run.config["train"]["lr"] == 1e-3  # defaults filled in
    assert len(set(plan.run_ids)) == 4


def test_points_resolving_to_the_same_config_are_planned_once(tmp_path):
    # width 8 is the base value: {} and {"model.width": 8} give the same run
    plan = make_plan(spec(mode="list", axes={"model": [{"width": 8}, {"depth": 2}]}), tmp_path)
    assert len(plan.runs) == 1 and plan.duplicates == 1


def test_dataset_references_become_absolute_paths(tmp_path):
    s = parse_spec({
        "datasets": {"a": {"process": "e+ e- > mu+ mu-", "n": 10, "sqrt_s": 100.0},
                     "b": {"process": "e+ e- > mu+ mu-", "n": 20, "sqrt_s": 100.0}},
        "base": {**BASE, "task": {**BASE["task"], "dataset": "@a"}},
        "axes": {"task.dataset": ["@a", "@b"]}})
    plan = make_plan(s, tmp_path / "out")
    paths = [r.config["task"]["dataset"] for r in plan.runs]
    assert paths == [str((tmp_path / "out" / "data" / f"{n}.h5").resolve()) for n in "ab"]


def test_unknown_dataset_reference_names_the_key(tmp_path):
    s = spec(axes={"task.dataset": ["@nope"]})
    with pytest.raises(UsageError, match=r"axes.task.dataset: unknown dataset reference '@nope'"):
        make_plan(s, tmp_path)


def test_invalid_run_config_names_the_point_and_key(tmp_path):
    s = spec(axes={"model": [{"width": 8}, {"widht": 16}]})
    with pytest.raises(UsageError) as err:
        make_plan(s, tmp_path, source="s.yaml")
    message = str(err.value)
    assert message.startswith('s.yaml: base + axes {"model": {"widht": 16}}')
    assert "model.widht" in message and "unknown key" in message


def test_isoflop_runs_spend_their_budget_within_half_a_step(tmp_path):
    budgets = [2.0e9, 7.3e9, 3.1e10]
    s = spec(mode="isoflop", isoflop={"budgets": budgets},
             axes={"model": [{"width": 8}, {"width": 32, "depth": 3}, {"width": 64}],
                   "seed": [0, 1]})
    plan = make_plan(s, tmp_path, flops_per_step=fake_flops_per_step)
    assert len(plan.runs) == 3 * 3 * 2
    for run in plan.runs:
        train = run.config["train"]
        per_step = 1000.0 * 16 * run.config["model"]["width"] * run.config["model"]["depth"]
        assert train["epochs"] is None and train["flops"] is None
        assert abs(train["steps"] * per_step - run.budget) <= per_step / 2
    assert sorted({r.budget for r in plan.runs}) == budgets


def test_isoflop_rounding_rule():
    assert isoflop_steps(10.0, 4.0) == 3  # 2.5 rounds up
    assert isoflop_steps(9.9, 4.0) == 2
    assert isoflop_steps(1.9, 4.0) == 0


def test_isoflop_drops_pairs_below_min_steps(tmp_path):
    s = spec(mode="isoflop", isoflop={"budgets": [1.0e8], "min_steps": 100},
             axes={"model.width": [8, 1000]})
    plan = make_plan(s, tmp_path, flops_per_step=fake_flops_per_step)
    # width 8: 1e8 / (16 * 8 * 2 * 1000) = 390 steps; width 1000: 3 steps < 100
    assert [r.config["model"]["width"] for r in plan.runs] == [8]
    assert plan.skipped[0]["steps"] == 3 and plan.skipped[0]["point"] == {"model.width": 1000}


def test_isoflop_drops_pairs_above_max_steps(tmp_path):
    s = spec(mode="isoflop", isoflop={"budgets": [1.0e8, 1.0e9], "min_steps": 100,
                                      "max_steps": 1000},
             axes={"model.width": [8, 64]})
    plan = make_plan(s, tmp_path, flops_per_step=fake_flops_per_step)
    # steps = budget / (16 * width * 2 * 1000): width 8 -> 391 and 3906, width 64 -> 49 and 488
    kept = sorted((r.budget, r.config["model"]["width"], r.config["train"]["steps"])
                  for r in plan.runs)
    assert kept == [(1.0e8, 8, 391), (1.0e9, 64, 488)]
    reasons = {(d["budget"], d["point"]["model.width"]): (d["steps"], d["reason"])
               for d in plan.skipped}
    assert reasons == {(1.0e8, 64): (49, "fewer than isoflop.min_steps = 100 steps"),
                       (1.0e9, 8): (3906, "more than isoflop.max_steps = 1000 steps")}


def test_max_steps_keeps_the_run_ids_of_the_pairs_it_keeps(tmp_path):
    base = {"budgets": [1.0e8, 1.0e9], "min_steps": 100}
    axes = {"model.width": [8, 64]}
    before = make_plan(spec(mode="isoflop", isoflop=base, axes=axes), tmp_path,
                       flops_per_step=fake_flops_per_step)
    after = make_plan(spec(mode="isoflop", isoflop={**base, "max_steps": 1000}, axes=axes),
                      tmp_path, flops_per_step=fake_flops_per_step)
    assert {r.run_id for r in after.runs} < {r.run_id for r in before.runs}


def test_empty_plan_is_an_error(tmp_path):
    s = spec(mode="isoflop", isoflop={"budgets": [1.0]}, axes={"model.width": [8]})
    with pytest.raises(UsageError, match="the plan is empty"):
        make_plan(s, tmp_path, flops_per_step=fake_flops_per_step)


def test_plan_round_trips_through_sweep_json(tmp_path):
    s = spec(mode="isoflop", isoflop={"budgets": [1.0e9, 2.0e9]}, axes={"model.width": [8, 16]})
    plan = make_plan(s, tmp_path, flops_per_step=fake_flops_per_step)
    plan.save(tmp_path)
    assert json.loads((tmp_path / "sweep.json").read_text())["name"] == "sweep"
    assert load_plan(tmp_path) == plan


def test_load_plan_errors(tmp_path):
    with pytest.raises(UsageError, match="no sweep plan"):
        load_plan(tmp_path)
    (tmp_path / "sweep.json").write_text("{}")
    with pytest.raises(UsageError, match="malformed sweep plan"):
        load_plan(tmp_path)


def test_spec_changes_name_the_dotted_keys():
    old = {"name": "s", "axes": {"model.width": [8, 16], "seed": [0]}, "base": {"lr": 1}}
    new = {"name": "s", "axes": {"model.width": [8], "seed": [0]}, "base": {"lr": 1, "x": 2}}
    assert spec_changes(old, new) == ["axes.model.width", "base.x"]
    assert spec_changes(old, old) == []
