"""Charts of the pool subject: per-task overhead by API, scaling with workers and cores, start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench_lib.charts.frame import finish, new_chart
from bench_lib.charts.labels import label as series_label
from bench_lib.charts.style import (
    Chart,
    RunContext,
    colour,
    count_axis,
    error_bars,
    interval_bars,
    mark_impossible,
    outline_flagged,
    samples_text,
    speedup_series,
    value_labels,
)
from bench_lib.results import scaling as scaling_figures
from bench_lib.results import tidy
from bench_lib.results.records import Machine
from bench_lib.units import format_value


def overhead(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    rows = tidy.select(frame, "pool", "task_overhead")
    if rows.empty:
        return None
    order = rows.groupby("p_api")["median"].min().sort_values().index.tolist()
    pools = sorted(rows["p_pool"].unique())
    fig, (ax,) = new_chart(height_in=0.45 * len(order) * max(1, len(pools)) / 1.4 + 1.8)
    height = 0.8 / len(pools)
    for k, pool in enumerate(pools):
        group = (
            rows[rows["p_pool"] == pool].set_index("p_api").reindex(order).dropna(subset=["median"])
        )
        ys = (
            np.array([order.index(api) for api in group.index])
            + (k - (len(pools) - 1) / 2) * height
        )
        label = "process pool" if pool == "process" else "thread pool"
        bars = ax.barh(
            ys,
            group["median"],
            height=height,
            color=colour("processes" if pool == "process" else "threads"),
            label=label,
            xerr=error_bars(group["median"], group["ci_low"], group["ci_high"]),
            capsize=2,
        )
        outline_flagged(bars, group["flags"])
        value_labels(
            ax,
            ys,
            group["median"],
            group["ci_high"],
            [format_value(v, "s") for v in group["median"]],
        )
    ax.set_yticks(range(len(order)), [series_label("api", api) for api in order])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(right=rows["median"].max() * 8)
    ax.set_xlabel("time per no-op task (log scale): the API's own cost")
    ax.grid(axis="x", alpha=0.3)
    chart = Chart(
        "pool_overhead",
        "What each Pool API costs per task",
        "No-op tasks, so everything measured is overhead: pickling, the task queue, "
        "result hand-back. map-style APIs send tasks in chunks; apply, apply_async, "
        "imap and submit pay a round trip per task.",
    )
    return finish(fig, out_dir, chart, ctx, samples_text(rows["n"]))


def scaling(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    table = tidy.derived(data)
    if table.empty:
        return None
    flagged = list(scaling_figures.impossible_names(data["benchmarks"]))
    table = table.assign(impossible=table["name"].isin(flagged))
    by_workers = tidy.select(table, "pool", "scaling", headline_only=False)
    by_cores = tidy.select(table, "pool", "scaling_cores", headline_only=False)
    if by_workers.empty and by_cores.empty:
        return None
    cores = Machine.of(data).usable_cores
    fig, axes = new_chart(ncols=2, width_in=11.5, height_in=4.6)
    for ax, rows, axis, xlabel in (
        (axes[0], by_workers, "p_workers", "workers (processes=N)"),
        (axes[1], by_cores, "p_cores", "usable cores (affinity mask), one worker each"),
    ):
        if rows.empty:
            ax.set_visible(False)
            continue
        xs = np.array(sorted(rows[axis].unique()))
        ideal = xs if axis == "p_cores" else np.minimum(xs, cores)
        ax.plot(xs, ideal, color=colour("ideal"), linestyle="--", label="ideal")
        mark_impossible(
            ax, rows, axis, (lambda x: x) if axis == "p_cores" else (lambda x: np.minimum(x, cores))
        )
        rows = rows[~rows["impossible"]]
        if rows.empty:
            continue
        for task_ms, group in rows.groupby("p_task_ms"):
            group = group.sort_values(axis)
            label = f"{task_ms:g} ms tasks"
            speedup_series(ax, group, axis, label, colour(label))
        count_axis(ax, xs)
        ax.set_ylim(0, max(float(ideal.max()), float(rows["speedup"].max())) * 1.2)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("speedup over one worker (Pool.map)")
        ax.grid(alpha=0.3)
    chart = Chart(
        "pool_scaling",
        "How a process pool scales with workers and with cores",
        "A fixed batch of CPU-bound tasks (fixed spin steps) through Pool.map, pinned to "
        "min(workers, cores) CPUs. Left: more workers on all cores (past the core count "
        "nothing is gained). Right: fewer cores emulated with CPU affinity, one worker "
        "per core. A red cross is a speedup flagged impossible, not a result.",
    )
    return finish(fig, out_dir, chart, ctx, "speedup intervals: bootstrap of both points' rounds")


def start(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    rows = tidy.select(frame, "pool", "pool_start")
    if rows.empty:
        return None
    rows = rows.assign(
        label=[
            f"{'Pool' if p == 'pool' else 'ProcessPoolExecutor'}, {s}"
            for p, s in zip(rows["p_pool"], rows["p_start"])
        ]
    ).sort_values("median")
    fig, (ax,) = new_chart(height_in=0.45 * len(rows) + 1.6)
    interval_bars(ax, rows, [colour(str(s)) for s in rows["p_start"]], list(rows["label"]), "s")
    ax.set_xlabel("creation until every worker answered, one worker per core (log scale)")
    chart = Chart(
        "pool_start",
        "What a pool costs to start",
        "From creating a pool until all its workers have answered a task (an executor "
        "starts workers lazily: it is made to start all), by start method. Paid once: "
        "reuse a pool rather than building one per batch.",
    )
    return finish(fig, out_dir, chart, ctx, samples_text(rows["n"]))


CHARTS = (overhead, scaling, start)  # in report order
