"""One token per object: feature columns and output slots of a hand-worked layout, and the
one-line error for a mismatched spec."""

import pytest

from hepscaling.models.object_tokens import object_tokens


def test_a_muon_and_a_jet_with_angles_by_hand():
    # coordinates: muon (log_pt, eta), jet (dphi, log_pt, a second angle); features with the
    # angles as (sin, cos): 0 1 | 2 3 4 5 6, and 7 the zero column padding the muon
    tokens = object_tokens([0, 0, 1, 1, 1], [False, False, True, False, True])
    assert tokens.gather == ((0, 1, 7, 7, 7), (2, 3, 4, 5, 6))
    assert (tokens.n_objects, tokens.per_object, tokens.slots) == (2, 5, 3)
    assert tokens.scatter == (0, 1, 3, 4, 5)  # muon slots 0, 1; jet slots 0, 1, 2 of token 1


def test_interleaved_objects_keep_their_coordinate_order():
    tokens = object_tokens([1, 0, 1, 0], [False] * 4)
    assert tokens.gather == ((1, 3), (0, 2))
    assert tokens.scatter == (2, 0, 3, 1)


def test_a_spec_of_the_wrong_length_is_a_one_line_error():
    with pytest.raises(ValueError) as info:
        object_tokens([0, 1], [False, False, True])
    assert str(info.value) == "spec.coordinate_objects has 2 entries for 3 coordinates"
