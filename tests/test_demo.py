"""The demo pipeline end to end on tiny sizes: data -> sweep -> fits -> report, then a resume."""

import math

import pytest
import yaml

from hepscaling.demo import DEMO_DATASETS, DEMO_METRIC, DemoSettings, demo_spec, run_demo
from hepscaling.errors import UsageError
from hepscaling.sweeps import parse_spec

TINY = DemoSettings(d_values=(100, 200, 300, 400), seeds=(0,), n_val=200, n_test=400, width=16,
                    depth=2, batch_size=32, steps=150, eval_every=50)


def test_spec_trains_every_d_for_the_same_steps():
    settings = DemoSettings()
    spec = demo_spec(settings)
    axes = spec["axes"]
    n_runs = len(DEMO_DATASETS) * len(settings.d_values) * len(settings.seeds)
    assert all(len(values) == n_runs for values in axes.values())
    assert "train.steps" not in axes and spec["base"]["train"]["steps"] == settings.steps
    parse_spec(spec)  # the spec is valid


def test_spec_takes_other_processes():
    spec = demo_spec(DemoSettings(), ["u u~ > t t~ h", "g g > t t~ g"])
    assert spec["datasets"]["tth"] == {**DEMO_DATASETS["tth"], "n": spec["datasets"]["tth"]["n"]}
    other = spec["datasets"]["g_g_to_t_tx_g"]
    assert other["process"] == "g g > t t~ g" and other["cuts"]["pt_min"] == 20.0
    assert set(spec["axes"]["task.process"]) == {"u u~ > t t~ h", "g g > t t~ g"}
    parse_spec(spec)
    with pytest.raises(UsageError, match="given twice"):
        demo_spec(DemoSettings(), ["g g > t t~ g", "g g > t t~ g"])
    with pytest.raises(UsageError):
        demo_spec(DemoSettings(), ["u u~ > nonsense"])


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
    assert f"metric: {DEMO_METRIC}" in result.report.index.read_text()
    assert result.report.index.is_file()
    assert all(path.stat().st_size > 0 for path in result.report.figures)
    saved = yaml.safe_load((out / "demo_sweep.yaml").read_text())
    assert saved == demo_spec(TINY)


def test_demo_resumes_without_rerunning(tiny_demo):
    out, first = tiny_demo
    again = run_demo(out, settings=TINY, workers=2, bootstrap=20, progress=False)
    assert again.sweep.ran == 0
    assert again.sweep.counts == first.sweep.counts
