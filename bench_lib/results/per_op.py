"""pytest-benchmark's ``stats`` of an mpbench benchmark: seconds per operation of its figure.

pytest-benchmark's readers (its table, ``--benchmark-compare``, ``pytest-benchmark compare``)
take ``stats`` as time per operation, and a round of ``iterations`` operations as
``iterations`` times that. mpbench's rounds each do the work of its primary figure (the first:
the one its summary and compare use), ``per_round`` operations, calibrated per run; so each
round's seconds are recorded divided by ``per_round``, with ``iterations = per_round``, as
pytest-benchmark records a round of a calibrated loop. Both readers then rank the same winner:
for a time figure the per-operation time is the figure, for a rate figure its inverse.

The round's own seconds stay recomputable: ``data[i] * iterations`` (:func:`round_times_s`,
what every mpbench reader uses). Files of schema 1 hold whole-round seconds with
``iterations`` 1; :func:`to_per_operation` turns one of their benchmarks into schema 2's form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def ops_per_round(block: Mapping[str, Any]) -> float:
    """Operations in one round of the benchmark's primary figure (1 without figures)."""
    figures = block.get("figures") or [{}]
    ops = figures[0].get("per_round") or 1
    return float(ops)


def iterations(ops: float) -> int | float:
    """``per_round`` as pytest-benchmark's ``iterations``: an integer where it is one."""
    return int(ops) if float(ops).is_integer() else float(ops)


def round_times_s(bench: Mapping[str, Any]) -> list[float]:
    """Seconds of each measured round, from pytest-benchmark's per-operation ``stats.data``
    (empty in a file saved without ``--benchmark-save-data``)."""
    st = bench.get("stats") or {}
    n = float(st.get("iterations") or 1)
    return [float(x) * n for x in st.get("data") or ()]


def rounds_or_median_s(bench: Mapping[str, Any]) -> list[float]:
    """:func:`round_times_s`, or without raw data the median round alone."""
    st = bench.get("stats") or {}
    if st.get("data") or "median" not in st:
        return round_times_s(bench)
    return [float(st["median"]) * float(st.get("iterations") or 1)]


def group_name(subject: str, case: str, figure_name: str) -> str:
    """pytest-benchmark's ``group`` of a benchmark: its subject, case and primary figure.

    Stable across runs (none of it is measured), so ``--benchmark-group-by=group`` and
    ``pytest-benchmark compare`` line up what ``mpbench compare`` lines up.
    """
    return f"{subject} {case}: {figure_name}"


def stats_block(rounds_s: Sequence[float], ops: float) -> dict[str, Any]:
    """The ``stats`` pytest-benchmark writes for these rounds of ``ops`` operations each."""
    from pytest_benchmark.stats import Stats  # its own statistics, so its readers agree

    timing: Any = Stats()  # type: ignore[no-untyped-call]
    n = iterations(ops)
    for t in rounds_s:
        timing.update(t / n)
    return {**timing.as_dict(), "data": list(timing.data), "iterations": n}


def to_per_operation(bench: dict[str, Any], block: Mapping[str, Any]) -> None:
    """A schema-1 benchmark (whole-round ``stats``) in schema 2's form, in place: ``stats``
    per operation of its primary figure, and its ``group`` where it had none."""
    st = bench.get("stats") or {}
    if st.get("data"):
        bench["stats"] = stats_block(round_times_s(bench), ops_per_round(block))
    elif "median" in st:  # no raw rounds: only what can be divided
        ops = ops_per_round(block)
        scaled = {k: v / ops for k, v in st.items() if k in _TIMES and isinstance(v, float)}
        bench["stats"] = {**st, **scaled, "iterations": iterations(ops)}
        if "mean" in scaled and scaled["mean"] > 0:
            bench["stats"]["ops"] = 1 / scaled["mean"]
    figures = block.get("figures") or []
    if bench.get("group") is None and figures:
        bench["group"] = group_name(block["subject"], block["case"], figures[0]["name"])


_TIMES = {
    "min",
    "max",
    "mean",
    "stddev",
    "median",
    "iqr",
    "q1",
    "q3",
    "ld15iqr",
    "hd15iqr",
    "total",
}
