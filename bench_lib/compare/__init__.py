"""`mpbench compare`: match figures across runs, test each pair, write the comparison."""
