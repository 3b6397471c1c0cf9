"""`mpbench report`: one self-contained folder per run, its charts and its advice."""
