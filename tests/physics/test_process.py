"""Process parsing: particles, masses, coupling orders and conservation checks."""

from __future__ import annotations

import numpy as np
import pytest

from hepscaling.errors import UsageError
from hepscaling.physics.particles import get_particle
from hepscaling.physics.process import parse_process, resolve_process


def test_parse_ttbar_h_with_orders():
    p = parse_process("u u~ > t t~ h  QCD<=2 QED<=3")
    assert [x.name for x in p.particles] == ["u", "u~", "t", "t~", "h"]
    assert p.n_initial == 2
    np.testing.assert_array_equal(p.masses, [0.0, 0.0, 173.0, 173.0, 125.0])
    assert p.orders == {"QCD": 2, "QED": 3}
    assert p.text == "u u~ > t t~ h QCD<=2 QED<=3"


def test_particle_properties_and_identical_factor():
    w = get_particle("w+")
    assert (w.pdg, w.spin, w.colour, w.charge, w.width) == (24, 3, 1, 1.0, 2.0476)
    assert w.mass == pytest.approx(80.419002445756)
    assert get_particle("u~").colour == -3 and get_particle("u~").antiname == "u"
    assert parse_process("g g > g g g").identical_factor == 6
    assert parse_process("u u~ > z g g QED=1").orders == {"QED": 1}


@pytest.mark.parametrize(("text", "n_final", "dim"), [
    ("e+ e- > mu+ mu-", 2, 2),  # two angles
    ("u u~ > t t~ h", 3, 5),
    ("g g > g g g QCD<=3", 3, 5),
    ("u u~ > z g g g", 4, 8),
    ("t > b w+", 2, 2),  # a decay: 3 n_f - 4 as well (rest frame, fixed mass)
])
def test_final_state_count_and_phase_space_dimension(text, n_final, dim):
    process = parse_process(text)
    assert (process.n_final, process.phase_space_dim) == (n_final, dim)


def test_resolve_process_parses_strings_and_reparses_with_new_parameters():
    process = parse_process("u u~ > t t~")
    assert resolve_process(process) is process
    assert resolve_process("u u~ > t t~").text == process.text
    heavy = resolve_process(process, {"MT": 175.0})
    assert heavy.text == process.text and heavy.masses[2] == 175.0
    assert resolve_process("u u~ > t t~", {"MT": 175.0}).masses[3] == 175.0
    with pytest.raises(UsageError, match="unknown particle"):
        resolve_process("u u~ > x")


@pytest.mark.parametrize(("text", "message"), [
    ("u u~ > x", "unknown particle 'x'"),
    ("u u~ > w+", "electric charge"),
    ("u c~ > z", "quark number"),
    ("e+ e- > mu+ e-", "electron number"),
    ("e+ e- > mu+ ta-", "muon number"),
    ("u u~ > g", None),
    ("a a > g", "colour singlet"),
    ("u u~ z", "one '>'"),
    ("u u~ > z QCD<=1 g", "at the end"),
    ("p p > z", "unknown particle 'p'"),
    ("u u~ > z / h", "not supported"),
    ("g g > a a [virt=QCD]", r"only supported '\[...\]' option"),
    ("g g > a a [noborn=QCD] g", r"trailing '\[noborn=QCD\]'"),
    ("g g > a a QED<=2 [noborn=QCD]", "fixed coupling orders"),
])
def test_bad_processes(text, message):
    if message is None:
        assert parse_process(text).final[0].name == "g"
        return
    with pytest.raises(UsageError, match=message):
        parse_process(text)


def test_loop_induced_spelling_is_parsed_and_normalised():
    p = parse_process("g  g > a a   [ noborn = QCD ]")
    assert p.loop == "QCD" and p.text == "g g > a a [noborn=QCD]"
    assert [x.name for x in p.final] == ["a", "a"] and p.identical_factor == 2
    assert parse_process(p.text) == p
    assert parse_process("g g > a a").loop == ""
