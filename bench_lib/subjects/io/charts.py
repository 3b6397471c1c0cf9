"""Charts of the io subject: requests/s and server CPU per request vs connections per model,
selector cost vs descriptors.

A client-bound rate (``bench_lib.io_bounds``) is drawn as a hollow up-pointing triangle: the
server answered at least that fast. The server CPU chart ranks the servers; the client
cannot cap it.
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
)
from bench_lib.results import tidy
from bench_lib.stats.descriptive import loglog_slope
from bench_lib.subjects.io import bounds as io_bounds

MODEL_ORDER = ("threads", "processes", "asyncio", "gevent", "select", "poll", "epoll")
IO_COLOURS = {  # the shared palette's fallback gives epoll the threads purple
    "asyncio": "#2ca02c",
    "gevent": "#8c564b",
    "select": "#7f7f7f",
    "poll": "#17becf",
    "epoll": "#d62728",
}


def _colour(series: str) -> str:
    return IO_COLOURS.get(series, colour(series))


LOWER_BOUND_LABEL = "client-bound: at least this fast (the client was the limit)"


def _models(rows: pd.DataFrame) -> list[str]:
    return [m for m in MODEL_ORDER if m in set(rows["p_model"])]


def echo_rate(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    rows = tidy.select(frame, "io", "echo")
    if rows.empty:
        return None
    bound = rows["name"].isin(list(io_bounds.lower_bound_names(data)))
    fig, (ax,) = new_chart()
    for model in _models(rows):
        group = rows[rows["p_model"] == model].sort_values("p_connections")
        ax.errorbar(
            group["p_connections"],
            group["median"],
            yerr=error_bars(group["median"], group["ci_low"], group["ci_high"]),
            marker="o",
            capsize=3,
            label=series_label("model", model),
            color=_colour(model),
        )
        low = group[bound[group.index]]
        if not low.empty:  # a lower bound: a hollow triangle pointing up over the point
            ax.scatter(
                low["p_connections"],
                low["median"],
                marker="^",
                s=90,
                facecolors="white",
                edgecolors=_colour(model),
                zorder=3,
                label=LOWER_BOUND_LABEL,
            )
        plain = group[~bound[group.index]]  # a client-bound point's flag is not noise
        mark_noisy(ax, plain["p_connections"], plain["median"], plain["flags"])
    ax.set_xscale("log")
    ax.set_xlabel("concurrent connections (log scale)")
    ax.set_ylabel("echo requests per second")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    chart = Chart(
        "io_echo_rate",
        "Echo requests/s by concurrency model and connections",
        "One 64-byte request in flight per connection, every reply checked. Hollow "
        "triangles are lower bounds: the one-thread client was the limit, so they do not "
        "rank the servers (the server CPU chart does). Missing points are recorded limits "
        "(select past FD_SETSIZE, one process per connection past its cap).",
    )
    return finish(fig, out_dir, chart, ctx, samples_text(rows["n"]))


def server_cpu(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    rows = tidy.select(tidy.metrics(data), "io", "echo", headline_only=False)
    if rows.empty or "p_connections" not in rows:
        return None
    rows = rows[rows["metric"] == io_bounds.RANK_METRIC]
    if rows.empty:
        return None
    fig, (ax,) = new_chart()
    for model in _models(rows):
        group = rows[rows["p_model"] == model].sort_values("p_connections")
        ax.plot(
            group["p_connections"],
            group["value"] * 1e6,
            marker="o",
            label=series_label("model", model),
            color=_colour(model),
        )
    ax.set_xscale("log")
    ax.set_xlabel("concurrent connections (log scale)")
    ax.set_ylabel("server CPU per request, µs (lower is better)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    chart = Chart(
        "io_server_cpu",
        "Server CPU per echo request: the ranking the client cannot cap",
        "CPU seconds the server's process tree used over the measured rounds, divided by "
        "the requests it answered. A faster client would change the rate, not this.",
    )
    return finish(fig, out_dir, chart, ctx, "CPU over all measured rounds of each point")


def selector_cost(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    rows = tidy.select(frame, "io", "selector_check")
    if rows.empty or rows["p_fds"].nunique() < 2:
        return None
    fig, (ax,) = new_chart()
    for name, group in rows.groupby("p_selector"):
        group = group.sort_values("p_fds")
        label = str(name)
        if len(group) >= 2:
            slope = loglog_slope(list(zip(group["p_fds"], group["median"])))
            label = f"{name} (slope {slope:.2f})"
        ax.errorbar(
            group["p_fds"],
            group["median"] * 1e6,
            yerr=error_bars(group["median"], group["ci_low"], group["ci_high"]) * 1e6,
            marker="o",
            capsize=3,
            label=label,
            color=_colour(str(name)),
        )
        mark_noisy(ax, group["p_fds"], group["median"] * 1e6, group["flags"])
    ax.axvline(1024, color="#999999", linestyle=":", linewidth=1)
    ax.text(1024, ax.get_ylim()[1], " FD_SETSIZE: select stops", fontsize=7, va="top")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("registered descriptors, one ready (log scale)")
    ax.set_ylabel("one readiness check, µs (log scale)")
    ax.grid(alpha=0.3, which="both")
    chart = Chart(
        "io_selector_cost",
        "Readiness check cost vs registered descriptors",
        "select and poll scan every descriptor on every call (slope near 1 on log-log: "
        "O(n)); epoll returns only the ready one (slope near 0: O(1)).",
    )
    return finish(fig, out_dir, chart, ctx, samples_text(rows["n"]))


CHARTS = (echo_rate, server_cpu, selector_cost)  # in report order
