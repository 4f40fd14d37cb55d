"""The process of a group of runs: from its config, else from its dataset's provenance."""

import json

import h5py
import numpy as np
import pandas as pd

from hepscaling.report.processes import process_of


def test_process_from_config_or_dataset_provenance(tmp_path):
    path = tmp_path / "tth.h5"
    with h5py.File(path, "w") as f:
        f.attrs["provenance"] = json.dumps({"process": "u u~ > t t~ h"})
        f["me2"] = np.ones(3)
    assert process_of(pd.DataFrame({"config.task.dataset": [str(path)] * 2})) == "u u~ > t t~ h"
    assert process_of(pd.DataFrame({"config.task.process": ["g g > g g"],
                                    "config.task.dataset": [str(path)]})) == "g g > g g"
    assert process_of(pd.DataFrame({"config.task.dataset": [str(tmp_path / "missing.h5")]})) \
        is None
    two = pd.DataFrame({"config.task.dataset": [str(path), str(tmp_path / "other.h5")]})
    assert process_of(two) is None
    assert process_of(pd.DataFrame({"config.task.kind": ["jet_tagging"]})) is None
