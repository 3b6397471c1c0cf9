"""The matrix's charts: each subject against the baseline, and the headline figures by run.

``matrix_subjects``: one row per subject, a point per run at its geometric mean speed against
the baseline with the 95% interval, on a log axis around 1. ``matrix_headlines``: one small
panel per headline figure, a bar per run (median, 95% interval) in the figure's own unit.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from bench_lib.charts.frame import finish, new_chart
from bench_lib.charts.style import (
    FALLBACK,
    Chart,
    RunContext,
    colour,
    error_bars,
    plain,
)
from bench_lib.report.matrix import Matrix
from bench_lib.units import format_value

HEADLINE_COLUMNS = 4  # small multiples per row
ROW_HEIGHT_IN = 0.45  # per subject row of the subjects chart


def context(matrix: Matrix) -> RunContext:
    machines = sorted({b.machine_id for b in matrix.builds})
    return RunContext(
        machine=", ".join(machines),
        python=" | ".join(r.label for r in matrix.runs),
        profile="/".join(sorted({r.profile for r in matrix.runs})),
    )


def _run_colour(matrix: Matrix, i: int) -> str:
    """One colour per run, distinct while there are fewer runs than FALLBACK colours."""
    return FALLBACK[i % len(FALLBACK)]


TIMES_TICKS = (0.1, 0.2, 0.33, 0.5, 0.67, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0)


def _times_axis(ax: Axes, values: list[float]) -> None:
    """A log axis centred on 1 (as far each way), labelled 0.8x, 1x, 1.25x."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    finite = [v for v in values if np.isfinite(v) and v > 0] or [1.0]
    reach = max(abs(np.log(v)) for v in finite) * 1.15 or 0.1
    low, high = float(np.exp(-reach)), float(np.exp(reach))
    ax.set_xlim(low, high)
    ax.xaxis.set_major_locator(FixedLocator([t for t in TIMES_TICKS if low <= t <= high]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))


def subjects_chart(matrix: Matrix, out_dir: Path) -> Chart | None:
    """The forest plot; None when no run has a subject in common with the baseline."""
    others = [i for i in range(len(matrix.runs)) if i != matrix.baseline]
    if not matrix.subjects or not others:
        return None
    height = 1.8 + ROW_HEIGHT_IN * len(matrix.subjects) * max(1, len(others)) ** 0.5
    fig, (ax,) = new_chart(width_in=9.0, height_in=height)
    step = 0.7 / max(1, len(others))
    drawn = 0
    reach: list[float] = [1.0]
    for k, i in enumerate(others):
        offset = -0.35 + step * (k + 0.5)
        ys, xs, lows, highs = [], [], [], []
        for y, (_, cells) in enumerate(matrix.subjects):
            cell = cells[i]
            if cell is None or cell.speed is None:
                continue
            ys.append(y + offset)
            xs.append(cell.speed)
            lows.append(cell.ci[0] if cell.ci else np.nan)
            highs.append(cell.ci[1] if cell.ci else np.nan)
        if not xs:
            continue
        drawn += 1
        reach += [*xs, *lows, *highs]
        ax.errorbar(
            xs,
            ys,
            xerr=error_bars(xs, lows, highs),
            fmt="o",
            color=_run_colour(matrix, i),
            capsize=3,
            label=plain(matrix.runs[i].label),
        )
    if not drawn:
        plt.close(fig)
        return None
    ax.axvline(1.0, color=colour("ideal"), linewidth=1, linestyle="--")
    ax.set_xscale("log")
    _times_axis(ax, reach)
    ax.set_yticks(range(len(matrix.subjects)), [plain(s) for s, _ in matrix.subjects])
    ax.invert_yaxis()
    base = matrix.runs[matrix.baseline].label
    ax.set_xlabel(f"geometric mean speed against {plain(base)} (> 1: faster; 95% CI)")
    ax.grid(axis="x", alpha=0.3)
    chart = Chart(
        "matrix_subjects",
        f"Each subject on each Python, against {base}",
        "One point per run and subject: the geometric mean over the subject's benchmarks of "
        "how many times faster that run was than the baseline, with a 95% interval from each "
        "benchmark's blocks. Right of the dashed line is faster.",
    )
    return finish(fig, out_dir, chart, context(matrix), "per-benchmark figures from the blocks")


def headlines_chart(matrix: Matrix, out_dir: Path) -> Chart | None:
    rows = [r for r in matrix.headlines if any(v is not None for v in r.values)]
    if not rows:
        return None
    ncols = min(HEADLINE_COLUMNS, len(rows))
    nrows = -(-len(rows) // ncols)
    size = (3.4 * ncols, 0.9 + (0.35 * len(matrix.runs) + 1) * nrows)
    fig, grid = plt.subplots(nrows, ncols, figsize=size, squeeze=False)
    labels = [plain(r.label) for r in matrix.runs]
    for k, (ax, row) in enumerate(zip(grid.flat, rows)):
        med = np.array([v.value if v else np.nan for v in row.values])
        low = np.array([v.ci_low if v and v.ci_low is not None else np.nan for v in row.values])
        high = np.array([v.ci_high if v and v.ci_high is not None else np.nan for v in row.values])
        ys = np.arange(len(med))
        colours = [_run_colour(matrix, i) for i in range(len(med))]
        ax.barh(ys, np.nan_to_num(med), color=colours, xerr=error_bars(med, low, high), capsize=2)
        ends = np.fmax(np.nan_to_num(med), np.nan_to_num(high))
        for y, m, end in zip(ys, med, ends):
            text = format_value(float(m), row.unit) if np.isfinite(m) else "not measured"
            ax.text(end * 1.04, y, text, va="center", fontsize=7)
        ax.set_xlim(0, (float(ends.max()) or 1.0) * 1.7)  # room for the value labels
        ax.set_xticks([])  # the labels carry the values, in readable units
        ax.set_yticks(ys, labels if k % ncols == 0 else [""] * len(ys), fontsize=7)
        ax.invert_yaxis()
        ax.set_title(plain(row.name), fontsize=8)
    for ax in list(grid.flat)[len(rows) :]:
        ax.set_visible(False)
    chart = Chart(
        "matrix_headlines",
        "Headline figures on each Python",
        "Each panel: one figure as measured in each run (median with its 95% interval), in its "
        "own unit. Times: shorter is better; rates and speedups: longer is better.",
    )
    return finish(fig, out_dir, chart, context(matrix), "medians of each run's rounds")
