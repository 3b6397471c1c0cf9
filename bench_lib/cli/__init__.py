"""The ``mpbench`` command: one module per command, and what only the command line uses."""
