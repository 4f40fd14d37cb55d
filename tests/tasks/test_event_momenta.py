"""The per-object momentum layout of the event_generation task and the four-momenta the cfm
lgatr backbone sees, against the numpy coordinate inverse; the dimuon system's one-line error."""

import numpy as np
import pytest
import torch

from helpers.zmumu_files import write_toy_zmumu
from hepscaling.errors import UsageError
from hepscaling.models.base import build_model
from hepscaling.models.object_momenta import ObjectMomentumMap
from hepscaling.physics import lorentz
from hepscaling.tasks.base import build_task
from hepscaling.train.config import load_config
from hepscaling.train.flops import training_flops_per_sample

LGATR = {"family": "cfm", "backbone": "lgatr", "width": 8, "depth": 1, "heads": 2, "steps": 2}


@pytest.fixture(scope="module")
def zmumu(tmp_path_factory):
    return write_toy_zmumu(tmp_path_factory.mktemp("z") / "z.h5", 3000, seed=4)


def _config(dataset, **task):
    return {"seed": 0, "device": "cpu", "loss": "generative",
            "task": {"kind": "event_generation", "dataset": dataset, "n_train": 100,
                     "n_val": 20, "n_test": 50, **task},
            "model": LGATR, "train": {"steps": 1}}


def _task(dataset, **task):
    cfg = load_config(_config(dataset, **task))
    return cfg, build_task(cfg.task, loss=cfg.loss, input_kind="events",
                           device=torch.device("cpu"))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_the_backbone_sees_the_numpy_inverse_of_the_coordinates(zmumu, k):
    cfg, task = _task(zmumu, n_jets=k)
    layout = task.inputs_spec.object_momenta
    train = task.momenta["train"][:, :2 + k]
    assert layout.unit == pytest.approx(np.std(train))  # fitted, not the identity
    y = task.maps.encode(task.momenta["test"], task.n_jets["test"])  # float64 (50, d)
    phi_ref = lorentz.phi(task.momenta["test"][:, 0])  # the mu+ azimuth
    expected = task.coordinates.decode(y, np.zeros(len(y)))[:, :2 + k] / layout.unit
    torch.manual_seed(0)
    model = build_model(cfg.model, task.inputs_spec)
    seen = model.momenta(torch.tensor(y, dtype=torch.float32))
    assert seen.shape == (50, 2 + k, 4)
    np.testing.assert_allclose(seen.numpy(), expected, rtol=1e-5, atol=1e-5)
    exact = ObjectMomentumMap(layout)(torch.tensor(y))
    np.testing.assert_allclose(exact.numpy(), expected, rtol=1e-12, atol=1e-12)
    # and they are the true momenta, rotated about the beam so that the mu+ has azimuth 0
    c, s = np.cos(phi_ref)[:, None], np.sin(phi_ref)[:, None]
    truth = task.momenta["test"][:, :2 + k].copy()
    truth[..., 1], truth[..., 2] = c * truth[..., 1] + s * truth[..., 2], \
        -s * truth[..., 1] + c * truth[..., 2]
    np.testing.assert_allclose(exact.numpy() * layout.unit, truth, rtol=1e-9, atol=1e-6)

def test_dimuon_coordinates_with_the_lgatr_backbone_are_refused_when_the_config_loads(zmumu):
    dimuon = _config(zmumu, coordinates="dimuon")
    message = ("model.backbone: lgatr needs each object's four-momentum, which "
               "task.coordinates: dimuon does not give; set task.coordinates: objects or "
               "model.backbone: transformer")
    with pytest.raises(UsageError) as info:
        load_config(dimuon)
    assert str(info.value) == f"invalid config: {message}"
    with pytest.raises(UsageError, match=message):  # so the FLOP count from the config too
        training_flops_per_sample(dimuon)
    assert training_flops_per_sample(_config(zmumu)) > 0
    load_config({**dimuon, "model": {**LGATR, "backbone": "transformer"}})  # the fix loads
