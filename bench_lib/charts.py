"""All charts of a run, by subject: each subject module draws what its figures allow."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pandas as pd

from bench_lib import (
    charts_gil,
    charts_io,
    charts_ipc,
    charts_locks,
    charts_pool,
    charts_spawn,
    tidy,
)
from bench_lib.chart_style import Chart, RunContext

Draw = Callable[[dict[str, Any], pd.DataFrame, Path, RunContext], list[Chart]]

SUBJECT_CHARTS: dict[str, Draw] = {
    "gil": charts_gil.draw,
    "pool": charts_pool.draw,
    "spawn": charts_spawn.draw,
    "ipc": charts_ipc.draw,
    "locks": charts_locks.draw,
    "io": charts_io.draw,
}


def draw_all(data: dict[str, Any], out_dir: Path) -> dict[str, list[Chart]]:
    """Draw every chart the run's data supports into ``out_dir/charts``; by subject."""
    frame = tidy.figures(data)
    ctx = RunContext.of(data)
    if frame.empty:
        return {}
    present = set(frame["subject"])
    return {
        subject: draw(data, frame, out_dir, ctx)
        for subject, draw in SUBJECT_CHARTS.items()
        if subject in present
    }
