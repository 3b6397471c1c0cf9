"""Stdlib-only code that spawned and forkserver children import."""
