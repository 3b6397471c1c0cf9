"""One look for every chart: colours per series, and the marks charts share.

Colours are fixed per series name (fork is always the same blue in every chart); a point
flagged for what its drawing cannot show gets a red ring (:mod:`bench_lib.charts.flags`).
The frame around each chart (legend, footer, file) is :mod:`bench_lib.charts.frame`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; never a window

from matplotlib.axes import Axes

from bench_lib import registry
from bench_lib.charts import flags
from bench_lib.printable import printable
from bench_lib.results.records import Machine, RunLog

PALETTE = {  # series that appear in several charts keep their colour everywhere
    # (a subject's own series: the colours in its declaration, bench_lib.registry.palette)
    # start methods and the thread/process contrast
    "fork": "#1f77b4",
    "forkserver": "#2ca02c",
    "spawn": "#d62728",
    "thread": "#9467bd",
    "threads": "#9467bd",
    "processes": "#ff7f0e",
    "subinterpreters": "#17becf",  # the fourth way (3.14+): its own colour in every chart
    "interpreter": "#17becf",
    "free-threaded threads": "#e377c2",
    "floor": "#7f7f7f",
    "ideal": "#333333",
    "raw": "#7f7f7f",
    "process": "#1f77b4",
}
FALLBACK = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
]
NOISY_EDGE = "#e00000"
IMPOSSIBLE_LABEL = "impossible speedup, not a result (above the usable cores)"
DPI = 110


def plain(text: str) -> str:
    """Text from a result file, shown literally: no mathtext ($...$) interpretation, and control
    or bidi characters as escapes (U+202E would reverse the rest of a footer)."""
    lines = (printable(line) for line in text.split("\n"))  # a caller's line breaks stay
    return "\n".join(lines).replace("$", r"\$")


def colour(series: str) -> str:
    if series in PALETTE:
        return PALETTE[series]
    subjects = registry.palette()
    if series in subjects:
        return subjects[series]
    digest = int(hashlib.sha256(series.encode()).hexdigest(), 16)
    return FALLBACK[digest % len(FALLBACK)]


@dataclass(frozen=True)
class RunContext:
    """What every chart footer names."""

    machine: str  # "vm-2c-4df4a7d9 (AMD EPYC, 2 usable cores)"
    python: str  # "CPython 3.11.7, GIL on"
    profile: str

    @classmethod
    def of(cls, data: dict[str, Any]) -> RunContext:
        m = Machine.of(data)
        gil = "GIL on" if m.gil_enabled else "GIL off (free-threaded)"
        return cls(
            machine=f"{m.machine_id} ({m.usable_cores} usable cores)",
            python=f"{m.python_implementation} {m.python_version}, {gil}",
            profile=RunLog.of(data).profile,
        )


@dataclass(frozen=True)
class Chart:
    stem: str  # file name without extension, in charts/
    title: str
    caption: str  # how to read it, one or two sentences

    @property
    def png(self) -> str:  # the chart's one file (bench_lib.charts.frame writes it)
        return f"charts/{self.stem}.png"


def error_bars(median: Any, low: Any, high: Any) -> Any:
    """Asymmetric error bar lengths; points without an interval get none."""
    import numpy as np

    med = np.asarray(median, dtype=float)
    lo = np.where(np.isnan(np.asarray(low, dtype=float)), med, np.asarray(low, dtype=float))
    hi = np.where(np.isnan(np.asarray(high, dtype=float)), med, np.asarray(high, dtype=float))
    return np.vstack([np.clip(med - lo, 0, None), np.clip(hi - med, 0, None)])


def samples_text(n: Any) -> str:
    """'n = 5 rounds' or 'n = 5..30 rounds' from a column of round counts."""
    low, high = int(min(n)), int(max(n))
    if low == high:
        return f"n = {low} round{'' if low == 1 else 's'} per point"
    return f"n = {low}..{high} rounds per point"


def value_labels(ax: Axes, ys: Any, medians: Any, highs: Any, texts: list[str]) -> None:
    """Value text right of each horizontal bar's whisker (log x axis)."""
    import numpy as np

    ends = np.fmax(np.asarray(medians, dtype=float), np.nan_to_num(np.asarray(highs, dtype=float)))
    for y, end, text in zip(ys, ends, texts):
        ax.text(end * 1.15, y, text, va="center", fontsize=8)


