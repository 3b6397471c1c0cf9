"""Several runs of one side made into one result file whose blocks are those runs.

`mpbench ab` runs each side several times, alternately, one block per run; this joins a side's
runs so that each benchmark holds every run's rounds, ``info.block_rounds`` says which rounds
came from which run, and everything derived from rounds (figures, intervals, floors, speedups,
noise flags that depend on the rounds) is computed again from the joined rounds.
"""

from __future__ import annotations

import copy
from typing import Any

from bench_lib.engine.bench import Figure, describe_figure
from bench_lib.results import per_op
from bench_lib.results.files import SCHEMA_KEY
from bench_lib.stats import descriptive as stats
from bench_lib.stats import noise

ROUND_FLAGS = {"wide-interval", "erratic", "few-rounds", "above-floor", "impossible"}


def _figures(old: list[dict[str, Any]], rounds_s: list[float]) -> list[dict[str, Any]]:
    return [
        describe_figure(Figure(f["name"], f["unit"], f["kind"], f.get("per_round", 1.0)), rounds_s)
        for f in old
    ]


def _metrics(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """Metrics with per-round samples are joined; single values keep the first run's."""
    merged: dict[str, Any] = copy.deepcopy(blocks[0].get("metrics", {}))
    for name, metric in merged.items():
        samples = [
            x for b in blocks for x in (b.get("metrics", {}).get(name, {}).get("samples") or [])
        ]
        if samples and "samples" in metric:
            s = stats.summarize(samples)
            metric.update(value=s.median, ci_low=s.ci_low, ci_high=s.ci_high, n=s.n)
            metric["samples"] = samples
    return merged


def _noise(blocks: list[dict[str, Any]], rounds_s: list[float]) -> dict[str, Any]:
    """Flags about the machine (busy, steal, clock) from any run; flags about rounds anew."""
    summary = stats.summarize(rounds_s)
    kept: dict[str, dict[str, str]] = {}
    for b in blocks:
        for flag in b.get("noise", {}).get("flags", []):
            if flag.get("code") not in ROUND_FLAGS:
                kept.setdefault(flag["code"], flag)
    signals = noise.Signals(
        summary.rel_ci_half_width, summary.robust_cv, len(rounds_s), None, None, None, 0
    )
    fresh = [f.as_dict() for f in noise.noise_flags(signals)]
    merged: dict[str, Any] = copy.deepcopy(blocks[0].get("noise", {}))
    merged.update(
        cv=summary.robust_cv,
        rel_ci_half_width=summary.rel_ci_half_width,
        flags=[*kept.values(), *fresh],
    )
    return merged


def _benchmark(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One benchmark present in several runs: every round, blocks in run order."""
    blocks = [r["extra_info"][SCHEMA_KEY] for r in runs]
    rounds_s = [t for r in runs for t in per_op.round_times_s(r)]
    merged = copy.deepcopy(runs[0])
    m = merged["extra_info"][SCHEMA_KEY]
    merged["stats"] = per_op.stats_block(rounds_s, per_op.ops_per_round(m))  # as at a run's end
    m["info"]["block_rounds"] = [
        n
        for r, b in zip(runs, blocks)
        for n in b["info"].get("block_rounds", [r["stats"]["rounds"]])
    ]
    lean = [s for b in blocks for s in b["info"].get("blocks", [])]
    if lean:
        m["info"]["blocks"] = lean
    m["figures"] = _figures(m["figures"], rounds_s)
    m["rounds"] = len(rounds_s)
    m["metrics"] = _metrics(blocks)
    m["noise"] = _noise(blocks, rounds_s)
    m["checks"] = {k: all(b.get("checks", {}).get(k, False) for b in blocks) for k in m["checks"]}
    for key in ("derived",):
        m.pop(key, None)
    if m.get("floor"):
        m["floor"] = {k: m["floor"][k] for k in ("case", "params", "subject") if k in m["floor"]}
    return merged


def merge_runs(
    runs: list[dict[str, Any]], label: str, interleaved: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Join result files of one side (same machine, same code); benchmarks in 2+ runs survive.

    ``interleaved`` (from `mpbench ab`: ``{"id", "side", "runs", "turns", "shared_benchmarks"}``)
    is recorded as it is: run k
    of this side was made next to run k of the other, so a comparison may pair their blocks.
    """
    from bench_lib.results import (
        finish as result_finish,  # floors, speedups and their flags, as at the end of a run
    )

    if not runs:
        raise ValueError("nothing to merge")
    merged = copy.deepcopy(runs[0])
    by_name: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        for b in run["benchmarks"]:
            if b.get("stats", {}).get("data"):
                by_name.setdefault(b["fullname"], []).append(b)
    order = [b["fullname"] for b in runs[0]["benchmarks"] if b["fullname"] in by_name]
    order += [name for name in by_name if name not in order]
    merged["benchmarks"] = [_benchmark(by_name[n]) for n in order if len(by_name[n]) >= 2]
    block = merged[SCHEMA_KEY]
    block.update(
        label=label,
        finished_utc=runs[-1][SCHEMA_KEY].get("finished_utc"),
        passed=len(merged["benchmarks"]),
        failures=[f for r in runs for f in r[SCHEMA_KEY].get("failures", [])],
        skipped=runs[0][SCHEMA_KEY].get("skipped", []),
        partial=any(r[SCHEMA_KEY].get("partial") for r in runs),
        merged_runs=len(runs),
    )
    if interleaved is not None:
        block["interleaved"] = interleaved
    result_finish.resolve_floors(merged["benchmarks"])
    from bench_lib.results import scaling

    scaling.derive(merged["benchmarks"])
    cores = int(merged.get("machine_info", {}).get(SCHEMA_KEY, {}).get("usable_cores") or 0)
    result_finish.flag_impossible_speedups(merged["benchmarks"], cores)
    return merged
