"""The example sweep specs and cluster configs load, plan and build their job scripts."""

from pathlib import Path

import pytest

from hepscaling.sweeps import load_spec, make_plan
from hepscaling.sweeps.dask_executor import jobqueue_cluster
from hepscaling.sweeps.plan import dataset_path
from hepscaling.sweeps.spec import IsoFlopSpec

EXAMPLES = Path(__file__).parents[2] / "examples"
SPECS = sorted(EXAMPLES.glob("sweeps/**/*.yaml")) + sorted(EXAMPLES.glob("cluster/*.yaml"))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_specs_plan(path, tmp_path):
    spec = load_spec(path)
    datasets = {}
    for name, ds in spec.datasets.items():  # same dataset, few events: enough to count FLOPs
        small = ds.model_copy(update={"n": 10, "path": None})
        made = small.generate(dataset_path(tmp_path, name), progress=False)
        # a dataset made elsewhere (path:) is checked, then its path is planned
        datasets[name] = small.model_copy(update={"path": str(made)}) if ds.path else small
        assert datasets[name].make(made) == made
    plan = make_plan(spec.model_copy(update={"datasets": datasets}), tmp_path)
    assert len(plan.runs) >= 4
    if spec.mode == "isoflop":
        assert {run.budget for run in plan.runs} == set(spec.isoflop.budgets)


@pytest.mark.parametrize(("name", "directive"), [("slurm", "#SBATCH"), ("htcondor", "Request")])
def test_cluster_sections_make_job_scripts(name, directive):
    spec = load_spec(EXAMPLES / "cluster" / f"{name}.yaml")
    with jobqueue_cluster(spec.cluster) as cluster:
        script = cluster.job_script()
    assert directive in script and "source /path/to/hepscaling/.venv/bin/activate" in script


def test_the_repetition_study_names_the_jets_of_the_tagging_study():
    tagging = load_spec(EXAMPLES / "sweeps" / "jets_tagging.yaml").datasets["qcdw"]
    repetition = load_spec(EXAMPLES / "sweeps" / "jets_repetition.yaml").datasets["qcdw"]
    assert repetition.model_copy(update={"path": None}) == tagging  # same settings
    # where `make jets-study` (JETS := jets-study) runs jets_tagging.yaml
    assert Path(repetition.path).resolve() == (
        EXAMPLES.parent / "jets-study" / "tagging" / "data" / "qcdw.h5").resolve()
    makefile = (EXAMPLES.parent / "Makefile").read_text()
    assert "JETS := jets-study" in makefile
    assert "jets_tagging.yaml --out $(JETS)/tagging" in makefile


AMPLITUDES = EXAMPLES / "sweeps" / "amplitudes"


@pytest.mark.parametrize("path", sorted(AMPLITUDES.glob("*.yaml")), ids=lambda p: p.stem)
def test_amplitude_study_specs_scale_with_one_knob(path):
    # the scale knob grows what it names and nothing else; run ids of another scale differ
    base, grown = load_spec(path), load_spec(path, ["scale.factor=4"])
    assert base.scale is not None and base.scale.factor == 1 and grown.scale.factor == 4
    exponents = base.scale.exponents
    if "train.steps" in exponents and "train.steps" in base.axes:
        assert grown.axes["train.steps"] == [4 * s for s in base.axes["train.steps"]]
    elif "train.steps" in exponents:
        assert grown.base["train"]["steps"] == 4 * base.base["train"]["steps"]
    if "task.n_train" in exponents and "task.n_train" in base.axes:
        assert grown.axes["task.n_train"] == [4 * d for d in base.axes["task.n_train"]]
    if "datasets.n" in exponents:
        assert all(grown.datasets[k].n == 4 * ds.n for k, ds in base.datasets.items())
    if "isoflop.budgets" in exponents:
        assert grown.isoflop.budgets == [16 * c for c in base.isoflop.budgets]
    for key in ("min_steps", "max_steps"):
        if f"isoflop.{key}" in exponents:
            assert getattr(grown.isoflop, key) == 4 * getattr(base.isoflop, key)
    assert grown.base["task"]["kind"] == base.base["task"]["kind"]  # untouched keys stay


def test_the_isoflop_study_keeps_the_runs_of_its_narrower_first_version(tmp_path):
    # widening the ladder (widths 8 ... 1024, budgets from 1e10, max_steps) plans 25 runs and
    # keeps the run ids of the first version's 14, so its finished runs are reused
    spec = load_spec(AMPLITUDES / "isoflop.yaml")
    datasets = {name: ds.model_copy(update={"n": 10}) for name, ds in spec.datasets.items()}
    for name, ds in datasets.items():
        ds.generate(dataset_path(tmp_path, name), progress=False)
    spec = spec.model_copy(update={"datasets": datasets})
    first = spec.model_copy(update={
        "isoflop": IsoFlopSpec(budgets=[1e11, 3e11, 1e12, 3e12], min_steps=300),
        "axes": {"model.width": [64, 128, 256, 512, 1024]}})
    now, before = make_plan(spec, tmp_path), make_plan(first, tmp_path)
    assert (len(now.runs), len(before.runs)) == (25, 14)
    assert {r.run_id for r in before.runs} < {r.run_id for r in now.runs}
    reasons = {d["reason"].split(" = ")[0] for d in now.skipped}
    assert reasons == {"fewer than isoflop.min_steps", "more than isoflop.max_steps"}


def test_every_amplitude_part_has_a_make_target():
    makefile = (EXAMPLES.parent / "Makefile").read_text()
    for path in AMPLITUDES.glob("*.yaml"):
        assert f"$(AMP_SPECS)/{path.name} --out $(AMP)/{path.stem}" in makefile


def test_the_generator_study_spans_its_scales():
    # issue 13: D over >= 1.5 decades per multiplicity, >= 1 decade of widths at the largest D,
    # 3 seeds, every cfm multiplicity and event_gpt with n_jets: all; one seed block each
    from hepscaling.sweeps.plan import expand_points

    spec = load_spec(EXAMPLES / "sweeps" / "generators.yaml")
    points = expand_points(spec)
    scans: dict = {}
    for p in points:
        key = (p["model"]["family"], p["task.n_jets"])
        scans.setdefault(key, []).append((p["task.n_train"], p["model"]["width"], p["seed"]))
        assert p["task.sample_seed"] == p["seed"]
    assert set(scans) == {("cfm", 1), ("cfm", 2), ("cfm", 3), ("event_gpt", "all")}
    for runs in scans.values():
        d = [d for d, _, _ in runs]
        widths = {w for dd, w, _ in runs if dd == max(d)}
        assert max(d) / min(d) >= 10**1.5 and max(widths) / min(widths) >= 10
        assert {s for _, _, s in runs} == {0, 1, 2} and len(runs) == len(set(runs))
        for point in {(dd, w) for dd, w, _ in runs}:   # every (D, width) with every seed
            assert {s for dd, w, s in runs if (dd, w) == point} == {0, 1, 2}, point
