"""Test-suite root: its presence puts ``tests/`` on ``sys.path`` so tests can import ``helpers``."""
