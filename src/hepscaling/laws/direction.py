"""Which way a metric improves, read from its name, and the laws that fit each direction.

A loss-like metric falls towards a floor as the scale grows (``loss``, ``mse``, ``mse_log``,
``nll``, ``abs_rel_err_mean``, ...): the power laws (``power``, ``joint``, ``repetition``)
fit it. A metric bounded by 1 grows towards a ceiling (``auc_*``, ``accuracy``,
``frac_rel_err_below_*``): the ceiling laws (``ceiling``, ``joint_ceiling``) fit it. A
metric minus its statistical floor (the word ``excess``, e.g. ``classifier_auc_excess``:
a generator's classifier AUC minus the truth-vs-truth AUC) falls towards 0 whatever the
metric's own direction, so it is loss-like. Names are matched by their ``_``-separated
words, after an optional ``metric.``/``test_``/``val_`` prefix; a metric of neither kind
(``pull_std``, ``coverage_1sigma``, ``rej50_*``) is not checked.

>>> metric_direction("test_mse_log"), metric_direction("test_auc_macro")
('down', 'up')
>>> metric_direction("test_classifier_auc"), metric_direction("test_classifier_auc_excess")
('up', 'down')
>>> metric_direction("test_frac_rel_err_below_0.01"), metric_direction("test_pull_std")
('up', None)
"""

from __future__ import annotations

from typing import Literal

from hepscaling.errors import UsageError

__all__ = ["CEILING_LAWS", "LOSS_LAWS", "check_direction", "metric_direction"]

Direction = Literal["down", "up"]

#: Laws of a metric that falls towards a floor, and of one that grows towards a ceiling.
LOSS_LAWS = ("power", "power_no_floor", "joint", "repetition", "log", "compare")
CEILING_LAWS = ("ceiling", "joint_ceiling")

_EXCESS_WORDS = {"excess"}  # a metric minus its floor: down, whichever way the metric goes
_UP_WORDS = {"auc", "accuracy", "acc"}
_UP_PREFIXES = ("frac_rel_err_below",)
_DOWN_WORDS = {"loss", "mse", "nll", "err", "mae", "rmse", "wasserstein", "swd", "kl"}


def metric_direction(name: str) -> Direction | None:
    """``"down"`` for a loss-like metric, ``"up"`` for an accuracy-like one, ``None`` when the
    name says neither (see the module docstring)."""
    base = name.removeprefix("metric.")
    for prefix in ("test_", "val_", "train_"):
        base = base.removeprefix(prefix)
    words = set(base.split("_"))
    if words & _EXCESS_WORDS:
        return "down"
    if base.startswith(_UP_PREFIXES) or words & _UP_WORDS:
        return "up"
    if words & _DOWN_WORDS:
        return "down"
    return None


def check_direction(law: str, metric: str) -> None:
    """Refuse to fit ``law`` to ``metric`` when the metric improves the other way.

    Raises
    ------
    UsageError
        A ceiling law on a loss-like metric, or a power law on an accuracy-like one; the
        message names the law to use.
    """
    direction = metric_direction(metric)
    name = metric.removeprefix("metric.")
    if direction == "down" and law in CEILING_LAWS:
        better = "joint" if law == "joint_ceiling" else "power"
        what = "an excess over a floor" if "excess" in name.split("_") else "a loss"
        raise UsageError(f"--law {law} fits a metric that grows towards a ceiling, but {name} "
                         f"is {what} that falls with scale; use --law {better}")
    if direction == "up" and law in LOSS_LAWS:
        fix = {"joint": "use --law joint_ceiling",
               "repetition": "fit a loss instead, e.g. --metric val_loss"}.get(
                   law, "use --law ceiling")
        raise UsageError(f"--law {law} fits a loss that falls towards a floor, but {name} grows "
                         f"towards a ceiling of 1; {fix}")
