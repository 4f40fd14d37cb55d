"""Metric direction from the name, and laws refused for the wrong direction."""

import pytest

from hepscaling.errors import UsageError
from hepscaling.laws.direction import check_direction, metric_direction


@pytest.mark.parametrize(("name", "direction"), [
    ("test_mse", "down"), ("metric.test_mse_log", "down"), ("val_loss", "down"),
    ("test_nll", "down"), ("test_abs_rel_err_mean", "down"), ("test_auc_macro", "up"),
    ("test_accuracy", "up"), ("test_frac_rel_err_below_1e-2", "up"), ("test_pull_std", None),
    ("test_coverage_1sigma", None), ("test_rej50_qcd", None),
    ("test_classifier_auc", "up"), ("test_classifier_auc_excess", "down"),
    ("metric.test_classifier_auc_excess_2j", "down"), ("test_classifier_log_w_std_excess", "down"),
])
def test_direction_from_the_name(name, direction):
    assert metric_direction(name) == direction


@pytest.mark.parametrize(("law", "metric", "fix"), [
    ("ceiling", "test_mse", "use --law power"),
    ("ceiling", "test_classifier_auc_excess",
     "is an excess over a floor that falls with scale; use --law power"),
    ("joint_ceiling", "metric.val_loss", "use --law joint"),
    ("power", "test_auc_macro", "use --law ceiling"),
    ("joint", "test_accuracy", "use --law joint_ceiling"),
    ("repetition", "test_accuracy", "--metric val_loss"),
])
def test_wrong_law_is_refused_naming_the_right_one(law, metric, fix):
    with pytest.raises(UsageError, match=fix):
        check_direction(law, metric)


@pytest.mark.parametrize(("law", "metric"), [("power", "test_mse"), ("ceiling", "test_auc_macro"),
                                             ("power", "test_classifier_auc_excess_1j"),
                                             ("power", "test_pull_std")])
def test_right_or_unknown_direction_passes(law, metric):
    check_direction(law, metric)
