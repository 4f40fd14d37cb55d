"""Run records shown in the tools people already use: :mod:`~hepscaling.export.mlflow` copies
the records of a sweep or run directory into an MLflow tracking store (the records stay the
source of truth; an export can be repeated at any time and updates what it wrote before)."""
