"""The headline: speedup vs workers for threads, processes and subinterpreters, and where the
CPU time went. Threads are named free-threaded when the run had the GIL off.

A speedup flagged ``impossible`` (above the usable cores by more than its interval: the
plugin's flag, read with :func:`bench_lib.results.scaling.impossible_names`) is not drawn as a
result: it is left off the lines and shown as a red cross on the ideal line's cap, and the
side-step factor built on it is not printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench_lib.charts.frame import finish, new_chart
from bench_lib.charts.style import (
    Chart,
    RunContext,
    colour,
    count_axis,
    mark_impossible,
    samples_text,
    speedup_series,
)
from bench_lib.results import scaling, tidy
from bench_lib.results.records import Machine, Run

MODES = {"process": "processes", "thread": "threads", "interpreter": "subinterpreters"}
BAR_WIDTH = 0.8  # of one log2 step, shared by the modes' bars side by side


def _label(mode: str, gil_on: bool) -> str:
    """The series name: threads on a GIL-off run are the free-threaded way past the GIL."""
    return "free-threaded threads" if mode == "thread" and not gil_on else MODES[mode]


def _cpu_split(data: dict[str, Any]) -> pd.DataFrame:
    table = tidy.derived(data)
    rows = tidy.select(table, "gil", "cpu_split", headline_only=False)
    if rows.empty:
        return rows
    flagged = scaling.impossible_names(data["benchmarks"])
    marked: pd.DataFrame = rows.assign(impossible=rows["name"].isin(list(flagged)))
    return marked


def side_step(rows: pd.DataFrame, cores: int) -> float | None:
    """The headline factor at N = cores; None when missing or either speedup is impossible."""
    at_cores = rows[rows["p_n"] == cores]
    head = at_cores[at_cores["p_mode"] == "process"]
    if "side_step_factor" not in head or head.empty:
        return None
    if "impossible" in at_cores and at_cores["impossible"].any():
        return None
    value = head["side_step_factor"].iloc[0]
    return float(value) if pd.notna(value) else None


def headline(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    rows = _cpu_split(data)
    if rows.empty or rows["p_n"].nunique() < 2:
        return None
    cores = Machine.of(data).usable_cores
    gil_on = Machine.of(data).gil_enabled
    fig, (speed_ax, cores_ax) = new_chart(ncols=2, width_in=11.5, height_in=4.8)
    ns = np.array(sorted(rows["p_n"].unique()))
    speed_ax.plot(
        ns,
        np.minimum(ns, cores),
        color=colour("ideal"),
        linestyle="--",
        label=f"ideal (stops at {cores} usable cores)",
    )
    present = [m for m in MODES if (rows["p_mode"] == m).any()]
    width = BAR_WIDTH / max(1, len(present))
    for k, mode in enumerate(present):
        every = rows[rows["p_mode"] == mode].sort_values("p_n")
        group = every[~every["impossible"]]
        label = _label(mode, gil_on)
        c = colour(label)
        speedup_series(speed_ax, group, "p_n", label, c)
        offset = (k - (len(present) - 1) / 2) * width
        cores_ax.bar(
            np.log2(every["p_n"]) + offset,
            every["effective_cores"],
            width=width * 0.95,
            color=c,
            label=label,
        )
    factor = side_step(rows, cores)
    if factor is not None:  # above the axes, not over the data
        speed_ax.set_title(
            f"side-step factor at {cores} cores: {factor:.2f}x (process / thread speedup)",
            fontsize=9,
        )
    mark_impossible(speed_ax, rows, "p_n", lambda n: np.minimum(n, cores))
    count_axis(speed_ax, ns)
    shown = rows[~rows["impossible"]]["speedup"]
    speed_ax.set_ylim(0, max(cores, float(shown.max()) if len(shown) else 0.0) * 1.15)
    speed_ax.set_xlabel("workers (" + ", ".join(MODES[m] for m in present) + ")")
    speed_ax.set_ylabel("speedup over one worker")
    speed_ax.grid(alpha=0.3)
    cores_ax.axhline(
        cores, color=colour("ideal"), linestyle="--", linewidth=1, label=f"{cores} usable cores"
    )
    cores_ax.set_xticks(np.log2(ns), [str(int(n)) for n in ns])
    cores_ax.set_xlabel("workers")
    cores_ax.set_ylabel("effective cores used (CPU s / wall s, psutil)")
    cores_ax.grid(axis="y", alpha=0.3)
    chart = Chart(
        "gil_headline",
        _headline_title(gil_on, "interpreter" in present),
        "The same CPU-bound pure-Python work split over N threads, N processes and (where "
        "the Python has them) N subinterpreters, pinned to min(N, cores) CPUs. Left: "
        "speedup over the one serial run "
        "of that work (same CPU as N = 1) with 95% intervals, against the ideal; a red "
        "cross is a speedup flagged impossible, not a result. Right: how many cores the "
        "whole process tree really kept busy.",
    )
    n_rounds = tidy.select(frame, "gil", "cpu_split")["n"]
    return finish(fig, out_dir, chart, ctx, samples_text(n_rounds) if len(n_rounds) else "")


def _headline_title(gil_on: bool, interpreters: bool) -> str:
    if gil_on and interpreters:
        return (
            "The GIL side-stepped: threads stay on one core, processes and subinterpreters use all"
        )
    if gil_on:
        return "The GIL side-stepped: threads stay on one core, processes use all"
    return "No GIL (free-threaded build): threads use every core, like processes"


def _timeline(data: dict[str, Any], mode: str, n: int) -> dict[str, Any] | None:
    for bench in Run.of(data).benchmarks:
        if (
            bench.subject == "gil"
            and bench.params.get("mode") == mode
            and bench.params.get("n") == n
        ):
            timeline = (bench.block.get("info") or {}).get("cpu_timeline")
            return timeline if isinstance(timeline, dict) else None
    return None


def timelines(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    cores = Machine.of(data).usable_cores
    found = {mode: _timeline(data, mode, cores) for mode in MODES}
    pair = {mode: t for mode, t in found.items() if t and t.get("t_s")}
    if not {"thread", "process"} <= set(pair):
        return None
    fig, axes = new_chart(ncols=len(pair), width_in=5.75 * len(pair), height_in=4.2)
    for ax, (mode, timeline) in zip(axes, pair.items()):
        assert timeline is not None
        t = np.asarray(timeline["t_s"], dtype=float)
        per_cpu = np.asarray(timeline["per_cpu_percent"], dtype=float)
        for cpu in range(per_cpu.shape[1]):
            ax.plot(
                t,
                per_cpu[:, cpu],
                drawstyle="steps-post",
                linewidth=1.2,
                label=f"CPU {cpu}" if per_cpu.shape[1] <= 16 else None,
            )
        ax.axvspan(
            timeline.get("measure_start_s", 0),
            timeline.get("measure_end_s", t[-1]),
            color="#eeeeee",
            zorder=0,
            label="measured rounds",
        )
        busy = per_cpu.sum(axis=1).mean() / 100
        ax.set_title(
            f"{cores} {MODES[mode]}: {busy:.2f} cores busy on average (whole machine)", fontsize=9
        )
        ax.set_ylim(0, 105)
        ax.set_xlabel("seconds")
        ax.set_ylabel("CPU busy, % (per core)")
        ax.grid(alpha=0.3)
    chart = Chart(
        "gil_cpu_timeline",
        "Where the CPU time went: " + " vs ".join(MODES[m] for m in pair),
        "Per-core CPU use sampled by a separate monitor process while the same work "
        "ran in each kind of worker, one panel each. Other programs' load shows "
        "here too: the monitor sees the whole machine.",
    )
    interval = pair["thread"]["interval_s"]
    return finish(fig, out_dir, chart, ctx, f"sampled every {interval:g} s")


CHARTS = (headline, timelines)  # in report order
