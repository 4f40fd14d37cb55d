"""hepscaling: measure, fit and use neural scaling laws for particle-physics machine learning.

Conventions (units, momentum layout, |M|^2 normalisation) are stated once in
:mod:`hepscaling.physics`.
"""

__version__ = "0.1.0"
