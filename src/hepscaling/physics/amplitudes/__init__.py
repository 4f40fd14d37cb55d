"""Tree-level helicity-amplitude engine: colour-dressed Berends-Giele recursion in numpy.

Modules: :mod:`.wavefunctions` (external spinors and polarisation vectors), :mod:`.kernels`
(Lorentz structures of the vertices and the propagators), :mod:`.vertices` (the SM vertex
table), :mod:`.colour` (SU(3) tensors and colour bases), :mod:`.recursion` (the recursion
plan built once per process and its vectorised evaluation).
"""
