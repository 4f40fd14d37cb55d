"""Shared test helpers: test momenta (:mod:`.kinematics`), property checks (:mod:`.invariance`)."""
