"""Result files shaped into tidy pandas tables: one row per figure, parameters as columns.

Charts and reports read these tables; nothing here measures.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pandas as pd

from bench_lib.records import Run
from bench_lib.summary import params_text

PARAM_PREFIX = "p_"  # parameter columns: p_start, p_size, p_workers, ...
DERIVED_COLUMNS = (
    "speedup",
    "speedup_ci_low",
    "speedup_ci_high",
    "efficiency",
    "effective_cores",
    "side_step_factor",
)


def param_columns(params: dict[str, Any]) -> dict[str, Any]:
    """``p_<name>`` columns; a list or object value becomes its JSON text (cells must hash)."""
    return {
        PARAM_PREFIX + k: v if v is None or isinstance(v, (str, int, float)) else json.dumps(v)
        for k, v in params.items()
    }


def first_benchmarks(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Each benchmark's ``extra_info.mpbench`` block, with its name; later duplicates skipped
    (summary.problems says so), so a pivot or a chart never meets one point twice."""
    for bench in Run.of(data).first():
        yield {**bench.block, "_name": bench.name}


def figures(data: dict[str, Any]) -> pd.DataFrame:
    """One row per (benchmark, figure), with its interval, floor, CPU use and noise flags."""
    rows = []
    for m in first_benchmarks(data):
        floor = m.get("floor") or {}
        flags = [f["code"] for f in (m.get("noise") or {}).get("flags", [])]
        for order, fig in enumerate(m["figures"]):
            row: dict[str, Any] = {
                "subject": m["subject"],
                "case": m["case"],
                "params": params_text(m["params"]),
                "figure": fig["name"],
                "unit": fig["unit"],
                "kind": fig["kind"],
                "headline": order == 0,
                "median": fig["median"],
                "ci_low": fig.get("ci_low"),
                "ci_high": fig.get("ci_high"),
                "n": fig.get("n", m.get("rounds", 0)),
                "floor_case": floor.get("case"),
                "floor_median": floor.get("median"),
                "floor_ratio": floor.get("ratio") if order == 0 else None,
                "effective_cores": (m.get("cpu") or {}).get("effective_cores"),
                "noisy": bool(flags),
                "flags": ",".join(flags),
                "name": m["_name"],
            }
            row.update(param_columns(m["params"]))
            rows.append(row)
    table: pd.DataFrame = pd.DataFrame(rows)
    return table


def metrics(data: dict[str, Any]) -> pd.DataFrame:
    """One row per (benchmark, metric): numbers that are not round times."""
    rows = []
    for m in first_benchmarks(data):
        for name, metric in (m.get("metrics") or {}).items():
            if not isinstance(metric, dict) or not isinstance(metric.get("value"), (int, float)):
                continue
            row: dict[str, Any] = {
                "subject": m["subject"],
                "case": m["case"],
                "params": params_text(m["params"]),
                "metric": name,
                "value": metric["value"],
                "unit": metric.get("unit", ""),
                "ci_low": metric.get("ci_low"),
                "ci_high": metric.get("ci_high"),
            }
            row.update(param_columns(m["params"]))
            rows.append(row)
    table: pd.DataFrame = pd.DataFrame(rows)
    return table


def select(
    frame: pd.DataFrame, subject: str, case: str | None = None, headline_only: bool = True
) -> pd.DataFrame:
    """Rows of one subject (and case); empty frame when the run did not measure them."""
    if frame.empty:
        return frame
    mask = frame["subject"] == subject
    if case is not None:
        mask &= frame["case"] == case
    if headline_only and "headline" in frame:
        mask &= frame["headline"]
    selected: pd.DataFrame = frame[mask]
    return selected


def derived(data: dict[str, Any]) -> pd.DataFrame:
    """One row per benchmark with derived scaling figures (speedup, efficiency, side-step)."""
    rows = []
    for m in first_benchmarks(data):
        extra = m.get("derived")
        if not isinstance(extra, dict):
            continue
        row: dict[str, Any] = {
            "subject": m["subject"],
            "case": m["case"],
            "params": params_text(m["params"]),
            "name": m["_name"],
        }
        row.update({k: v for k, v in extra.items() if isinstance(v, (int, float, bool))})
        row.update(param_columns(m["params"]))
        noise = (m.get("noise") or {}).get("flags", [])
        row["noisy"] = bool(noise)
        rows.append(row)
    table: pd.DataFrame = pd.DataFrame(rows)
    for column in DERIVED_COLUMNS:  # a smoke run has no intervals: the columns still exist
        if not table.empty and column not in table:
            table[column] = float("nan")
    return table
