"""The subjects mpbench measures, one package each (import-light: spawn children import them)."""
