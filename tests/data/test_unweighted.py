"""Unweighted partonic events: the known density |M|^2 / I, counts, reproducibility, reader."""

import h5py
import numpy as np
import pytest

from hepscaling.data.registry import dataset_model
from hepscaling.data.unweighted import (
    UnweightedDataset,
    generate_unweighted,
    read_provenance,
    read_unweighted,
)
from hepscaling.errors import UsageError
from hepscaling.physics import lorentz, matrix_element
from hepscaling.physics.phase_space import Cuts, sample
from hepscaling.physics.process import resolve_process

N = 2000
WINDOW = (86.0, 96.0)  # GeV, around the Z


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """2000 events of u u~ > mu+ mu- g at 200 GeV in two chunks (~1.5 s)."""
    return generate_unweighted(tmp_path_factory.mktemp("u") / "u.h5", N, 3, chunk_size=N // 2,
                               progress=False)


@pytest.fixture(scope="module")
def flat():
    """Weighted flat phase space inside the same cuts: |M|^2 per point (the weight is constant
    for massless particles)."""
    proc = resolve_process("u u~ > mu+ mu- g")
    points = sample(proc.masses, 2, 200_000, 200.0, np.random.default_rng(99),
                    Cuts(pt_min=20.0, delta_r_min=0.4))
    return points, matrix_element(proc)(points.momenta)


def _m_mumu(momenta):
    return lorentz.mass(momenta[:, 2] + momenta[:, 3])


def test_layout_and_provenance(made):
    arrays = read_unweighted(made)
    assert arrays["momenta"].shape == (N, 5, 4) and arrays["me2"].shape == (N,)
    made_with = read_provenance(made)
    assert made_with["process"] == "u u~ > mu+ mu- g" and made_with["n"] == N
    counts = made_with["counts"]
    assert counts["tried"] > counts["in_cuts"] > N and counts["overweight"] <= counts["in_cuts"]
    assert made_with["integral"] == pytest.approx(made_with["sum_f"] / counts["tried"])


def test_integral_matches_a_flat_estimate(made, flat):
    points, me2 = flat
    estimate = np.sum(me2 * points.weights) / points.n_tried
    assert read_provenance(made)["integral"] == pytest.approx(estimate, rel=0.05)


def test_events_follow_the_matrix_element(made, flat):
    """The fraction of unweighted events near the Z equals the |M|^2-weighted fraction of flat
    points (binomial 4 sigma)."""
    points, me2 = flat
    m_flat = _m_mumu(points.momenta)
    inside = (m_flat > WINDOW[0]) & (m_flat < WINDOW[1])
    expected = np.sum(me2[inside]) / np.sum(me2)
    m = _m_mumu(read_unweighted(made)["momenta"])
    got = np.mean((m > WINDOW[0]) & (m < WINDOW[1]))
    assert abs(got - expected) < 4 * np.sqrt(expected * (1 - expected) / N)
    assert expected > 3 * np.mean(inside)  # the Z peak: not flat


def test_same_seed_same_file_whatever_the_workers(made, tmp_path):
    again = generate_unweighted(tmp_path / "again.h5", N, 3, chunk_size=N // 2, workers=2,
                                progress=False)
    with h5py.File(made) as f, h5py.File(again) as g:
        assert all(np.array_equal(f[k][()], g[k][()]) for k in ("momenta", "me2"))
        assert dict(f.attrs) == dict(g.attrs)


def test_registered_kind_accepts_its_file(made):
    assert dataset_model("unweighted") is UnweightedDataset
    spec = UnweightedDataset(kind="unweighted", n=N, seed=3, chunk_size=N // 2, path=str(made))
    assert spec.make(made) == made


def test_reader_rejects_bad_me2_and_off_shell_momenta(made, tmp_path):
    def rewrite(name, **arrays):
        path = tmp_path / name
        with h5py.File(made) as f, h5py.File(path, "w") as g:
            for key in ("momenta", "me2"):
                g[key] = arrays.get(key, f[key][()])
            g.attrs.update(dict(f.attrs))
        return path

    me2 = read_unweighted(made)["me2"]
    me2[5] = np.nan
    with pytest.raises(UsageError, match="me2 must be finite and positive"):
        read_unweighted(rewrite("nan.h5", me2=me2))
    momenta = read_unweighted(made)["momenta"]
    momenta[4, 2, 0] += 1.0
    with pytest.raises(UsageError, match="particle 2 of event 4 is off its mass shell"):
        read_unweighted(rewrite("shell.h5", momenta=momenta))
