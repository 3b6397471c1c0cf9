"""Result files shaped into tidy pandas tables: one row per figure, parameters as columns.

Charts and reports read these tables; nothing here measures.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pandas as pd

from bench_lib.results.records import Benchmark, ByIdentity, Run
from bench_lib.results.summary import params_text

_TABLES: dict[str, ByIdentity] = {
    "figures": ByIdentity(),
    "metrics": ByIdentity(),
    "derived": ByIdentity(),
}


def _once(kind: str, data: dict[str, Any], make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """A table made once per loaded file; each caller gets its own copy to change."""
    table: pd.DataFrame = _TABLES[kind].get(data, make).copy()
    return table


PARAM_PREFIX = "p_"  # parameter columns: p_start, p_size, p_workers, ...
DERIVED_COLUMNS = (
    "speedup",
    "speedup_ci_low",
    "speedup_ci_high",
    "efficiency",
    "effective_cores",
    "side_step_factor",
)


def param_columns(params: Mapping[str, Any]) -> dict[str, Any]:
    """``p_<name>`` columns; a list or object value becomes its JSON text (cells must hash)."""
    return {
        PARAM_PREFIX + k: v if v is None or isinstance(v, (str, int, float)) else json.dumps(v)
        for k, v in params.items()
    }


def first_benchmarks(data: dict[str, Any]) -> Iterator[Benchmark]:
    """Each benchmark once: later duplicates skipped (summary.problems says so), so a pivot
    or a chart never meets one point twice."""
    yield from Run.of(data).first()


def figures(data: dict[str, Any]) -> pd.DataFrame:
    """One row per (benchmark, figure), with its interval, floor, CPU use and noise flags."""
    return _once("figures", data, lambda: _figures(data))


def _figures(data: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for bench in first_benchmarks(data):
        m = bench.block
        floor = m.get("floor") or {}
        flags = bench.noise_flags
        for order, fig in enumerate(bench.figures):
            row: dict[str, Any] = {
                "subject": bench.subject,
                "case": bench.case,
                "params": params_text(bench.params),
                "figure": fig.name,
                "unit": fig.unit,
                "kind": fig.kind,
                "headline": order == 0,
                "median": fig.median,
                "ci_low": fig.ci_low,
                "ci_high": fig.ci_high,
                "n": fig.n if "n" in fig.fields else m.get("rounds", 0),
                "floor_case": floor.get("case"),
                "floor_median": floor.get("median"),
                "floor_ratio": floor.get("ratio") if order == 0 else None,
                "effective_cores": (m.get("cpu") or {}).get("effective_cores"),
                "noisy": bool(flags),
                "flags": ",".join(flags),
                "name": bench.name,
            }
            row.update(param_columns(bench.params))
            rows.append(row)
    table: pd.DataFrame = pd.DataFrame(rows)
    return table


def metrics(data: dict[str, Any]) -> pd.DataFrame:
    """One row per (benchmark, metric): numbers that are not round times."""
    return _once("metrics", data, lambda: _metrics(data))


def _metrics(data: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for bench in first_benchmarks(data):
        for name, metric in (bench.block.get("metrics") or {}).items():
            if not isinstance(metric, dict) or not isinstance(metric.get("value"), (int, float)):
                continue
            row: dict[str, Any] = {
                "subject": bench.subject,
                "case": bench.case,
                "params": params_text(bench.params),
                "metric": name,
                "value": metric["value"],
                "unit": metric.get("unit", ""),
                "ci_low": metric.get("ci_low"),
                "ci_high": metric.get("ci_high"),
            }
            row.update(param_columns(bench.params))
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
    return _once("derived", data, lambda: _derived(data))


def _derived(data: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for bench in first_benchmarks(data):
        extra = bench.block.get("derived")
        if not isinstance(extra, dict):
            continue
        row: dict[str, Any] = {
            "subject": bench.subject,
            "case": bench.case,
            "params": params_text(bench.params),
            "name": bench.name,
        }
        row.update({k: v for k, v in extra.items() if isinstance(v, (int, float, bool))})
        row.update(param_columns(bench.params))
        row["noisy"] = bool(bench.flags)
        row["flags"] = ",".join(bench.noise_flags)
        rows.append(row)
    table: pd.DataFrame = pd.DataFrame(rows)
    for column in DERIVED_COLUMNS:  # a smoke run has no intervals: the columns still exist
        if not table.empty and column not in table:
            table[column] = float("nan")
    return table
