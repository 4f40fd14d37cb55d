"""Interval: the one ``value [low, high]`` text format, with a format spec."""

import math

from hepscaling.laws import Interval


def test_format_applies_the_spec_to_all_three_numbers():
    iv = Interval(0.0123456, 0.01, 0.0150049, 0.68)
    assert f"{iv}" == str(iv) == "0.01235 [0.01, 0.015]"
    assert f"{iv:.3g}" == "0.0123 [0.01, 0.015]"
    assert f"{iv:.2e}" == "1.23e-02 [1.00e-02, 1.50e-02]"
    assert f"alpha = {iv:.1%}!" == "alpha = 1.2% [1.0%, 1.5%]!"


def test_format_shows_unbounded_and_undefined_ends():
    iv = Interval(3e6, 1.5e6, math.inf, 0.68)
    assert f"{iv:.3g}" == "3e+06 [1.5e+06, inf]"
    assert str(Interval(math.nan, math.nan, math.nan, 0.68)) == "nan [nan, nan]"


def test_contains_and_dict_round_trip():
    iv = Interval(1.0, 0.5, 2.0, 0.9)
    assert iv.contains(0.5) and iv.contains(2.0) and not iv.contains(2.1)
    assert Interval(**iv.to_dict()) == iv
