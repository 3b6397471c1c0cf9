"""The headline across builds: threads and processes on a GIL build and on a free-threaded one.

Left: speedup over one serial run against workers, threads and processes of every build
(colour = threads or processes, line style and marker = build), with the ideal line. Right:
what one thread costs on each build (the serial batch, with its 95% interval): a free-threaded
build pays for free threading in single-thread speed, and the chart shows it beside the gain.
Titles and labels come from the GIL state each file recorded, never from its name.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes

from bench_lib.charts.frame import finish, new_chart
from bench_lib.charts.style import (
    Chart,
    RunContext,
    colour,
    count_axis,
    error_bars,
    mark_noisy,
)
from bench_lib.report.builds_gil import BuildGil, Estimate, drawable, ordered

MODES = {"thread": "threads", "process": "processes"}
BUILD_STYLES = (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"))  # (line, marker) per build
MAX_BUILDS = 8  # more lines than this do not read; the matrix report shows the rest as a table


def _title(builds: Sequence[BuildGil]) -> str:
    off = [b.label for b in builds if b.gil_off]
    on = [b.label for b in builds if not b.gil_off]
    if off and on:
        return (
            f"The GIL switched off: threads use every core on {', '.join(off)}, "
            f"stay near one on {', '.join(on)}"
        )
    if off:
        return f"No GIL on {', '.join(off)}: threads and processes both use every core"
    return f"The GIL side-stepped on {', '.join(on)}: threads stay near one core"


def context(builds: Sequence[BuildGil]) -> RunContext:
    """The footer: every machine, every Python (with its GIL state) and profile."""
    machines = sorted({f"{b.machine_id} ({b.usable_cores} usable cores)" for b in builds})
    return RunContext(
        machine=", ".join(machines),
        python=" vs ".join(b.title for b in builds),
        profile="/".join(sorted({b.profile for b in builds})),
    )


def _serial(builds: Sequence[BuildGil]) -> tuple[list[Estimate | None], str, float]:
    """The serial figure to draw: the whole batch when every build did the same work, else
    the time per spin step (rounds of different sizes never compare, docs/design.md 14)."""
    work = {b.serial_iterations for b in builds}
    if len(work) == 1:
        return [b.serial_batch_s for b in builds], "serial batch, ms (one thread, no pool)", 1e3
    return [b.serial_step_s for b in builds], "ns per spin step (one thread, no pool)", 1e9


def cross_build(
    builds: Sequence[BuildGil], out_dir: Path, stem: str = "gil_builds"
) -> Chart | None:
    """The chart, or None when no build has a scaling curve (no gil subject in any run)."""
    shown = ordered(drawable(builds))[:MAX_BUILDS]
    if not shown:
        return None
    cores = max(b.usable_cores for b in shown)
    fig, (speed_ax, serial_ax) = new_chart(ncols=2, width_in=12.0, height_in=5.0)
    ns = np.array(sorted({p.n for b in shown for p in b.speedups}))
    speed_ax.plot(
        ns,
        np.minimum(ns, cores),
        color=colour("ideal"),
        linestyle="--",
        linewidth=1,
        label=f"ideal (stops at {cores} usable cores)",
    )
    top = float(cores)
    for i, build in enumerate(shown):
        line, marker = BUILD_STYLES[i % len(BUILD_STYLES)]
        for mode, words in MODES.items():
            points = [p for p in build.speedups if p.mode == mode and not p.impossible]
            if not points:
                continue
            xs = [p.n for p in points]
            ys = [p.speedup.value for p in points]
            low = [p.speedup.ci_low if p.speedup.ci_low is not None else np.nan for p in points]
            high = [p.speedup.ci_high if p.speedup.ci_high is not None else np.nan for p in points]
            speed_ax.errorbar(
                xs,
                ys,
                yerr=error_bars(ys, low, high),
                color=colour(words),
                linestyle=line,
                marker=marker,
                capsize=3,
                label=f"{words}, {build.title}",
            )
            mark_noisy(speed_ax, xs, ys, [p.flags for p in points])
            top = max(top, float(np.nanmax(np.asarray(high + ys, dtype=float))))
    factors = [f"{b.label}: {b.side_step.value:.2f}x" for b in shown if b.side_step is not None]
    if factors:  # above the axes, not over the data
        speed_ax.set_title(
            f"side-step factor at {cores} workers (process / thread speedup): "
            + ", ".join(factors),
            fontsize=8,
        )
    count_axis(speed_ax, ns)
    speed_ax.set_ylim(0, top * 1.1)
    speed_ax.set_xlabel("workers (threads or processes)")
    speed_ax.set_ylabel("speedup over one serial run (same work)")
    speed_ax.grid(alpha=0.3)
    _serial_panel(serial_ax, shown)
    chart = Chart(
        stem,
        _title(shown),
        "Left: the same CPU-bound pure-Python work split over N threads and over N processes, "
        "on each build, as a speedup over one serial run of that work on the same build, with "
        "95% intervals. Right: what that serial run costs on each build, i.e. what a single "
        "thread pays: a free-threaded build is slower single-threaded, so its thread speedup "
        "starts from a slower base.",
    )
    return finish(fig, out_dir, chart, context(shown), "intervals from each run's blocks")


def _serial_panel(ax: Axes, shown: Sequence[BuildGil]) -> None:
    values, label, scale = _serial(shown)
    ys = list(range(len(shown)))
    med = np.array([v.value * scale if v else np.nan for v in values])
    low = np.array([v.ci_low * scale if v and v.ci_low is not None else np.nan for v in values])
    high = np.array([v.ci_high * scale if v and v.ci_high is not None else np.nan for v in values])
    colours = [colour("threads") if b.gil_off else colour("floor") for b in shown]
    bars = error_bars(med, low, high)
    ax.barh(ys, np.nan_to_num(med), color=colours, alpha=0.85, capsize=3, xerr=bars)
    for y, m, h in zip(ys, med, high):
        if np.isfinite(m):
            ax.text(max(m, np.nan_to_num(h)) * 1.03, y, f"{m:.3g}", va="center", fontsize=8)
    ax.set_yticks(ys, [b.title for b in shown], fontsize=8)
    ax.invert_yaxis()
    finite = med[np.isfinite(med)]
    right = float(np.nanmax(np.fmax(med, np.nan_to_num(high)))) if finite.size else 1.0
    ax.set_xlim(0, right * 1.3)
    ax.set_xlabel(label)
    ax.set_title("single-thread cost of each build (lower is faster)", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
