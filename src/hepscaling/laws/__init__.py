"""Scaling laws: functional forms, robust fits with bootstrap intervals, predictions, solving for
the scale that reaches a target, compute-optimal frontiers, data repetition and extrapolation
checks.

The estimator follows Hoffmann et al. (2022, approach 3) as replicated by Besiroglu et al.
(2024): summed Huber loss on log residuals (threshold from the residuals' spread by default,
their fixed 1e-3 with ``huber_delta=1e-3``), multi-start L-BFGS-B in log-parameter space;
intervals are bootstrap percentile intervals over runs, each replicate refitted the same way.
"""

from hepscaling.laws.compare import LawComparison, compare_laws
from hepscaling.laws.extrapolation import ExtrapolationCheck, HeldOut, holdout_check
from hepscaling.laws.fit import fit_ceiling, fit_joint, fit_joint_ceiling, fit_power_law
from hepscaling.laws.forms import ceiling_law, joint_law, log_law, power_law
from hepscaling.laws.frontier import (
    BudgetMinimum,
    IsoFlopFrontier,
    compute_optimal,
    isoflop_frontier,
    isoflop_minima,
)
from hepscaling.laws.loglaw import LogLawFit, fit_log_law
from hepscaling.laws.repetition import RepetitionFit, effective_data_size, fit_repetition
from hepscaling.laws.results import (
    Band,
    CeilingFit,
    Interval,
    JointCeilingFit,
    JointFit,
    LawFit,
    PowerLawFit,
)

__all__ = [
    "Band",
    "BudgetMinimum",
    "CeilingFit",
    "ExtrapolationCheck",
    "HeldOut",
    "Interval",
    "IsoFlopFrontier",
    "JointCeilingFit",
    "JointFit",
    "LawComparison",
    "LawFit",
    "LogLawFit",
    "PowerLawFit",
    "RepetitionFit",
    "ceiling_law",
    "compare_laws",
    "compute_optimal",
    "effective_data_size",
    "fit_ceiling",
    "fit_joint",
    "fit_joint_ceiling",
    "fit_log_law",
    "fit_power_law",
    "fit_repetition",
    "holdout_check",
    "isoflop_frontier",
    "isoflop_minima",
    "joint_law",
    "log_law",
    "power_law",
]
