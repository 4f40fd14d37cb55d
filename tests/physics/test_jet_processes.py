"""Jet classes, labels and chunk seeds."""

import pytest

from hepscaling.errors import UsageError
from hepscaling.physics.jets.processes import (
    JET_CLASSES,
    LABELS,
    chunk_seed,
    jet_class,
    parse_classes,
)


def test_labels_are_jetclass_order():
    assert LABELS[0] == "label_QCD" and LABELS[7] == "label_Wqq" and LABELS[8] == "label_Tbqq"
    assert len(LABELS) == 10


def test_every_class_has_a_known_label_and_unique_code():
    assert all(spec.label in LABELS for spec in JET_CLASSES.values())
    codes = [spec.code for spec in JET_CLASSES.values()]
    assert len(set(codes)) == len(codes)
    assert jet_class("w").label_index == LABELS.index("label_Wqq")


def test_chunk_seeds_are_deterministic_distinct_and_in_pythia_range():
    w, qcd = jet_class("w"), jet_class("qcd")
    seeds = {chunk_seed(s, spec, i) for s in range(3) for spec in (w, qcd) for i in range(50)}
    assert len(seeds) == 300
    assert all(1 <= s <= 900_000_000 for s in seeds)
    assert chunk_seed(5, w, 7) == chunk_seed(5, w, 7)


@pytest.mark.parametrize("text", ["gluino", "w,w", " , ", "qcd,W"])
def test_parse_classes_rejects_bad_lists(text):
    with pytest.raises(UsageError) as info:
        parse_classes(text)
    assert "\n" not in str(info.value)


def test_parse_classes_keeps_order():
    assert [s.name for s in parse_classes("top, qcd,w")] == ["top", "qcd", "w"]


def test_negative_seed_is_a_usage_error():
    with pytest.raises(UsageError):
        chunk_seed(-1, jet_class("w"), 0)

