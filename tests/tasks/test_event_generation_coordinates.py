"""task.coordinates of event_generation: the dimuon system trains, samples and is recorded; the
default keeps the run ids of configs written before the key existed; bad values fail in one
line."""

import math
import typing

import h5py
import numpy as np
import pytest
import torch

from helpers.zmumu_files import write_toy_zmumu
from hepscaling.cli.sample import sample_run
from hepscaling.data.event_coordinates import SYSTEMS
from hepscaling.errors import UsageError
from hepscaling.physics import lorentz
from hepscaling.tasks.base import build_task
from hepscaling.tasks.event_generation import EventGenerationConfig
from hepscaling.train.config import load_config, run_id
from hepscaling.train.loop import run_training


@pytest.fixture(scope="module")
def zmumu(tmp_path_factory):
    return write_toy_zmumu(tmp_path_factory.mktemp("z") / "z.h5", 2500, seed=5)


def _config(dataset, **task):
    return {"seed": 0, "device": "cpu", "loss": "generative",
            "task": {"kind": "event_generation", "dataset": dataset, "n_jets": 1,
                     "n_train": 800, "n_val": 100, "n_test": 300, "n_nll": 50,
                     "n_samples": 300, "classifier_epochs": 2, **task},
            "model": {"family": "cfm", "width": 32, "depth": 1, "steps": 4},
            "train": {"steps": 40, "batch_size": 128, "eval_every": 20, "lr": 3e-3}}


def test_config_systems_are_the_coordinate_systems():
    field = EventGenerationConfig.model_fields["coordinates"]
    assert typing.get_args(field.annotation) == SYSTEMS and field.default == "objects"


def test_the_default_keeps_earlier_run_ids(zmumu):
    before = _config(zmumu)  # a config written before task.coordinates existed
    resolved = load_config(before).resolved()
    assert "coordinates" not in resolved["task"]
    assert run_id(_config(zmumu, coordinates="objects")) == run_id(before)
    assert run_id(_config(zmumu, coordinates="dimuon")) != run_id(before)


def test_dimuon_coordinates_train_sample_and_are_recorded(zmumu, tmp_path):
    cfg = load_config(_config(zmumu, coordinates="dimuon"))
    task = build_task(cfg.task, loss=cfg.loss, input_kind="events", device=torch.device("cpu"))
    assert task.coordinates.system == "dimuon"
    assert task.coordinates.names[0] == "asinh_m_mumu"
    assert task.inputs_spec.periodic == tuple(bool(p) for p in task.coordinates.periodic)
    assert task.inputs_spec.coordinate_objects[:5] == (0, 0, 0, 1, 1)

    record = run_training(_config(zmumu, coordinates="dimuon"), tmp_path / "run",
                          progress=False)
    assert record.status == "done" and record.config["task"]["coordinates"] == "dimuon"
    m = record.metrics
    assert math.isfinite(m["test_nll"]) and m["test_nll_error"] > 0
    assert 0 < m["test_frac_usable"] <= 1 and 0.4 < m["test_classifier_auc"] <= 1
    assert "test_generated_m_mumu" in record.histograms

    provenance = sample_run(tmp_path / "run", 200, tmp_path / "gen.h5", seed=1)
    assert provenance["run_id"] == record.run_id
    with h5py.File(tmp_path / "gen.h5") as f:
        momenta = f["momenta"][:]
    assert 0 < len(momenta) <= 200
    mass = lorentz.mass(momenta[:, 0] + momenta[:, 1])
    assert np.isfinite(mass).all() and (mass >= 2 * 0.1056).all()


def test_unknown_system_is_a_one_line_error(zmumu):
    expected = r"task\.coordinates: Input should be 'objects' or 'dimuon' \(got 'cartesian'\)"
    with pytest.raises(UsageError, match=expected) as info:
        load_config(_config(zmumu, coordinates="cartesian"))
    assert "\n" not in str(info.value)
