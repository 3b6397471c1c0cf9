"""Pure statistics: summaries, intervals, two-sample and block-level tests, noise, verdicts."""
