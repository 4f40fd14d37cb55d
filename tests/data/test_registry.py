"""The dataset registry: kinds and their settings models, and files made elsewhere used by path
(provenance match, mismatch, missing or foreign file)."""

import pytest

from hepscaling.data.amplitudes import AmplitudeDataset
from hepscaling.data.events import ZmumuDataset
from hepscaling.data.jets import JetDataset
from hepscaling.data.registry import (
    DATASET_MODULES,
    DatasetFile,
    dataset_kinds,
    dataset_model,
    dataset_models,
)
from hepscaling.data.unweighted import UnweightedDataset
from hepscaling.errors import UsageError

EE = {"process": "e+ e- > mu+ mu-", "n": 200, "sqrt_s": 91.0, "seed": 1}


@pytest.fixture(scope="module")
def ee_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("shared") / "ee.h5"
    return AmplitudeDataset(**EE).generate(path, progress=False)


def test_every_module_kind_is_registered_with_its_model():
    assert dataset_kinds()[0] == "amplitudes" and set(dataset_kinds()) == set(DATASET_MODULES)
    assert dataset_models() == {"amplitudes": AmplitudeDataset, "jets": JetDataset,
                                "unweighted": UnweightedDataset, "zmumu": ZmumuDataset}
    with pytest.raises(UsageError, match="unknown dataset kind 'jet'; choose one of "
                                         "amplitudes, jets"):
        dataset_model("jet")


def test_keys_list_the_kind_s_own_settings_first():
    assert AmplitudeDataset.keys() == ["process", "n", "sqrt_s", "seed", "cuts", "kind", "path"]
    assert JetDataset.keys()[:2] == ["classes", "n"] and JetDataset.keys()[-1] == "path"


def test_a_file_made_with_the_settings_is_used_as_is(ee_file):
    before = ee_file.read_bytes()
    spec = AmplitudeDataset(**EE, path=str(ee_file))
    assert spec.make(ee_file.parent / "unused.h5", progress=False) == ee_file
    assert ee_file.read_bytes() == before
    assert sorted(p.name for p in ee_file.parent.iterdir()) == ["ee.h5"]


@pytest.mark.parametrize(("change", "message"), [
    ({"seed": 2}, "was made with seed = 1, but the settings ask for 2"),
    ({"n": 300, "seed": 2}, "was made with n = 200, but the settings ask for 300"),
    ({"cuts": {"pt_min": 5.0}}, "was made with cuts = {"),
    ({"process": "e+ e- > e+ e-"}, "was made with process = 'e+ e- > mu+ mu-', but the "
                                   "settings ask for 'e+ e- > e+ e-'"),
])
def test_other_settings_name_the_first_differing_key(ee_file, change, message):
    with pytest.raises(UsageError) as info:
        AmplitudeDataset(**{**EE, **change}).check(ee_file)
    text = str(info.value)
    assert text.startswith(f"{ee_file} {message}") and "\n" not in text
    assert text.endswith("change the settings to the file's, or drop path: to generate the "
                         "dataset with these settings")


def test_missing_and_foreign_files_are_one_line_errors(ee_file, tmp_path):
    with pytest.raises(UsageError, match=r"^amplitude file not found: .*missing.h5 \(check "
                                         r"path:, make the file first"):
        AmplitudeDataset(**EE).check(tmp_path / "missing.h5")
    jets = JetDataset(kind="jets", classes="qcd,w", n=100)
    with pytest.raises(UsageError, match="is not a hepscaling jet file"):
        jets.check(ee_file)
    (tmp_path / "notes.h5").write_text("not hdf5")
    with pytest.raises(UsageError, match="is not a hepscaling amplitude file"):
        AmplitudeDataset(**EE).check(tmp_path / "notes.h5")


def test_a_file_alone_is_checked_by_its_kind_s_reader(ee_file, tmp_path):
    assert DatasetFile(path=str(ee_file)).make(tmp_path / "unused.h5") == ee_file
    with pytest.raises(UsageError, match="is not a hepscaling jet file"):
        DatasetFile(path=str(ee_file), kind="jets").make(tmp_path / "unused.h5")
    with pytest.raises(UsageError, match=r"^jet file not found: "):
        DatasetFile(path=str(tmp_path / "missing.h5"), kind="jets").make(tmp_path / "x.h5")