def interval_bars(
    ax: Axes,
    rows: Any,
    colours: list[str],
    labels: list[str],
    unit: str,
    hatches: list[str] | None = None,
) -> None:
    """Horizontal log-scale bars of medians with 95% whiskers, value labels and noisy outlines.

    ``rows`` has the tidy columns median, ci_low, ci_high and noisy, in drawing order.
    """
    from bench_lib.units import format_value

    ys = list(range(len(rows)))
    bars = ax.barh(
        ys,
        rows["median"],
        color=colours,
        alpha=0.85,
        hatch=hatches,
        capsize=3,
        xerr=error_bars(rows["median"], rows["ci_low"], rows["ci_high"]),
    )
    outline_flagged(bars, rows["flags"] if "flags" in rows else rows["noisy"])
    value_labels(
        ax, ys, rows["median"], rows["ci_high"], [format_value(v, unit) for v in rows["median"]]
    )
    ax.set_yticks(ys, labels, fontsize=9)
    ax.set_xscale("log")
    ax.set_xlim(right=max(rows["median"].max(), rows["ci_high"].max()) * 6)
    ax.grid(axis="x", alpha=0.3)


def mark_impossible(ax: Any, rows: Any, axis: str, cap: Any) -> None:
    """Red crosses where an impossible speedup was measured, drawn at the ideal's cap."""
    bad = rows[rows["impossible"]] if "impossible" in rows else rows.iloc[0:0]
    if bad.empty:
        return
    ax.scatter(
        bad[axis],
        cap(bad[axis]),
        marker="x",
        s=80,
        color="#d00000",
        zorder=4,
        label=IMPOSSIBLE_LABEL,
    )


def speedup_series(ax: Axes, rows: Any, axis: str, label: str, color: str) -> None:
    """One speedup curve against ``axis``: points with their 95% intervals, noisy ones ringed."""
    ax.errorbar(
        rows[axis],
        rows["speedup"],
        marker="o",
        color=color,
        label=label,
        capsize=3,
        yerr=error_bars(rows["speedup"], rows["speedup_ci_low"], rows["speedup_ci_high"]),
    )
    mark_noisy(ax, rows[axis], rows["speedup"], rows["flags"] if "flags" in rows else rows["noisy"])


def mark_noisy(ax: Axes, xs: Any, ys: Any, point_flags: Any) -> None:
    """A red ring around each point flagged for what the drawing cannot show (erratic rounds,
    a busy machine...: :mod:`bench_lib.charts.flags`); the frame's legend says what they mean.

    ``point_flags``: per point, its flag codes joined by commas (the tidy ``flags`` column), or
    a bool where only "noisy" is known."""
    import numpy as np

    per_point = list(point_flags)
    mask = np.asarray(flags.ringed(per_point), dtype=bool)
    if mask.any():
        rings = ax.scatter(
            np.asarray(xs)[mask],
            np.asarray(ys)[mask],
            s=160,
            facecolors="none",
            edgecolors=NOISY_EDGE,
            linewidths=1.5,
            zorder=5,
            label="_nolegend_",
        )
        rings.set_gid(flags.gid(",".join(_codes(f) for f, m in zip(per_point, mask) if m)))


def outline_flagged(bars: Any, point_flags: Any) -> None:
    """A red outline on each bar flagged for what its drawing cannot show (:func:`mark_noisy`)."""
    for bar, point in zip(bars, point_flags):
        if flags.codes(point):
            bar.set_edgecolor(NOISY_EDGE)
            bar.set_linewidth(2)
            bar.set_gid(flags.gid(point))


def _codes(point: flags.FlagsOf) -> str:
    return ",".join(flags.codes(point))


def count_axis(ax: Axes, values: Any, axis: str = "x") -> None:
    """A log-2 axis for worker or connection counts, ticked with the plain numbers measured."""
    from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter

    ticks = sorted({int(v) for v in values})
    target = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log", base=2)
    target.set_major_locator(FixedLocator(ticks))
    target.set_major_formatter(ScalarFormatter())
    target.set_minor_locator(NullLocator())
