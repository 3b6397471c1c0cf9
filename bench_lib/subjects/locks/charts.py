"""Charts of the locks subject: throughput and fairness against contending workers."""

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
    count_axis,
    error_bars,
    mark_noisy,
    samples_text,
)
from bench_lib.results import tidy
from bench_lib.results.records import Machine


def contention(
    data: dict[str, Any], frame: pd.DataFrame, out_dir: Path, ctx: RunContext
) -> Chart | None:
    rows = tidy.select(frame, "locks", "contention")
    if rows.empty:
        return None
    fairness = tidy.select(tidy.metrics(data), "locks", "contention", headline_only=False)
    floors = rows[rows["p_workers"] == 1]  # the floor: the same crew with one worker
    fig, (rate_ax, fair_ax) = new_chart(ncols=2, width_in=11.5, height_in=4.8)
    for primitive, group in rows.groupby("p_primitive"):
        group = group.sort_values("p_workers")
        c = colour(str(primitive))
        label = series_label("primitive", primitive)
        rate_ax.errorbar(
            group["p_workers"],
            group["median"],
            marker="o",
            color=c,
            label=label,
            yerr=error_bars(group["median"], group["ci_low"], group["ci_high"]),
            capsize=3,
        )
        mark_noisy(rate_ax, group["p_workers"], group["median"], group["flags"])
        floor = floors[floors["p_primitive"] == primitive]
        if len(floor):
            rate_ax.axhline(float(floor["median"].iloc[0]), color=c, linestyle=":", alpha=0.7)
        if not fairness.empty and "p_primitive" in fairness:
            jain = fairness[
                (fairness["p_primitive"] == primitive) & (fairness["metric"] == "fairness_jain")
            ].sort_values("p_workers")
            fair_ax.plot(jain["p_workers"], jain["value"], marker="o", color=c, label=label)
    rate_ax.axvline(ctx_cores(data), color="#999999", linestyle="--", linewidth=1)
    rate_ax.set_yscale("log")
    count_axis(rate_ax, rows["p_workers"])
    rate_ax.set_xlabel("contending workers (dashed: usable cores)")
    rate_ax.set_ylabel("acquisitions per second, all workers (log)")
    rate_ax.set_title("throughput (dotted: the floor, the same crew with one worker)", fontsize=9)
    rate_ax.grid(alpha=0.3, which="both")
    count_axis(fair_ax, rows["p_workers"])
    fair_ax.set_ylim(0, 1.05)
    fair_ax.set_xlabel("contending workers")
    fair_ax.set_ylabel("Jain's fairness index (1 = equal shares)")
    fair_ax.set_title("fairness: 1/N means one worker took them all", fontsize=9)
    fair_ax.grid(alpha=0.3)
    chart = Chart(
        "locks_contention",
        "What a lock costs when processes fight over it",
        "Left: lock acquisitions per second across all workers, by primitive; the dotted "
        "line is the floor, the same primitive and crew with one worker and no rival. "
        "Right: how evenly the acquisitions were shared.",
    )
    return finish(fig, out_dir, chart, ctx, samples_text(rows["n"]))


def ctx_cores(data: dict[str, Any]) -> int:
    return Machine.of(data).usable_cores


CHARTS = (contention,)  # in report order
