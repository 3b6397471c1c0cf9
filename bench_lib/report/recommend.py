"""Recommendations derived from one run's figures: sentences with this machine's numbers.

Each subject's ``advice.rules`` reads the run's tidy tables (:class:`RunFigures`, made once)
and says something only when the figures it needs exist, so a partial run gets fewer
sentences, never a canned one. Subjects speak in report order (:mod:`bench_lib.registry`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from bench_lib import registry
from bench_lib.results.run_figures import RunFigures


def recommendations(data: dict[str, Any], frame: pd.DataFrame | None = None) -> list[str]:
    run = RunFigures.of(data, frame)
    if run.figures.empty:
        return []
    run.metrics, run.cores, run.impossible  # noqa: B018  a malformed file fails here, as before
    present = set(run.figures["subject"])
    out: list[str] = []
    for subject in registry.subjects():
        rule = registry.advice(subject)
        if rule is not None and subject.name in present:
            out += rule(run)
    return out
