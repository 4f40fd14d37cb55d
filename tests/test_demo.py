"""The demo pipeline end to end on tiny sizes: data -> sweep -> fits -> report, then a resume."""

import math

import pytest
import yaml

from hepscaling.demo import DEMO_DATASETS, DemoSettings, demo_spec, run_demo
from hepscaling.sweeps import parse_spec

TINY = DemoSettings(d_values=(100, 200, 300, 400), seeds=(0,), n_val=200, n_test=400, width=16,
                    depth=2, batch_size=32, epochs=10, min_steps=150, eval_every=50)


def test_spec_couples_training_length_to_d():
    settings = DemoSettings()
    spec = demo_spec(settings)
    axes = spec["axes"]
    n_runs = len(DEMO_DATASETS) * len(settings.d_values) * len(settings.seeds)
    assert all(len(values) == n_runs for values in axes.values())
    steps = dict(zip(axes["task.n_train"], axes["train.steps"], strict=True))
    assert steps[max(settings.d_values)] == math.ceil(
        settings.epochs * max(settings.d_values) / settings.batch_size)
    assert min(steps.values()) == settings.min_steps
    assert sorted(steps.values()) == [steps[d] for d in sorted(steps)]
    parse_spec(spec)  # the spec is valid


@pytest.fixture(scope="module")
def tiny_demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, run_demo(out, settings=TINY, workers=2, bootstrap=20, progress=False)


def test_demo_runs_fits_and_reports(tiny_demo):
    out, result = tiny_demo
    n_runs = len(DEMO_DATASETS) * len(TINY.d_values) * len(TINY.seeds)
    assert result.sweep.counts["done"] == n_runs
    fits = result.report.fits["D"]
    assert len(fits) == len(DEMO_DATASETS)
    for group in fits:
        assert group.fit is not None, group.error
        assert math.isfinite(group.fit.params["alpha"])
    assert result.report.index.is_file()
    assert all(path.stat().st_size > 0 for path in result.report.figures)
    saved = yaml.safe_load((out / "demo_sweep.yaml").read_text())
    assert saved == demo_spec(TINY)


def test_demo_resumes_without_rerunning(tiny_demo):
    out, first = tiny_demo
    again = run_demo(out, settings=TINY, workers=2, bootstrap=20, progress=False)
    assert again.sweep.ran == 0
    assert again.sweep.counts == first.sweep.counts
