"""Run-config validation: defaults, dotted-key errors, exactly one run length, YAML, overrides."""

import pytest

from hepscaling.configs import preset_path
from hepscaling.errors import UsageError
from hepscaling.records import config_hash
from hepscaling.train.config import RunConfig, apply_overrides, load_config, run_id
from hepscaling.train.identity import identity_config

BASE = {"task": {"kind": "amplitude_regression", "dataset": "x.h5"},
        "model": {"family": "mlp"}, "train": {"steps": 10}}


def _with(section: str, **values) -> dict:
    return {**BASE, section: {**BASE[section], **values}}


def test_defaults_are_filled_and_hash_is_the_run_id():
    cfg = load_config(BASE)
    resolved = cfg.resolved()
    assert resolved["train"]["lr"] == 1e-3 and resolved["model"]["width"] == 128
    assert resolved["task"]["n_val"] == 2000 and resolved["loss"] == "mse"
    # the identity: the resolved config less the keys added later at their default
    assert run_id(BASE) == config_hash(identity_config(resolved))
    assert "schedule_scale" not in identity_config(resolved)["train"]
    assert load_config(resolved) == cfg  # the resolved dict is a valid config of itself


@pytest.mark.parametrize(("config", "key"), [
    ({**BASE, "sed": 1}, "sed"),
    (_with("model", widht=3), "model.widht"),
    (_with("model", width="wide"), "model.width"),
    (_with("model", family="mpl"), "model.family"),
    (_with("task", n_train=1.5), "task.n_train"),
    (_with("task", dataset=None), "task.dataset"),
    (_with("train", lr="fast"), "train.lr"),
    (_with("train", schedule="linear"), "train.schedule"),
    ({**BASE, "device": "tpu"}, "device"),
    ({k: v for k, v in BASE.items() if k != "model"}, "model"),
])
def test_errors_name_the_key(config, key):
    with pytest.raises(UsageError) as err:
        load_config(config)
    message = str(err.value)
    assert f": {key}: " in message and "\n" not in message


def test_loss_must_fit_the_task():
    with pytest.raises(UsageError, match="loss: 'cross_entropy' does not fit task kind "
                                         "'amplitude_regression'; choose one of mse, "):
        load_config({**BASE, "loss": "cross_entropy"})


def test_exactly_one_run_length():
    for train in ({"steps": 10, "epochs": 2}, {"steps": None}, {"epochs": 1, "flops": 1e9}):
        with pytest.raises(UsageError, match=r"exactly one of train\.steps"):
            load_config({**BASE, "train": train})
    assert load_config({**BASE, "train": {"flops": 1e12}}).train.flops == 1e12


def test_config_is_frozen():
    cfg = load_config(BASE)
    with pytest.raises(ValueError, match="frozen"):
        cfg.train.lr = 1.0  # type: ignore[misc]


def test_yaml_file_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: [unclosed\n")
    with pytest.raises(UsageError, match=r"invalid YAML at line \d"):
        load_config(bad)
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n- 2\n")
    with pytest.raises(UsageError, match="expected a YAML mapping"):
        load_config(listing)
    with pytest.raises(UsageError, match="not found"):
        load_config(tmp_path / "missing.yaml")


def test_preset_loads_and_overrides_apply():
    cfg = load_config(preset_path("amplitudes_mlp"), ["model.width=256", "train.lr=3e-4",
                                                      "task.dataset=tth.h5"])
    assert isinstance(cfg, RunConfig)
    assert cfg.model.width == 256 and cfg.train.lr == 3e-4 and cfg.task.dataset == "tth.h5"
    assert apply_overrides({"a": {"b": 1}}, ["a.c=[1, 2]"]) == {"a": {"b": 1, "c": [1, 2]}}
    with pytest.raises(UsageError, match="KEY=VALUE"):
        apply_overrides({}, ["train.lr"])
    with pytest.raises(UsageError, match="not a section"):
        apply_overrides({"seed": 0}, ["seed.x=1"])


def test_default_warmup_is_a_tenth_of_a_short_run():
    assert load_config(BASE).train.warmup_steps == 1
    assert load_config(_with("train", steps=5000)).train.warmup_steps == 100
    assert load_config(_with("train", steps=None, epochs=2)).train.warmup_steps == 100


def test_warmup_as_long_as_the_run_is_refused():
    with pytest.raises(UsageError, match=r"train.warmup_steps \(100\) must be below "
                                         r"train.steps \(50\).*train.warmup_steps=5"):
        load_config(_with("train", steps=50, warmup_steps=100))


@pytest.mark.parametrize(("config", "suggestion"), [
    ({key: value for key, value in {**BASE, "trian": BASE["train"]}.items() if key != "train"},
     "'train'"),
    (_with("train", stpes=3), "'train.steps'"),
    (_with("model", widht=3), "'width'"),
])
def test_unknown_key_offers_the_closest_valid_key(config, suggestion):
    with pytest.raises(UsageError, match=f"unknown key; did you mean {suggestion}"):
        load_config(config)


@pytest.mark.parametrize(("overrides", "named"), [
    (["train.stpes=3"], "--set train.stpes=3: train.stpes"),
    (["trian.steps=3"], "--set trian.steps=3: trian"),
    (["train.lr=1e-3", "train.steps=50", "train.warmup_steps=100"],
     "--set train.warmup_steps=100"),
])
def test_a_bad_override_is_named_instead_of_the_file(overrides, named):
    with pytest.raises(UsageError) as err:
        load_config(preset_path("amplitudes_mlp"), overrides)
    assert str(err.value).startswith(named), err.value
