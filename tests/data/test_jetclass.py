"""JetClass ROOT reader: a file written in JetClass's schema reads back to our jet format."""

import numpy as np
import pytest

from helpers.jet_samples import jet_sample
from helpers.jetclass_files import write_jetclass
from hepscaling.data.jetclass import read_jetclass
from hepscaling.data.jets import AUX_FEATURES, FIELDS
from hepscaling.errors import UsageError


def jets(n=12):
    """``n`` W and ``n`` QCD jets from the shared generated samples, concatenated."""
    w, qcd = jet_sample("w"), jet_sample("qcd")
    return {k: np.concatenate([w[k][:n], qcd[k][:n]]) for k in FIELDS}


def test_round_trip_recomputes_the_derived_features(tmp_path):
    original = jets()
    write_jetclass(tmp_path / "a.root", original)
    back = read_jetclass(tmp_path / "a.root")
    assert set(back) == set(FIELDS)
    for name in FIELDS:
        assert back[name].dtype == original[name].dtype, name
        assert back[name].shape == original[name].shape, name
        # part_logptrel & co. are recomputed from px, py, E with JetClass's formulas: they agree
        # with the generator's own values up to float32 rounding
        np.testing.assert_allclose(back[name], original[name], rtol=2e-5, atol=2e-5,
                                   err_msg=name)


def test_truncation_and_several_files(tmp_path):
    original = jets(5)
    write_jetclass(tmp_path / "a.root", original)
    write_jetclass(tmp_path / "b.root", original, drop=AUX_FEATURES)
    back = read_jetclass([tmp_path / "a.root", tmp_path / "b.root"], max_particles=16)
    assert back["part_px"].shape == (20, 16)
    np.testing.assert_array_equal(back["part_px"][:10], original["part_px"][:, :16])
    assert np.all(back["part_mask"].sum(axis=1) == 16)
    assert np.all(back["aux_genpart_pt"][10:] == 0)  # files without aux_* read as zeros
    np.testing.assert_array_equal(back["label"], np.tile(original["label"], 2))
    assert read_jetclass(tmp_path / "a.root", max_jets=3)["label"].size == 3


def test_damaged_or_foreign_files_are_usage_errors(tmp_path):
    original = jets(3)
    write_jetclass(tmp_path / "nopt.root", original, drop=("jet_pt",))
    write_jetclass(tmp_path / "events.root", original, tree="Events")
    two_hot = {**original, "label_Hbb": np.ones(6, dtype=bool)}
    write_jetclass(tmp_path / "labels.root", two_hot)
    (tmp_path / "text.root").write_text("not ROOT")
    cases = {"nopt.root": "lacks branch", "events.root": "no TTree 'tree'",
             "labels.root": "exactly one label", "text.root": "cannot read",
             "missing.root": "not found"}
    for name, fragment in cases.items():
        with pytest.raises(UsageError, match=fragment) as info:
            read_jetclass(tmp_path / name)
        assert "\n" not in str(info.value)
    with pytest.raises(UsageError, match="no JetClass file"):
        read_jetclass([])
