"""The measuring engine: rounds, blocks, figures, twins, turns and the lean measuring processes."""
