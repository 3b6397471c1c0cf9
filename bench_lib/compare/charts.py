"""Charts of a comparison, one PNG each: ratios with intervals, and overlaid scaling curves.

* :func:`ratio_chart`: one row per figure, grouped by subject; the ratio candidate / baseline
  on a log axis with its 95% interval, coloured by verdict, a line at 1 and the +-min-effect band.
* :func:`scaling_charts`: a figure against a numeric parameter (workers, size, MiB...), one line
  per run, intervals as error bars, points flagged for what a whisker cannot show ringed in
  red (:mod:`bench_lib.charts.flags`).

Each chart names the runs (machine and Python) and the rounds behind it. Charts only read a
:class:`bench_lib.compare.Comparison`; they never measure.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window

import matplotlib.pyplot as plt
from matplotlib.figure import Figure as MplFigure

from bench_lib.charts import flags
from bench_lib.charts.frame import FOOTER_IN, legend_below, write_png
from bench_lib.charts.style import NOISY_EDGE, Chart, plain
from bench_lib.compare.pairs import Comparison, FigureComparison, PairComparison, Point
from bench_lib.units import format_value

VERDICT_COLOURS = {
    "faster": "#2ca02c",
    "slower": "#d62728",
    "same": "#7f7f7f",
    "inconclusive": "#ff9f1c",
}
RUN_COLOURS = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#e377c2")
ROW_HEIGHT_IN = 0.24  # tall enough for one 8-point label per row
MAX_SCALING_CHARTS = 60  # past this a report is a wall of charts; the rest are skipped, and said so


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80] or "chart"


def save(fig: MplFigure, out_dir: Path, chart: Chart, legend_under: bool = True) -> Chart:
    """Write the chart's one PNG under ``out_dir`` (``charts/<stem>.png``, as
    :class:`bench_lib.charts.style.Chart` names it). ``legend_under``: the legend moves under
    the axes (a chart whose legend already sits outside them keeps it there)."""
    legend_in = legend_below(fig) if legend_under else 0.0
    height_in = fig.get_size_inches()[1]
    bottom = (FOOTER_IN + legend_in) / height_in if legend_under else 0.0
    fig.tight_layout(rect=(0, bottom, 1, 1))
    write_png(fig, out_dir / chart.png, tight=True)
    plt.close(fig)
    return chart


def _rounds_note(ns: list[int]) -> str:
    ns = [n for n in ns if n > 0]
    if not ns:
        return "single values, no rounds"
    return f"{min(ns)}-{max(ns)} rounds per figure" if min(ns) != max(ns) else f"{ns[0]} rounds"


def _ratio_rows(pair: PairComparison) -> list[FigureComparison | str]:
    """Rows top to bottom: a subject name, then its measured figures that have a positive ratio.

    Single stored values (``source == "metric"``) have no interval and never a verdict: they stay
    in the tables and out of the chart, which would otherwise grow by hundreds of rows.
    """
    rows: list[FigureComparison | str] = []
    for subject in dict.fromkeys(f.subject for f in pair.figures):
        mine = [
            f
            for f in pair.figures
            if f.subject == subject and f.ratio and f.ratio > 0 and f.source != "metric"
        ]
        if mine:
            rows += [subject, *mine]
    return rows


def ratio_chart(comparison: Comparison, pair: PairComparison, out_dir: Path) -> Chart | None:
    """The ratio chart of one pair; None when no figure has a ratio to draw."""
    rows = _ratio_rows(pair)
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(9, 1.8 + ROW_HEIGHT_IN * len(rows)))
    labels = []
    for y, row in enumerate(reversed(rows)):
        if isinstance(row, str):
            labels.append(plain(f"[{row}]"))
            continue
        labels.append(plain(f"{row.name}: {row.figure} ({_direction(row)})"))
        assert row.ratio is not None
        colour = VERDICT_COLOURS[row.verdict]
        if row.ratio_ci is not None:
            low, high = row.ratio_ci
            ax.errorbar(
                row.ratio,
                y,
                xerr=[[max(0.0, row.ratio - low)], [max(0.0, high - row.ratio)]],
                fmt="none",
                ecolor=colour,
                capsize=3,
            )
        ax.plot(
            row.ratio,
            y,
            "o",
            color=colour,
            markeredgecolor=NOISY_EDGE if flags.codes(row.flags) else colour,
            markeredgewidth=2 if flags.codes(row.flags) else 1,
        )
    band = 1 + comparison.min_effect
    ax.axvspan(1 / band, band, color="#dddddd", zorder=0)
    ax.axvline(1.0, color="#333333", linewidth=1)
    ax.set_xscale("log")
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_ylim(-0.7, len(labels) - 0.3)
    ax.set_xlabel(
        f"ratio candidate / baseline, log scale (grey band: +-{comparison.min_effect:.0%}; "
        "a time < 1 or a rate > 1 is faster)"
    )
    for verdict, colour in VERDICT_COLOURS.items():
        ax.plot([], [], "o", color=colour, label=verdict)
    marked = [c for row in rows if not isinstance(row, str) for c in flags.codes(row.flags)]
    if marked:  # what the rings stand for, in words
        ax.plot(
            [], [], "o", color="white", markeredgecolor=NOISY_EDGE, label=flags.ring_label(marked)
        )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ratio_ticks = matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:g}x")
    ax.xaxis.set_major_formatter(ratio_ticks)
    ax.xaxis.set_minor_formatter(ratio_ticks)
    ax.tick_params(axis="x", which="minor", labelsize=7)
    base, cand = comparison.runs[pair.baseline], comparison.runs[pair.candidate]
    counts = [n for f in pair.figures for n in (f.n_baseline, f.n_candidate)]
    ax.set_title(
        plain(f"{cand.title}\nvs baseline {base.title}")
        + f"\n{_profiles(base.profile, cand.profile)}, {_rounds_note(counts)}; "
        "95% intervals from the blocks",
        fontsize=9,
    )
    chart = Chart(
        stem=f"ratio_{pair.candidate}_{slug(cand.label)}",
        title=f"{cand.title} vs baseline {base.title}",
        caption=(
            "Each row is one figure: the ratio candidate / baseline of the medians with its 95% "
            "interval, on a log axis. Green is faster, red slower, grey the same within "
            f"+-{comparison.min_effect:.0%} (the grey band), orange inconclusive; a red ring "
            "marks a figure flagged in either run for more than a wide interval (the legend "
            "says which flags)."
        ),
    )
    return save(fig, out_dir, chart, legend_under=False)  # its legend is right of the rows


def _profiles(*names: str) -> str:
    unique = list(dict.fromkeys(names))
    return plain(f"profile {unique[0]}" if len(unique) == 1 else f"profiles {' vs '.join(unique)}")


def _direction(f: FigureComparison) -> str:
    if f.higher_is_better is None:
        return "direction unknown"
    return "higher is better" if f.higher_is_better else "lower is better"


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


ScalingKey = tuple[str, str, str, str, tuple[tuple[str, str], ...]]


def scaling_groups(points: tuple[Point, ...]) -> dict[ScalingKey, list[Point]]:
    """Points by (subject, case, figure, numeric axis, the other parameters), where the axis
    takes at least two values; one group is one chart."""
    groups: dict[ScalingKey, list[Point]] = defaultdict(list)
    for p in points:
        for axis, value in p.params:
            if _number(value) is None:
                continue
            others = tuple((k, v) for k, v in p.params if k != axis)
            groups[(p.subject, p.case, p.figure, axis, others)].append(p)
    return {k: v for k, v in groups.items() if len({_number(dict(p.params)[k[3]]) for p in v}) >= 2}


def scaling_chart(
    comparison: Comparison, key: ScalingKey, points: list[Point], out_dir: Path
) -> Chart:
    subject, case, figure, axis, others = key
    fig, ax = plt.subplots(figsize=(7, 4.5))
    unit = points[0].unit
    for run in sorted({p.run for p in points}):
        mine = sorted(
            (p for p in points if p.run == run), key=lambda p: _number(dict(p.params)[axis]) or 0
        )
        xs = [_number(dict(p.params)[axis]) or 0.0 for p in mine]
        ys = [p.median for p in mine]
        colour = RUN_COLOURS[run % len(RUN_COLOURS)]
        info = comparison.runs[run]
        ax.plot(
            xs,
            ys,
            "-o",
            color=colour,
            label=plain(f"{info.title}, {_rounds_note([p.n for p in mine])}"),
        )
        for x, p in zip(xs, mine):
            if p.ci is not None:
                ax.errorbar(
                    x,
                    p.median,
                    yerr=[[max(0.0, p.median - p.ci[0])], [max(0.0, p.ci[1] - p.median)]],
                    fmt="none",
                    ecolor=colour,
                    capsize=3,
                )
            if flags.codes(p.flags):
                ax.plot(
                    x,
                    p.median,
                    "o",
                    markerfacecolor="none",
                    markeredgecolor=NOISY_EDGE,
                    markersize=11,
                    markeredgewidth=1.5,
                    gid=flags.gid(p.flags),  # the frame's legend names what it marks
                )
    positive = [_number(dict(p.params)[axis]) or 0.0 for p in points]
    if min(positive) > 0 and max(positive) / min(positive) >= 8:
        ax.set_xscale("log", base=2)
    ax.set_xlabel(plain(axis))
    ax.set_ylabel(plain(f"{figure} ({unit})"))
    ax.yaxis.set_major_formatter(
        matplotlib.ticker.FuncFormatter(lambda v, _pos: plain(format_value(v, unit)))
    )
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    where = " ".join(f"{k}={v}" for k, v in others)
    ax.set_title(
        plain(f"{subject} {case}{' ' + where if where else ''}: {figure} vs {axis}")
        + "\n"
        + _profiles(*(comparison.runs[r].profile for r in sorted({p.run for p in points})))
        + "; each figure from its blocks, 95% interval from the blocks",
        fontsize=9,
    )
    title = f"{subject} {case}{' ' + where if where else ''}: {figure} vs {axis}"
    chart = Chart(
        stem=slug(f"scaling_{subject}_{case}_{figure}_{axis}_{where}"),
        title=title,
        caption=(
            f"{figure} against {axis}, one line per run (median of the rounds, 95% interval); "
            "lines that part show where the runs differ, a red ring marks a point flagged for "
            "more than a wide interval (the legend says which flags)."
        ),
    )
    return save(fig, out_dir, chart)


def scaling_charts(comparison: Comparison, out_dir: Path) -> tuple[list[Chart], int]:
    """Every scaling overlay (up to MAX_SCALING_CHARTS) under ``out_dir/charts``; returns the
    charts and how many were left out."""
    groups = scaling_groups(comparison.points)
    keys = list(groups)[:MAX_SCALING_CHARTS]
    return [scaling_chart(comparison, k, groups[k], out_dir) for k in keys], len(groups) - len(keys)
