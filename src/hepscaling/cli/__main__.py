"""``python -m hepscaling.cli`` runs the command line."""

from hepscaling.cli import main

main()
