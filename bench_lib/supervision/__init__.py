"""Keeping runs honest: child processes, interrupts, watchdogs, leaks, concurrent runs."""
