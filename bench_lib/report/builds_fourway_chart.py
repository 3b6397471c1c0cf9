"""The four-way chart: every way past the GIL these runs show, one line each, its build named.

Left: speedup over one serial run of the same work on the line's own build, with the 95%
interval of that run, against the ideal line. Right: the effective cores each way kept busy
(process-tree CPU seconds over wall seconds, psutil) at every worker count. The lines come from
:func:`bench_lib.report.builds_fourway.four_ways`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes

from bench_lib.charts.frame import finish, new_chart
from bench_lib.charts.style import (
    Chart,
    colour,
    count_axis,
    error_bars,
    mark_noisy,
)
from bench_lib.report.builds_charts import context
from bench_lib.report.builds_fourway import MIN_WAYS, Way, four_ways
from bench_lib.report.builds_gil import BuildGil

BAR_WIDTH = 0.8  # of one log2 step, shared by the ways' bars side by side


def fourway(builds: Sequence[BuildGil], out_dir: Path, stem: str = "gil_fourway") -> Chart | None:
    """The chart, or None where fewer than three ways were measured (no subinterpreters and
    no free-threaded run: the two-way build chart says it all)."""
    ways = four_ways(builds)
    if len(ways) < MIN_WAYS:
        return None
    cores = max(w.build.usable_cores for w in ways)
    fig, (speed_ax, cores_ax) = new_chart(ncols=2, width_in=12.5, height_in=5.0)
    ns = np.array(sorted({p.n for w in ways for p in w.points}))
    speed_ax.plot(
        ns, np.minimum(ns, cores), color=colour("ideal"), linestyle="--", linewidth=1,
        label=f"ideal (stops at {cores} usable cores)",
    )  # fmt: skip
    top = float(cores)
    width = BAR_WIDTH / len(ways)
    for k, way in enumerate(ways):
        top = max(top, _line(speed_ax, way))
        busy = [(p.n, p.effective_cores) for p in way.points if p.effective_cores is not None]
        if busy:
            xs = np.log2([n for n, _ in busy]) + (k - (len(ways) - 1) / 2) * width
            cores_ax.bar(
                xs, [c for _, c in busy], width=width * 0.95, color=colour(way.name),
                label=way.label,
            )  # fmt: skip
    count_axis(speed_ax, ns)
    speed_ax.set_ylim(0, top * 1.1)
    speed_ax.set_xlabel("workers")
    speed_ax.set_ylabel("speedup over one serial run (same work, same build)")
    speed_ax.grid(alpha=0.3)
    cores_ax.axhline(cores, color=colour("ideal"), linestyle="--", linewidth=1)
    cores_ax.set_ylim(0, cores * 1.1)
    cores_ax.set_xticks(np.log2(ns), [str(int(n)) for n in ns])
    cores_ax.set_xlabel("workers")
    cores_ax.set_ylabel("effective cores used (CPU s / wall s, psutil)")
    cores_ax.grid(axis="y", alpha=0.3)
    chart = Chart(
        stem,
        f"{len(ways)} ways past the GIL: " + ", ".join(w.name for w in ways),
        "The same CPU-bound pure-Python work split over N workers of each kind, each line "
        "from the run named in its legend, as a speedup over one serial run of that work on "
        "the same build, with that run's 95% interval. Right: how many cores each way kept "
        "busy. Speedups compare across builds; a free-threaded build's serial run is slower, "
        "so its threads start from a slower base (see the single-thread cost beside).",
    )
    return finish(fig, out_dir, chart, context(_builds(ways)), "intervals from each run's blocks")


def _line(ax: Axes, way: Way) -> float:
    """Draw one way's speedups; the highest value drawn (for the axis)."""
    xs = [p.n for p in way.points]
    ys = [p.speedup.value for p in way.points]
    low = [p.speedup.ci_low if p.speedup.ci_low is not None else np.nan for p in way.points]
    high = [p.speedup.ci_high if p.speedup.ci_high is not None else np.nan for p in way.points]
    ax.errorbar(
        xs, ys, yerr=error_bars(ys, low, high), color=colour(way.name), marker="o", capsize=3,
        linestyle=":" if way.build.gil_off else "-", label=way.label,
    )  # fmt: skip
    mark_noisy(ax, xs, ys, [p.flags for p in way.points])
    return float(np.nanmax(np.asarray(high + ys, dtype=float)))


def _builds(ways: Sequence[Way]) -> list[BuildGil]:
    seen: list[BuildGil] = []
    for way in ways:
        if all(way.build is not b for b in seen):
            seen.append(way.build)
    return seen
