"""Charts of the ipc subject: throughput by message size against the floors; round trips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from bench_lib import tidy
from bench_lib.chart_style import (
    Chart,
    RunContext,
    colour,
    error_bars,
    finish,
    mark_noisy,
    new_chart,
    samples_text,
    value_labels,
)
from bench_lib.units import format_bytes_size, format_value

FLOORS = {"os_pipe": "floor: raw os.pipe", "memcpy": "floor: memcpy in one process"}


def throughput(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    rows = (
        frame[(frame["subject"] == "ipc") & (frame["unit"] == "B/s")] if not frame.empty else frame
    )
    if rows.empty or "p_size" not in rows:
        return None
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
            label=str(channel),
            color=colour(str(channel)),
            capsize=2,
            yerr=error_bars(group["median"], group["ci_low"], group["ci_high"]),
        )
        mark_noisy(ax, group["p_size"], group["median"], group["noisy"])
    for case, label in FLOORS.items():
        floor = rows[rows["case"] == case].sort_values("p_size")
        if len(floor):
            ax.plot(
                floor["p_size"],
                floor["median"],
                color="#555555",
                linestyle="--" if case == "os_pipe" else ":",
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
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    chart = Chart(
        "ipc_throughput",
        "How fast processes can talk, by channel and message size",
        "Bytes per second from one child process to the parent through each channel, "
        "every message checked. The dashed line is a raw os.pipe between two "
        "processes, the dotted one a copy inside one process: the floors.",
    )
    return finish(fig, out_dir, chart, ctx, samples_text(stream["n"]))


def latency(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    metrics = tidy.select(tidy.metrics(data), "ipc", "ping_pong", headline_only=False)
    if metrics.empty:
        return None
    table = metrics.pivot_table(
        index="p_channel", columns="metric", values="value", aggfunc="first"
    )
    if not {"rtt_median_us", "rtt_p99_us"} <= set(table.columns):
        return None
    table = table.sort_values("rtt_median_us")
    fig, (ax,) = new_chart(height_in=0.45 * len(table) + 1.8)
    ys = list(range(len(table)))
    median_s = table["rtt_median_us"] / 1e6
    p99_s = table["rtt_p99_us"] / 1e6
    ax.barh(
        ys,
        median_s,
        color=[colour(str(c)) if c != "os_pipe" else "#999999" for c in table.index],
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
    ax.set_yticks(ys, [("floor: raw os.pipe" if c == "os_pipe" else str(c)) for c in table.index])
    ax.set_xscale("log")
    ax.set_xlim(right=float(p99_s.max()) * 8)
    ax.set_xlabel("round trip of one small message, parent -> child -> parent (log)")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    chart = Chart(
        "ipc_latency",
        "Round-trip latency per channel",
        "Ping-pong of one 64-byte message: bars are the median round trip, the tick "
        "the 99th percentile (the rare slow trips an average hides).",
    )
    return finish(fig, out_dir, chart, ctx, "every trip of the measured rounds")


CHARTS = (throughput, latency)  # in report order
