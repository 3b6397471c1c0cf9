"""Sentences about the distributed subject, from the run's own figures (:func:`rules`).

"A dask task costs N here, M x a Pool task: below K per task stay on one machine", the
break-even task sizes (:mod:`bench_lib.subjects.distributed.breakeven`), the cluster start, and
what a megabyte costs next to a Pipe. Each sentence appears only when its figures exist.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from bench_lib.results import tidy
from bench_lib.results.run_figures import RunFigures
from bench_lib.subjects.distributed.breakeven import break_even, extra_over
from bench_lib.units import format_bytes_size, format_value

SUBJECT = "distributed"


def _row(frame: pd.DataFrame, case: str, **params: Any) -> pd.Series | None:
    rows = tidy.select(frame, SUBJECT, case)
    for key, value in params.items():
        column = tidy.PARAM_PREFIX + key
        if rows.empty or column not in rows:
            return None
        rows = rows[rows[column] == value]
    return rows.iloc[0] if len(rows) else None


def _value(row: pd.Series | None) -> float | None:
    return float(row["median"]) if row is not None and pd.notna(row["median"]) else None


def _bound(row: pd.Series, column: str) -> float | None:
    return float(row[column]) if pd.notna(row.get(column)) else None


def overhead_rules(frame: pd.DataFrame) -> list[str]:
    out = []
    submit_row = _row(frame, "task_overhead", api="dask_submit")
    submit, apply = _value(submit_row), _value(_row(frame, "task_overhead", api="pool_apply"))
    if submit_row is not None and submit and apply:
        ten, one = break_even(submit, _bound(submit_row, "ci_low"), _bound(submit_row, "ci_high"))
        out.append(
            f"A dask task round trip (client.submit + result) costs {format_value(submit, 's')} "
            f"here, {extra_over(submit, apply):.0f}x a Pool.apply round trip "
            f"({format_value(apply, 's')}): below {format_value(ten.task_s, 's')} per task stay "
            f"on one machine (dask's overhead is then over 10% of the task; under 1% from "
            f"{format_value(one.task_s, 's')})."
        )
    dmap, asyncs = (
        _value(_row(frame, "task_overhead", api="dask_map")),
        _value(_row(frame, "task_overhead", api="pool_apply_async")),
    )
    if dmap and asyncs:
        (ten,) = break_even(dmap, shares=(0.1,))
        out.append(
            f"Submitted all at once (client.map) a dask task costs {format_value(dmap, 's')}, "
            f"{extra_over(dmap, asyncs):.0f}x Pool.apply_async ({format_value(asyncs, 's')}); "
            f"batches of tasks over {format_value(ten.task_s, 's')} each keep that under 10%."
        )
    return out


def start_rule(frame: pd.DataFrame) -> list[str]:
    rows = tidy.select(frame, SUBJECT, "cluster_start")
    if rows.empty:
        return []
    row = rows.sort_values("p_workers").iloc[-1]
    return [
        f"Starting a local dask cluster of {int(row['p_workers'])} workers takes "
        f"{format_value(float(row['median']), 's')}: worth it only for work that runs much longer."
    ]


def transfer_rule(frame: pd.DataFrame) -> list[str]:
    rows = tidy.select(frame, SUBJECT, "transfer")
    if rows.empty or "p_size_kib" not in rows:
        return []
    size = int(rows["p_size_kib"].max())
    dask = _value(_row(frame, "transfer", path="scatter_gather", size_kib=size))
    pipe = _value(_row(frame, "transfer", path="pipe", size_kib=size))
    w2w = _value(_row(frame, "transfer", path="worker_to_worker", size_kib=size))
    if not (dask and pipe):
        return []
    between = f"; worker to worker {format_value(w2w, 'B/s')}" if w2w else ""
    return [
        f"At {format_bytes_size(size * 1024)} scatter+gather moves "
        f"{format_value(dask, 'B/s')}, {pipe / dask:.1f}x less than a Pipe on this machine "
        f"({format_value(pipe, 'B/s')}){between}: keep large data where the tasks run."
    ]


def distributed_rules(frame: pd.DataFrame, metrics: pd.DataFrame, cores: int) -> list[str]:
    return overhead_rules(frame) + start_rule(frame) + transfer_rule(frame)


def rules(run: RunFigures) -> list[str]:
    return distributed_rules(run.figures, run.metrics, run.cores)
