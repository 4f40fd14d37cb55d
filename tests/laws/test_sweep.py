"""Sweep directories -> groups -> fits."""

import dataclasses
from pathlib import Path

import pytest

from helpers.synthetic_sweep import (
    ALPHA,
    REPETITION,
    REPETITION_EPOCHS,
    REPETITION_U,
    write_repetition_sweep,
    write_sweep,
)
from helpers.synthetic_tagging import write_tagging_sweep
from hepscaling.errors import UsageError
from hepscaling.laws.sweep import (
    GroupFit,
    fit_sweep,
    group_keys,
    group_label,
    load_sweep,
    sweep_groups,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sweeps"


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    return write_sweep(tmp_path_factory.mktemp("sweep"), seeds=2)


def test_only_finished_runs_are_fitted(sweep_dir):
    sweep = load_sweep(sweep_dir)
    assert len(sweep.done) == 2 * 6 * 2
    assert sorted(sweep.not_done["status"]) == ["diverged", "failed"]


def test_group_keys_are_the_varying_config_columns_except_axis_and_seed(sweep_dir):
    done = load_sweep(sweep_dir).done
    # dataset path is redundant with the process; n_train sets D; the seed is resampled
    assert group_keys(done, "D") == ["config.task.process", "config.loss"]
    assert group_keys(done, "D", ["task.process"]) == ["config.task.process"]
    with pytest.raises(UsageError, match="not in the records"):
        group_keys(done, "D", ["config.task.nonsense"])


def test_an_event_generators_sample_seed_is_a_replica_like_the_seed():
    import pandas as pd

    rows = [{"D": d, "config.task.n_train": d, "config.task.n_jets": k, "config.seed": seed,
             "config.task.sample_seed": seed}
            for k in (1, 2) for d in (100, 300, 1000, 3000) for seed in (0, 1, 2)]
    assert group_keys(pd.DataFrame(rows), "D") == ["config.task.n_jets"]


def test_training_length_scaled_with_d_is_part_of_the_d_point():
    import pandas as pd

    sizes = [250, 500, 1000, 2000, 4000, 8000]
    steps = {d: max(3000, d) for d in sizes}  # a function of D, not one-to-one with it
    rows = [{"D": d, "config.task.n_train": d, "config.train.steps": steps[d],
             "config.task.process": process, "config.seed": seed}
            for process in ("u u~ > z g g", "u u~ > t t~ h") for d in sizes for seed in (0, 1)]
    done = pd.DataFrame(rows)
    assert group_keys(done, "D") == ["config.task.process"]
    # a training length that is NOT set by D (a D x steps grid) still defines groups
    grid = pd.DataFrame([{**row, "config.train.steps": length}
                         for row in rows for length in (1000, 5000)])
    assert group_keys(grid, "D") == ["config.task.process", "config.train.steps"]


def test_a_setting_unset_in_some_runs_is_a_group_key_and_loses_no_run():
    # None (a key left unset, e.g. task.process of a file without one) is a value of its own:
    # with pandas' string arrays, astype(str) makes it missing, which grouping dropped
    import pandas as pd

    rows = [{"D": d, "config.task.n_train": d, "config.task.process": process,
             "config.seed": 0} for process in (None, "u u~ > z g") for d in (100, 300, 1000)]
    done = pd.DataFrame(rows)
    assert group_keys(done, "D") == ["config.task.process"]
    groups = sweep_groups(done, "D")
    assert [len(runs) for _, runs in groups] == [3, 3]
    assert pd.isna(groups[0][0]["config.task.process"])
    assert groups[1][0]["config.task.process"] == "u u~ > z g"


def test_model_families_group_even_where_n_tells_them_apart(tmp_path):
    # every N belongs to one family, yet the family is a representation, not part of the N point
    done = load_sweep(write_tagging_sweep(tmp_path), "test_auc_macro").done
    assert group_keys(done, "joint") == group_keys(done, "C") == ["config.model.family"]
    assert set(group_keys(done, "N")) == {"config.model.family", "config.task.n_train"}
    assert set(group_keys(done, "D")) == {"config.model.family", "config.model.width"}


def test_fit_sweep_recovers_each_process_exponent(sweep_dir):
    fits = fit_sweep(load_sweep(sweep_dir), axis="D", floor=False,
                     group_by=["config.task.process"], bootstrap=0, holdout=0)
    assert len(fits) == 2
    for g in fits:
        assert len(g.runs) == 12
        assert g.fit.params["alpha"] == pytest.approx(ALPHA[g.key["config.task.process"]],
                                                      abs=0.03)


def test_unfittable_group_reports_the_reason(sweep_dir):
    # N is constant in this D-sweep: each (process, loss, n_train) group has a single N
    fits = fit_sweep(load_sweep(sweep_dir), axis="N", bootstrap=0, holdout=0)
    assert len(fits) == 2 * 2 * 6
    assert all(g.fit is None and "needs at least 4 runs, got 1" in g.error for g in fits)


def test_missing_metric_lists_the_available_ones(sweep_dir):
    with pytest.raises(UsageError, match=r"available: .*test_mse"):
        load_sweep(sweep_dir, metric="test_accuracy")


def test_empty_directory_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no run records"):
        load_sweep(tmp_path)


def test_repeated_seeds_are_resampled_within_scale_points(tmp_path):
    sweep = write_sweep(tmp_path, seeds=2, heteroscedastic=False, bad_runs=False,
                        sizes=(100, 1000, 10000, 30000))
    fits = fit_sweep(load_sweep(sweep), floor=False, bootstrap=3, holdout=0)
    assert [len(g.runs) for g in fits] == [8, 8]
    assert all(g.fit.scheme == "stratified" for g in fits)


@pytest.fixture(scope="module")
def repetition_fits(tmp_path_factory):
    sweep = load_sweep(write_repetition_sweep(tmp_path_factory.mktemp("rep")), "val_loss")
    return sweep, fit_sweep(sweep, law="repetition", bootstrap=100, level=0.95, holdout=1)


def test_repetition_groups_are_the_models_not_the_data_or_length(repetition_fits):
    sweep, fits = repetition_fits
    # n_train and train.epochs are the swept axes; the width is a different model
    assert group_keys(sweep.done, "repetition") == ["config.model.width"]
    assert [g.key["config.model.width"] for g in fits] == [64, 128]
    assert all(len(g.runs) == len(REPETITION_U) * len(REPETITION_EPOCHS) for g in fits)


def test_fit_sweep_recovers_the_repetition_law_within_its_interval(repetition_fits):
    _, fits = repetition_fits
    for g in fits:
        truth = REPETITION[g.key["config.model.width"]]
        intervals = g.fit.intervals
        for name, value in truth.items():
            assert intervals[name].contains(value), (g.label, name, intervals[name], value)
        assert g.fit.params["r_star"] == pytest.approx(truth["r_star"], rel=0.1)
        assert g.fit.params["alpha"] == pytest.approx(truth["alpha"], abs=0.02)
        # held out: the run with the most samples seen (largest U at the most epochs)
        (row,) = g.check.rows
        assert row.scale == {"U": max(REPETITION_U), "epochs": max(REPETITION_EPOCHS)}
        assert row.ratio == pytest.approx(1.0, abs=0.05)


def test_repetition_law_needs_repeated_runs(tmp_path):
    sweep = load_sweep(write_repetition_sweep(tmp_path, epochs=(0.5, 1.0)), "val_loss")
    with pytest.raises(UsageError, match=r"repeats its data \(max epochs 1\).*train.epochs > 1"):
        fit_sweep(sweep, law="repetition", bootstrap=0, holdout=0)


def test_repetition_groups_of_a_u_by_steps_grid_are_the_representations():
    import pandas as pd

    models = [{"config.model.family": "hl_dense", "config.model.width": 64,
               "config.model.heads": None},
              {"config.model.family": "part", "config.model.width": 16, "config.model.heads": 2}]
    rows = [{**model, "D": u, "epochs": steps * 32 / u, "config.task.n_train": u,
             "config.train.steps": steps, "config.seed": 0}
            for model in models for u in (937, 1875, 3750, 7500, 15000) for steps in (117, 469)]
    assert group_keys(pd.DataFrame(rows), "repetition") == ["config.model.family"]


def test_group_labels_show_dataset_files_by_their_stem():
    fit = GroupFit(key={"config.task.dataset": "/runs/amp/data/tth.h5", "config.model.width": 64},
                   runs=None, fit=None)
    assert fit.label == "dataset=tth, width=64"
    assert GroupFit(key={"config.loss": "mse/2"}, runs=None, fit=None).label == "loss=mse/2"


@pytest.fixture(scope="module")
def generators_study_frame():
    """The runs of examples/sweeps/generators.yaml as records_frame rows (resolved config,
    D = n_train, N = the parameter count of the built generator), without training."""
    import pandas as pd

    from hepscaling.models.base import build_model
    from hepscaling.records import flat_config
    from hepscaling.sweeps.plan import expand_points, merge_point
    from hepscaling.sweeps.spec import load_spec
    from hepscaling.tasks.event_generation import EventGenerationTask
    from hepscaling.train.config import load_config

    spec = load_spec(EXAMPLES / "generators.yaml")
    rows, sizes = [], {}
    for point in expand_points(spec):
        cfg = load_config(merge_point(spec.base, point))
        inputs = EventGenerationTask.spec_from_config(cfg.task, cfg.loss)
        key = (cfg.model.model_dump_json(), cfg.task.n_jets)
        if key not in sizes:
            sizes[key] = build_model(cfg.model, inputs).n_params_scaling()
        rows.append({"N": sizes[key], "D": cfg.task.n_train,
                     **{f"config.{k}": v for k, v in flat_config(cfg.resolved()).items()}})
    return pd.DataFrame(rows)


def _scans(done, axis: str) -> dict[str, list[float]]:
    """label -> the axis values of each group of ``done`` along ``axis`` that scans it."""
    keys = group_keys(done, axis)
    out = {}
    for values, runs in done.groupby([done[k].astype(str) for k in keys]):
        if runs[axis].nunique() >= 2:
            key = dict(zip(keys, values if isinstance(values, tuple) else (values,),
                           strict=True))
            out[group_label(key)] = sorted(runs[axis].unique().tolist())
    return out


def test_the_generators_study_groups_per_family_and_multiplicity(generators_study_frame):
    frame = generators_study_frame
    assert len(frame) == 84
    cfm = frame[frame["config.model.family"] == "cfm"]
    gpt = frame[frame["config.model.family"] == "event_gpt"]
    # the premise: at one width, N differs per multiplicity (the input dimension grows)
    assert cfm[cfm["config.model.width"] == 128]["N"].nunique() == 3
    # along D: per multiplicity at width 128 (cfm) and at width 32 (event_gpt, all jets);
    # the other widths are points of the N scan only
    assert _scans(cfm, "D") == {f"n_jets={k}, width=128": [100, 320, 1000, 3200]
                                for k in ("1", "2", "3")}
    assert _scans(gpt, "D") == {"width=32, heads=2": [300, 1000, 3000, 10000]}
    # along N: per multiplicity at the N scan's D, never multiplicities mixed in one law
    cfm_n = _scans(cfm, "N")
    assert sorted(cfm_n) == [f"n_train=3200, n_jets={k}" for k in ("1", "2", "3")]
    assert all(len(n) == 4 for n in cfm_n.values())
    assert list(_scans(gpt, "N")) == ["n_train=10000"]
    assert len(_scans(gpt, "N")["n_train=10000"]) == 4
    # a metric every run records (e.g. test_nll): families and multiplicities apart
    both_d, both_n = _scans(frame, "D"), _scans(frame, "N")
    assert sorted(both_d) == [f"n_jets={k}, family=cfm, width=128, heads=4" for k in (1, 2, 3)
                              ] + ["n_jets=all, family=event_gpt, width=32, heads=2"]
    assert sorted(both_n) == ["n_train=10000, n_jets=all, family=event_gpt"] + [
        f"n_train=3200, n_jets={k}, family=cfm" for k in (1, 2, 3)]


def test_runs_at_or_below_their_floor_are_left_out_of_the_fit_and_named(tmp_path):
    from helpers.generator_sweep import write_generator_sweep

    at_floor = {(100, 128, 0): -0.004, (320, 128, 1): 0.0}
    sweep = load_sweep(write_generator_sweep(tmp_path / "s", excess_at=at_floor),
                       "test_classifier_auc_excess")
    fits = {g.label: g for g in fit_sweep(sweep, axis="D", bootstrap=0, holdout=1)}
    g = fits["width=128"]
    assert g.fit is not None and len(g.runs) == 2 * 4 - 2
    assert g.excluded == ({"D": 100.0, "value": -0.004}, {"D": 320.0, "value": 0.0})
    assert g.excluded_note == ("2 run(s) with the metric <= 0 (an excess at or below its floor) "
                               "left out of the log-space fit: D = 100 (-0.004); D = 320 (0)")
    # the fit is that of the other runs, not a silently different one
    kept = sweep.done[sweep.done[sweep.metric] > 0].reset_index(drop=True)
    alone = fit_sweep(dataclasses.replace(sweep, done=kept), axis="D", bootstrap=0, holdout=1)
    (same,) = [f for f in alone if f.label == "width=128"]
    assert g.fit.params == same.fit.params and not same.excluded
    assert all(not f.excluded for label, f in fits.items() if label != "width=128")
