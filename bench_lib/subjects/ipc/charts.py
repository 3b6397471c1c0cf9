"""Charts of the ipc subject: throughput by message size against the floors; round trips.

Placement is part of every figure: the throughput chart draws one placement (cross_core,
the children on another core, where the run has it) with the floors at that placement; the
latency chart has one bar per channel and placement.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from bench_lib.charts.frame import finish, new_chart
from bench_lib.charts.labels import label as series_label
from bench_lib.charts.style import (
    Chart,
    RunContext,
    colour,
    error_bars,
    mark_noisy,
    samples_text,
    value_labels,
)
from bench_lib.results import tidy
from bench_lib.units import format_bytes_size, format_value

FLOORS = {
    "os_pipe": ("floor: raw os.pipe", "--"),
    "socketpair": ("floor: raw socketpair", "-."),
    "memcpy": ("floor: memcpy in one process", ":"),
}
RAW = ("os_pipe", "socketpair")
PREFERRED_PLACEMENT = "cross_core"  # two processes on two cores: what IPC usually means


def one_placement(rows: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The rows of one placement (cross_core if present) plus rows without a placement."""
    if "p_placement" not in rows:
        return rows, None
    present = [str(p) for p in rows["p_placement"].dropna().unique()]
    if not present:
        return rows, None
    shown = PREFERRED_PLACEMENT if PREFERRED_PLACEMENT in present else sorted(present)[0]
    keep = rows["p_placement"].isna() | (rows["p_placement"] == shown)
    return rows[keep], shown


def throughput(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    rows = (
        frame[(frame["subject"] == "ipc") & (frame["unit"] == "B/s")] if not frame.empty else frame
    )
    if rows.empty or "p_size" not in rows:
        return None
    rows, shown = one_placement(rows)
    stream = rows[rows["case"] == "stream"]
    if stream.empty or stream["p_size"].nunique() < 2:
        return None
    fig, (ax,) = new_chart(width_in=9.0, height_in=5.2)
    for channel, group in stream.groupby("p_channel"):
        group = group.sort_values("p_size")
        ax.errorbar(
            group["p_size"],
            group["median"],
            marker="o",
            label=series_label("channel", channel),
            color=colour(str(channel)),
            capsize=2,
            yerr=error_bars(group["median"], group["ci_low"], group["ci_high"]),
        )
        mark_noisy(ax, group["p_size"], group["median"], group["flags"])
    for case, (label, style) in FLOORS.items():
        floor = rows[rows["case"] == case].sort_values("p_size")
        if len(floor):
            ax.plot(
                floor["p_size"],
                floor["median"],
                color="#555555",
                linestyle=style,
                linewidth=2,
                label=label,
            )
    sizes = sorted(stream["p_size"].unique())
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes, [format_bytes_size(int(s)) for s in sizes])
    ax.set_yscale("log")
    ax.set_xlabel("message size (log)")
    ax.set_ylabel("bytes per second, one producer to one consumer (log)")
    ax.grid(alpha=0.3, which="both")
    chart = Chart(
        "ipc_throughput",
        "How fast processes can talk, by channel and message size",
        "Bytes per second from one child process to the parent through each channel, "
        f"every message checked{_placement_words(shown)}. The floors: a raw "
        "os.pipe (dashed, under Pipe(duplex=False) and the queues) and a raw socketpair "
        "(dash-dot, under Pipe() and the Manager) between the same two CPUs, and a copy "
        "inside one process (dotted, under shared memory).",
    )
    return finish(fig, out_dir, chart, ctx, samples_text(stream["n"]))


def latency(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    metrics = tidy.select(tidy.metrics(data), "ipc", "ping_pong", headline_only=False)
    if metrics.empty:
        return None
    if "p_size" in metrics:
        metrics = metrics[metrics["p_size"] == metrics["p_size"].min()]
    metrics = metrics.assign(bar=metrics["p_channel"].astype(str))
    if "p_placement" in metrics:
        metrics = metrics.assign(bar=metrics["bar"] + " " + metrics["p_placement"].astype(str))
    table = metrics.pivot_table(index="bar", columns="metric", values="value", aggfunc="first")
    if not {"rtt_median_us", "rtt_p99_us"} <= set(table.columns) or table.empty:
        return None
    table = table.sort_values("rtt_median_us")
    fig, (ax,) = new_chart(height_in=0.45 * len(table) + 1.8)
    ys = list(range(len(table)))
    median_s = table["rtt_median_us"] / 1e6
    p99_s = table["rtt_p99_us"] / 1e6
    ax.barh(
        ys,
        median_s,
        color=[colour(_channel(c)) if _channel(c) not in RAW else "#999999" for c in table.index],
        label="median",
    )
    ax.scatter(p99_s, ys, marker="|", s=300, color="#222222", label="p99", zorder=4)
    value_labels(
        ax,
        ys,
        median_s,
        p99_s,
        [f"{format_value(m, 's')} (p99 {format_value(p, 's')})" for m, p in zip(median_s, p99_s)],
    )
    ax.set_yticks(ys, [_bar_label(c) for c in table.index])
    ax.set_xscale("log")
    ax.set_xlim(right=float(p99_s.max()) * 8)
    ax.set_xlabel("round trip of one small message, parent -> child -> parent (log)")
    ax.grid(axis="x", alpha=0.3)
    chart = Chart(
        "ipc_latency",
        "Round-trip latency per channel",
        "Ping-pong of one small message, per channel and placement (same_core: both "
        "processes pinned to one CPU; cross_core: on two): bars are the median round trip, "
        "the tick the 99th percentile (the rare slow trips an average hides). The raw "
        "os_pipe and socketpair bars are the floors.",
    )
    return finish(fig, out_dir, chart, ctx, "every trip of the measured rounds")


def _placement_words(shown: str | None) -> str:
    return f", placement {shown} ({series_label('placement', shown)})" if shown else ""


def _channel(bar: str) -> str:
    return bar.split(" ")[0]


def _bar_label(bar: str) -> str:
    """ "Pipe, both ways, two cores" for the bar "pipe cross_core"; a raw channel is a floor."""
    channel, *placement = bar.split(" ")
    words = [series_label("channel", channel), *(series_label("placement", p) for p in placement)]
    return ("floor: " if channel in RAW else "") + ", ".join(words)


CHARTS = (throughput, latency)  # in report order
