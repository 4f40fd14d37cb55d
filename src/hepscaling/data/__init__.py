"""Datasets on disk: HDF5 files with provenance, how they are made and read.

This package owns the dataset files (write, read, validate: :mod:`~hepscaling.data.amplitudes`,
:mod:`~hepscaling.data.jets`, :mod:`~hepscaling.data.jetclass`, :mod:`~hepscaling.data.events`,
:mod:`~hepscaling.data.unweighted`),
the registry of dataset kinds that sweep specs name (:mod:`~hepscaling.data.registry`), the one
kill-safe chunked generation driver (:mod:`~hepscaling.data.chunks`) and the preprocessing of
amplitude inputs (:mod:`~hepscaling.data.preprocessing`). It sits above
:mod:`hepscaling.physics` (which makes the events) and below the tasks (which train on the files).
"""
