"""Charts of the spawn subject: start cost with its floors, its phases, fork vs parent memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from bench_lib.charts.frame import finish, new_chart
from bench_lib.charts.style import (
    Chart,
    RunContext,
    colour,
    error_bars,
    interval_bars,
    mark_noisy,
    samples_text,
)
from bench_lib.results import tidy

START_CASES = (
    "process_start",
    "thread_start",
    "forkserver_boot",
    "raw_fork",
    "interpreter",
    "subinterpreter_start",
    "subinterpreter_raw",
)
PHASE_CASES = ("start_phases", "subinterpreter_phases")


def _label_and_series(row: pd.Series) -> tuple[str, str]:
    case = row["case"]
    if case == "process_start":
        return f"Process, {row['p_start']}", str(row["p_start"])
    if case == "thread_start":
        return "Thread", "thread"
    if case == "forkserver_boot":
        return "Process, forkserver (first: server boot)", "forkserver"
    if case == "raw_fork":
        return "floor: os.fork + _exit + waitpid", "floor"
    if case == "subinterpreter_start":
        return "Subinterpreter: create + run + close", "subinterpreters"
    if case == "subinterpreter_raw":
        return "floor: _interpreters.create + destroy", "floor"
    flags = "-S -I " if row["p_python"] == "bare" else ""
    return f"floor: python {flags}-c pass", "floor"


def _start_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Process starts, thread start, forkserver boot and the floors, labelled and ordered."""
    spawn = tidy.select(frame, "spawn")
    rows = spawn[spawn["case"].isin(START_CASES)].copy() if not spawn.empty else spawn
    if rows.empty:
        return rows
    pairs = [_label_and_series(r) for _, r in rows.iterrows()]
    rows["label"] = [label for label, _ in pairs]
    rows["series"] = [series for _, series in pairs]
    ordered: pd.DataFrame = rows.sort_values("median")
    return ordered


def start_cost(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    rows = _start_rows(frame)
    if rows.empty:
        return None
    fig, (ax,) = new_chart(height_in=0.42 * len(rows) + 1.6)
    interval_bars(
        ax,
        rows,
        [colour(s) for s in rows["series"]],
        list(rows["label"]),
        "s",
        hatches=["//" if s == "floor" else "" for s in rows["series"]],
    )
    ax.set_xlabel("start + join, seconds (log scale; bars: median, whiskers: 95% interval)")
    chart = Chart(
        "spawn_start_cost",
        "What one process costs to start and finish",
        "Each bar is one start+join of a child doing nothing. Hatched grey bars are the "
        "floors measured in the same run: fork-based starts cannot beat a raw fork, "
        "spawn cannot beat starting an interpreter.",
    )
    return finish(fig, out_dir, chart, ctx, samples_text(rows["n"]))


def start_phases(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    metrics = tidy.metrics(data)
    spawn = tidy.select(metrics, "spawn", headline_only=False)
    phases = spawn[spawn["case"].isin(PHASE_CASES)].copy() if not spawn.empty else spawn
    if phases.empty:
        return None
    names = phases["p_start"] if "p_start" in phases else pd.Series(None, index=phases.index)
    phases["who"] = [
        "Subinterpreter" if case == "subinterpreter_phases" else f"Process, {start}"
        for case, start in zip(phases["case"], names)
    ]
    table = phases.pivot_table(index="who", columns="metric", values="value")
    needed = {"start_returned_s", "first_run_s", "join_after_first_run_s"}
    if not needed <= set(table.columns):
        return None
    table = table.sort_values("first_run_s")
    fig, (ax,) = new_chart(height_in=0.55 * len(table) + 1.8)
    y = list(range(len(table)))
    to_ms = 1e3
    start = table["start_returned_s"] * to_ms
    wait = (table["first_run_s"] - table["start_returned_s"]).clip(lower=0) * to_ms
    join = table["join_after_first_run_s"] * to_ms
    ax.barh(y, start, color="#4c72b0", label="start() (an interpreter's create()) returns")
    ax.barh(y, wait, left=start, color="#dd8452", label="until the worker's first instruction")
    ax.barh(
        y, join, left=start + wait, color="#55a868",
        label="it runs, exits; join() (close()) returns",
    )  # fmt: skip
    ax.set_yticks(y, list(table.index))
    ax.set_xlabel("milliseconds since Process() was created (medians)")
    ax.grid(axis="x", alpha=0.3)
    chart = Chart(
        "spawn_start_phases",
        "Where a process start spends its time",
        "Split of start+join on one shared monotonic clock: the parent's start() call, "
        "the wait until the child's target runs, and the exit and join; for a "
        "subinterpreter, create(), the first instruction of call(), and close().",
    )
    return finish(fig, out_dir, chart, ctx, "medians over each benchmark's rounds")


def fork_memory(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    rows = tidy.select(frame, "spawn", "fork_memory")
    if rows.empty or rows["p_mib"].nunique() < 2:
        return None
    fig, (ax,) = new_chart()
    for how, group in rows.groupby("p_how"):
        group = group.sort_values("p_mib")
        label = "raw os.fork" if how == "raw" else "multiprocessing Process (fork)"
        ax.errorbar(
            group["p_mib"],
            group["median"] * 1e3,
            marker="o",
            label=label,
            color=colour(str(how)),
            yerr=error_bars(group["median"], group["ci_low"], group["ci_high"]) * 1e3,
            capsize=3,
        )
        mark_noisy(ax, group["p_mib"], group["median"] * 1e3, group["flags"])
    ax.set_xlabel("touched memory in the parent, MiB")
    ax.set_ylabel("start + join, ms")
    ax.grid(alpha=0.3)
    chart = Chart(
        "spawn_fork_memory",
        "fork gets slower as the parent grows",
        "fork copies the parent's page tables: the more memory the parent has touched, "
        "the longer each fork takes. spawn and forkserver do not pay this.",
    )
    return finish(fig, out_dir, chart, ctx, samples_text(rows["n"]))


CHARTS = (start_cost, start_phases, fork_memory)  # in report order
