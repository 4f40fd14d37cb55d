"""One chunk of Z -> mu mu + jets events: exact count, physics of the sample, the counts."""

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.physics import lorentz
from hepscaling.physics.events import COUNTS, DrellYanSpec, generate_chunk

MZ = 91.1876  # GeV


@pytest.fixture(scope="module")
def chunk():
    """~2500 Drell-Yan events (about 1.5 s): 600 kept."""
    return generate_chunk(DrellYanSpec(), 600, 2024)


def test_exactly_n_events_in_the_layout(chunk):
    assert chunk["momenta"].shape == (600, 5, 4) and chunk["momenta"].dtype == np.float64
    assert chunk["n_jets"].shape == (600,) and chunk["n_jets"].dtype == np.int64
    assert set(np.unique(chunk["n_jets"])) <= {1, 2, 3}
    assert chunk["counts"].shape == (len(COUNTS),)


def test_counts_add_up_to_the_kept_events(chunk):
    counts = dict(zip(COUNTS, chunk["counts"].tolist(), strict=True))
    passed = sum(value for key, value in counts.items() if key.startswith("jets_"))
    assert counts["generated"] == counts["vetoed"] + passed
    kept = np.bincount(chunk["n_jets"], minlength=4)
    assert [counts["jets_1"], counts["jets_2"], counts["jets_3"]] == kept[1:].tolist()


def test_dimuon_mass_peaks_at_the_z_inside_the_window(chunk):
    p = chunk["momenta"]
    m = lorentz.mass(p[:, 0] + p[:, 1])
    assert m.min() > 66 and m.max() < 116
    histogram, edges = np.histogram(m, bins=np.arange(66, 117, 2.0))
    assert abs(edges[np.argmax(histogram)] + 1 - MZ) < 2
    assert abs(np.median(m) - MZ) < 1.5


def test_jets_are_hard_ordered_and_isolated(chunk):
    p, n_jets = chunk["momenta"], chunk["n_jets"]
    present = np.arange(5) < 2 + n_jets[:, None]
    pt = lorentz.pt(p[:, 2:])
    assert (pt[present[:, 2:]] > 20).all() and (p[~present] == 0).all()
    assert (np.diff(pt, axis=1) <= 0).all()
    dr = lorentz.delta_r(p[:, :, None], p[:, None, :])
    pair = present[:, :, None] & present[:, None, :] & ~np.eye(5, dtype=bool)
    assert dr[pair].min() >= 0.4


def test_multiplicity_fractions_per_drell_yan_event(chunk):
    """Measured on 1e5 events (QED off the muons): 18.5% / 4.4% / 0.93%; the issue's
    19.5 / 4.8 / 1.1% are with QED radiation. Binomial 4-sigma windows at ~2500 events."""
    counts = dict(zip(COUNTS, chunk["counts"].tolist(), strict=True))
    fraction = {k: counts[f"jets_{k}"] / counts["generated"] for k in (1, 2, 3)}
    assert 0.15 < fraction[1] < 0.225
    assert 0.027 < fraction[2] < 0.065
    assert 0.002 < fraction[3] < 0.02
    assert counts["jets_0"] / counts["generated"] > 0.7


def test_same_seed_same_events_other_seed_other_events():
    a, b = generate_chunk(DrellYanSpec(), 20, 7), generate_chunk(DrellYanSpec(), 20, 7)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["momenta"], generate_chunk(DrellYanSpec(), 20, 8)["momenta"])


def test_no_events_is_a_usage_error():
    with pytest.raises(UsageError, match="must be positive, got 0"):
        generate_chunk(DrellYanSpec(), 0, 1)
