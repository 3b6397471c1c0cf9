"""All charts of a run, by subject: each subject module draws what its figures allow."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional

import pandas as pd

from bench_lib import tidy
from bench_lib.chart_style import Chart, RunContext
from bench_lib.subjects.distributed import charts as charts_distributed
from bench_lib.subjects.gil import charts as charts_gil
from bench_lib.subjects.io import charts as charts_io
from bench_lib.subjects.ipc import charts as charts_ipc
from bench_lib.subjects.locks import charts as charts_locks
from bench_lib.subjects.pool import charts as charts_pool
from bench_lib.subjects.spawn import charts as charts_spawn

ChartFn = Callable[[dict[str, Any], pd.DataFrame, Path, RunContext], Optional[Chart]]

# Each function draws one chart, or returns None when the run lacks what it needs.
SUBJECT_CHARTS: dict[str, tuple[ChartFn, ...]] = {
    "gil": charts_gil.CHARTS,
    "pool": charts_pool.CHARTS,
    "spawn": charts_spawn.CHARTS,
    "ipc": charts_ipc.CHARTS,
    "locks": charts_locks.CHARTS,
    "io": charts_io.CHARTS,
    "distributed": charts_distributed.CHARTS,
}


def draw_all(data: dict[str, Any], out_dir: Path) -> dict[str, list[Chart]]:
    """Draw every chart the run's data supports into ``out_dir/charts``; by subject."""
    frame = tidy.figures(data)
    ctx = RunContext.of(data)
    if frame.empty:
        return {}
    present = set(frame["subject"])
    drawn: dict[str, list[Chart]] = {}
    for subject, chart_fns in SUBJECT_CHARTS.items():
        if subject in present:
            charts = [fn(data, frame, out_dir, ctx) for fn in chart_fns]
            drawn[subject] = [c for c in charts if c is not None]
    return drawn
