"""Convergence ladders: each point climbs train.steps x factor until the validation loss stops
improving; fits use the converged length and leave out the points still improving.

The fake run's validation loss is 1 / D + (0.5 / steps)^2 + 1e-4 x seed, so the verdicts are
known by hand (means over seeds 0 and 1): at D = 100, 20 -> 40 steps lowers it from 0.010675
to 0.010206 (4%: converged at 40); at D = 10000 it still falls from 3.0625e-4 to 1.8906e-4,
1.62x, from 40 to 80 steps, the last rung (not converged).
"""

import pytest

from helpers.sweep_fakes import DIVERGES, fake_run, tiny_base
from hepscaling.errors import UsageError
from hepscaling.laws.sweep import fit_sweep, load_sweep
from hepscaling.report.sections.convergence import convergence_section
from hepscaling.sweeps import LocalExecutor, load_plan, make_plan, parse_spec, run_sweep
from hepscaling.sweeps.plan import rung_steps
from hepscaling.sweeps.results import run_dir, sweep_status
from hepscaling.sweeps.spec import ConvergeSpec

CONVERGE = {"factor": 2, "max_steps": 80, "tolerance": 0.1}


def _spec(dataset, converge=None, **axes):
    return parse_spec({"name": "ladder", "base": tiny_base(dataset),
                       "converge": converge or CONVERGE,
                       "axes": axes or {"task.n_train": [100, 10000], "seed": [0, 1]}})


def _steps_run(out):
    runs = {}
    for run in load_plan(out).runs:
        runs.setdefault(run.config["task"]["n_train"], set()).add(run.config["train"]["steps"])
    return runs


def test_each_point_climbs_until_converged_or_the_last_rung(tmp_path, fake_env):
    result = run_sweep(_spec(fake_env["dataset"]), tmp_path, executor=LocalExecutor(2),
                       run_fn=fake_run)
    assert _steps_run(tmp_path) == {100: {10, 20, 40}, 10000: {10, 20, 40, 80}}
    assert result.counts["done"] == result.planned == 14  # (3 + 4 rungs) x 2 seeds
    states = {tuple(s["point"].items()): s for s in load_plan(tmp_path).ladders}
    assert states[(("task.n_train", 100),)]["state"] == "converged: 2x more steps gain 4%"
    assert states[(("task.n_train", 10000),)]["state"] == \
        "not converged: 2x more steps still gain a factor 1.62"
    # a second invocation finds every ladder where it stopped: nothing to run
    assert run_sweep(_spec(fake_env["dataset"]), tmp_path, executor=LocalExecutor(1),
                     run_fn=fake_run).ran == 0


def test_fits_use_the_converged_length_and_leave_out_the_rest(tmp_path, fake_env):
    run_sweep(_spec(fake_env["dataset"]), tmp_path, executor=LocalExecutor(2), run_fn=fake_run)
    every = load_sweep(tmp_path, "mse")
    assert len(every.done) == 14 and every.length_notes == ()
    chosen = load_sweep(tmp_path, "mse", tolerance=0.1)
    assert len(chosen.trained) == 14
    assert sorted(zip(chosen.done["D"], chosen.done["config.train.steps"], strict=True)) == \
        [(100, 40), (100, 40)]
    assert chosen.length_notes == ("n_train=10000: not converged: 2x more steps still gain a "
                                   "factor 1.62; left out of the fits",)
    [group] = fit_sweep(chosen, axis="D", bootstrap=0, holdout=0)
    assert group.fit is None and set(group.runs["D"]) == {100}  # one D left: nothing to fit
    # the report's training-length section: the same verdicts, and what the fits use
    html = "".join(convergence_section(chosen, 0.1).blocks)
    assert "<td>converged: 2x more steps gain 4%</td>" in html
    assert "<td>not converged: 2x more steps still gain a factor 1.62</td>" in html
    assert "n_train=10000: not converged: 2x more steps still gain a factor 1.62; left out" in html


