"""One run's figures as advice reads them: the tidy tables, made once, and lookups into them.

A subject's ``advice.rules`` takes a :class:`RunFigures`; the tables it does not read are
never built (``derived`` fits curves, ``metrics`` walks every extra figure).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from bench_lib.results import records, scaling, tidy


@dataclass(frozen=True)
class RunFigures:
    """One loaded result file and its tidy tables."""

    data: dict[str, Any]  # the result file, validated
    figures: pd.DataFrame  # tidy.figures: one row per headline figure

    @classmethod
    def of(cls, data: dict[str, Any], figures: pd.DataFrame | None = None) -> RunFigures:
        return cls(data, tidy.figures(data) if figures is None else figures)

    @cached_property
    def metrics(self) -> pd.DataFrame:
        return tidy.metrics(self.data)

    @cached_property
    def derived(self) -> pd.DataFrame:
        return tidy.derived(self.data)

    @cached_property
    def cores(self) -> int:
        return records.Machine.of(self.data).usable_cores

    @cached_property
    def impossible(self) -> set[str]:
        return scaling.impossible_names(self.data["benchmarks"])


def _where(rows: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame | None:
    """The rows whose parameters have these values; None where one is not a column at all."""
    for key, value in params.items():
        column = tidy.PARAM_PREFIX + key
        if column not in rows:
            return None
        rows = rows[rows[column] == value]
    return rows


def median_of(frame: pd.DataFrame, subject: str, case: str, **params: Any) -> float | None:
    """The headline median of one benchmark, or None where the run did not measure it."""
    rows = _where(tidy.select(frame, subject, case), params)
    return float(rows["median"].iloc[0]) if rows is not None and len(rows) else None


def metric_of(
    metrics: pd.DataFrame, subject: str, case: str, name: str, **params: Any
) -> float | None:
    """The value of one metric of one benchmark, or None."""
    rows = tidy.select(metrics, subject, case, headline_only=False)
    if rows.empty:
        return None
    matching = _where(rows[rows["metric"] == name], params)
    return float(matching["value"].iloc[0]) if matching is not None and len(matching) else None


def derived_of(
    data_derived: pd.DataFrame, subject: str, case: str, column: str, **params: Any
) -> float | None:
    """A derived figure (speedup, effective cores ...) of one benchmark, or None."""
    rows = _where(tidy.select(data_derived, subject, case, headline_only=False), params)
    if rows is None or rows.empty or column not in rows or pd.isna(rows[column].iloc[0]):
        return None
    return float(rows[column].iloc[0])
