"""Shared test helpers: test momenta (:mod:`.kinematics`), property checks (:mod:`.invariance`),
SM inputs typed in from MadGraph's param_card (:mod:`.sm_inputs`), the engine under test
(:mod:`.me_checks`) and brute-force Feynman-diagram references (:mod:`.dirac`, :mod:`.gluons`).
Other helpers' modules live here too (see each module's docstring)."""
