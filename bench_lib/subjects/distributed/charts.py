"""Charts of the distributed subject: task overhead next to Pool and executor, scaling of dask
next to Pool, transfer throughput by size next to the one-machine channels."""

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
    mark_noisy,
    samples_text,
    speedup_series,
)
from bench_lib.results import tidy
from bench_lib.results.records import Machine
from bench_lib.units import format_bytes_size

SUBJECT = "distributed"
API_ORDER = ("pool_apply", "pool_apply_async", "executor_submit", "dask_submit", "dask_map")
# drawing order: one machine first, then dask
PATH_ORDER = ("scatter_gather", "worker_to_worker", "pipe", "shm")


def overhead(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    rows = tidy.select(frame, SUBJECT, "task_overhead")
    if rows.empty:
        return None
    order = [api for api in API_ORDER if api in set(rows["p_api"])]
    rows = rows.set_index("p_api").loc[order].reset_index()
    fig, (ax,) = new_chart(height_in=0.5 * len(rows) + 1.8)
    colours = [colour("dask" if str(a).startswith("dask") else "processes") for a in rows["p_api"]]
    interval_bars(ax, rows, colours, [series_label("api", a) for a in rows["p_api"]], "s")
    ax.invert_yaxis()
    ax.set_xlabel("time per no-op task (log scale): the engine's own cost")
    chart = Chart(
        "distributed_overhead",
        "What a task costs: Pool, executor and dask",
        "No-op tasks on as many workers, measured in the same run. A round trip waits for "
        "each result; the others submit every task first. dask sends each task through "
        "its scheduler over TCP.",
    )
    return finish(fig, out_dir, chart, ctx, samples_text(rows["n"]))


def scaling(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    table = tidy.derived(data)
    rows = tidy.select(table, SUBJECT, "scaling", headline_only=False)
    if rows.empty:
        return None
    cores = Machine.of(data).usable_cores
    task_sizes = sorted(rows["p_task_ms"].unique())
    width_in = max(8.0, 5.5 * len(task_sizes))  # the footer needs 8 in
    fig, axes = new_chart(ncols=len(task_sizes), width_in=width_in, height_in=4.6)
    for ax, task_ms in zip(axes, task_sizes):
        group = rows[rows["p_task_ms"] == task_ms]
        xs = np.array(sorted(group["p_workers"].unique()))
        ax.plot(xs, np.minimum(xs, cores), color=colour("ideal"), linestyle="--", label="ideal")
        for engine, label in (("pool", "Pool.map"), ("dask", "dask client.map")):
            line = group[group["p_engine"] == engine].sort_values("p_workers")
            if line.empty:
                continue
            speedup_series(
                ax, line, "p_workers", label, colour("dask" if engine == "dask" else "processes")
            )
        count_axis(ax, xs)
        ax.set_ylim(0, max(float(cores), float(group["speedup"].max())) * 1.25)
        ax.set_xlabel(f"workers ({task_ms:g} ms tasks)")
        ax.set_ylabel("speedup over one worker")
        ax.grid(alpha=0.3)
    chart = Chart(
        "distributed_scaling",
        "Scaling: dask next to Pool on the same batch",
        "The pool subject's CPU-bound batch on 1 .. 2x cores workers. dask pays its per-task "
        "round trip through the scheduler; short tasks scale less.",
    )
    return finish(fig, out_dir, chart, ctx, "speedup intervals: bootstrap of both points' rounds")


def transfer(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    rows = tidy.select(frame, SUBJECT, "transfer")
    if rows.empty:
        return None
    sizes = sorted(int(s) for s in rows["p_size_kib"].unique())
    if len(sizes) < 2:  # one size: bars, not lines
        rows = rows.sort_values("median")
        fig, (ax,) = new_chart(height_in=0.5 * len(rows) + 1.8)
        labels = [series_label("path", p) for p in rows["p_path"]]
        interval_bars(ax, rows, [colour(str(p)) for p in rows["p_path"]], labels, "B/s")
        ax.set_xlabel(f"bytes/s at {format_bytes_size(sizes[0] * 1024)} (log scale)")
    else:
        fig, (ax,) = new_chart()
        for path in PATH_ORDER:
            label = series_label("path", path)
            line = rows[rows["p_path"] == path].sort_values("p_size_kib")
            if line.empty:
                continue
            dashed = path in ("pipe", "shm")
            ax.errorbar(
                line["p_size_kib"] * 1024,
                line["median"],
                yerr=error_bars(line["median"], line["ci_low"], line["ci_high"]),
                marker="o",
                capsize=3,
                label=label,
                color=colour(path),
                linestyle="--" if dashed else "-",
            )
            mark_noisy(ax, line["p_size_kib"] * 1024, line["median"], line["flags"])
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ticks = [s * 1024 for s in sizes]
        ax.set_xticks(ticks, [format_bytes_size(t) for t in ticks])
        ax.set_xlabel("payload size")
        ax.set_ylabel("bytes/s (higher is better)")
        ax.grid(alpha=0.3)
    chart = Chart(
        "distributed_transfer",
        "Moving data: dask next to Pipe and shared memory",
        "scatter+gather, Pipe and shared memory send the payload out and back (2x size per "
        "round); worker to worker moves it once, and includes one task round trip.",
    )
    return finish(fig, out_dir, chart, ctx, samples_text(rows["n"]))


CHARTS = (overhead, scaling, transfer)  # in report order
