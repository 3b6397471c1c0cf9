"""One look for every chart: colours per series, a footer naming machine and Python, files.

Colours are fixed per series name (fork is always the same blue in every chart);
noisy points get a red ring; every chart says machine, Python, profile and
sample count in its footer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; never a window

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure

from bench_lib import registry
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
NOISY_LABEL = "noisy (see flags)"
IMPOSSIBLE_LABEL = "impossible speedup, not a result (above the usable cores)"
DPI = 110


def plain(text: str) -> str:
    """Text from a result file, shown literally: no mathtext ($...$) interpretation."""
    return text.replace("$", r"\$")


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
    def png(self) -> str:
        return f"charts/{self.stem}.png"

    @property
    def svg(self) -> str:
        return f"charts/{self.stem}.svg"


def new_chart(
    ncols: int = 1, width_in: float = 8.0, height_in: float = 4.6
) -> tuple[MplFigure, list[Axes]]:
    fig, axes = plt.subplots(1, ncols, figsize=(width_in, height_in), squeeze=False)
    return fig, list(axes[0])


def finish(fig: MplFigure, out_dir: Path, chart: Chart, ctx: RunContext, samples: str) -> Chart:
    """Title, footer (machine, Python, profile, samples), then PNG and SVG files."""
    fig.suptitle(chart.title, fontsize=12, fontweight="bold")
    fig.text(
        0.01,
        0.01,
        plain(f"{ctx.machine} | {ctx.python} | profile {ctx.profile} | {samples}"),
        fontsize=7,
        color="#555555",
        ha="left",
        va="bottom",
    )
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    charts = out_dir / "charts"
    charts.mkdir(parents=True, exist_ok=True)
    fig.savefig(charts / f"{chart.stem}.png", dpi=DPI)
    fig.savefig(charts / f"{chart.stem}.svg")
    plt.close(fig)
    return chart


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
    return f"n = {low} rounds per point" if low == high else f"n = {low}..{high} rounds per point"


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
    for bar, noisy in zip(bars, rows["noisy"]):
        if noisy:
            bar.set_edgecolor(NOISY_EDGE)
            bar.set_linewidth(2)
    value_labels(
        ax,
        ys,
        rows["median"],
        rows["ci_high"],
        [
            format_value(v, unit) + (" (noisy)" if n else "")
            for v, n in zip(rows["median"], rows["noisy"])
        ],
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
    mark_noisy(ax, rows[axis], rows["speedup"], rows["noisy"])


def mark_noisy(ax: Axes, xs: Any, ys: Any, noisy: Any) -> None:
    """A red ring around each noisy point (one legend entry per axes)."""
    import numpy as np

    mask = np.asarray(noisy, dtype=bool)
    if mask.any():
        labelled = any(t == NOISY_LABEL for t in ax.get_legend_handles_labels()[1])
        ax.scatter(
            np.asarray(xs)[mask],
            np.asarray(ys)[mask],
            s=160,
            facecolors="none",
            edgecolors=NOISY_EDGE,
            linewidths=1.5,
            zorder=5,
            label="_nolegend_" if labelled else NOISY_LABEL,
        )


def count_axis(ax: Axes, values: Any, axis: str = "x") -> None:
    """A log-2 axis for worker or connection counts, ticked with the plain numbers measured."""
    from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter

    ticks = sorted({int(v) for v in values})
    target = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log", base=2)
    target.set_major_locator(FixedLocator(ticks))
    target.set_major_formatter(ScalarFormatter())
    target.set_minor_locator(NullLocator())