def test_a_diverged_rung_stops_its_ladder(tmp_path, fake_env):
    run_sweep(_spec(fake_env["dataset"], **{"task.n_train": [100], "seed": [0, DIVERGES]}),
              tmp_path, executor=LocalExecutor(1), run_fn=fake_run)
    assert _steps_run(tmp_path) == {100: {10}}
    assert load_plan(tmp_path).ladders[0]["state"] == \
        "stopped at rung 1 (10 steps): a run diverged or failed (no finite validation loss)"


def test_the_first_plan_holds_the_first_rungs_only(tmp_path):
    plan = make_plan(_spec(tmp_path / "toy.h5"), tmp_path, validate=lambda c: c)
    assert {r.config["train"]["steps"] for r in plan.runs} == {10}
    assert [s["state"] for s in plan.ladders] == ["running rung 1 of 4 (10 steps)"] * 2


def test_rungs_multiply_the_first_length_up_to_max_steps():
    assert rung_steps(1500, ConvergeSpec(factor=4, max_steps=96000)) == [1500, 6000, 24000, 96000]
    assert rung_steps(100, ConvergeSpec(factor=3, max_steps=1000)) == [100, 300, 900]
    with pytest.raises(UsageError, match=r"single rung .* raise max_steps to at least 400"):
        rung_steps(100, ConvergeSpec(factor=4, max_steps=399))


@pytest.mark.parametrize(("extra", "message"), [
    ({"axes": {"train.steps": [10, 20]}}, "sets the training length itself; remove axes"),
    ({"mode": "isoflop", "isoflop": {"budgets": [1e6]}, "axes": {"model.width": [8, 16]}},
     "mode 'isoflop' sets from the budget"),
    ({"converge": {"factor": 1, "max_steps": 80}}, "converge.factor"),
])
def test_bad_converge_sections_are_refused_with_the_key_named(tmp_path, extra, message):
    data = {"name": "x", "base": tiny_base(tmp_path / "toy.h5"), "converge": CONVERGE, **extra}
    with pytest.raises(UsageError, match=message):
        parse_spec(data)


def test_converge_needs_steps_not_epochs(tmp_path):
    base = tiny_base(tmp_path / "toy.h5")
    base["train"] = {**base["train"], "steps": None, "epochs": 2}
    spec = parse_spec({"name": "x", "base": base, "converge": CONVERGE})
    with pytest.raises(UsageError, match=r"converge climbs train\.steps; set the first rung"):
        make_plan(spec, tmp_path)


def test_status_judges_ladders_from_the_records_not_the_last_plan(tmp_path, fake_env):
    # the first rung finishes while no sweep runs (e.g. the sweep was killed at that moment)
    plan = make_plan(_spec(fake_env["dataset"], **{"task.n_train": [100], "seed": [0, 1]}),
                     tmp_path)
    plan.save(tmp_path)
    assert plan.ladders[0]["state"] == "running rung 1 of 4 (10 steps)"
    [rung] = plan.ladders[0]["rungs"]
    assert sorted(rung) == sorted(run.run_id for run in plan.runs)
    fake_run(plan.runs[0].config, run_dir(tmp_path, plan.runs[0].run_id))
    assert sweep_status(tmp_path).ladders[0]["state"] == "running rung 1 of 4 (10 steps)"
    fake_run(plan.runs[1].config, run_dir(tmp_path, plan.runs[1].run_id))
    assert sweep_status(tmp_path).ladders[0]["state"] == (
        "not converged: 10 steps only, nothing to compare; rung 2 (20 steps) is planned by "
        "the next 'hepscaling sweep run'")
    # a finished sweep: the status agrees with the runner's own last verdict
    run_sweep(_spec(fake_env["dataset"], **{"task.n_train": [100], "seed": [0, 1]}), tmp_path,
              executor=LocalExecutor(1), run_fn=fake_run)
    assert sweep_status(tmp_path).ladders == load_plan(tmp_path).ladders
    assert load_plan(tmp_path).ladders[0]["state"] == "converged: 2x more steps gain 4%"
