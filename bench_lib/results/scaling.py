"""Scaling figures derived across benchmarks: speedup, efficiency, serial fraction, side-step.

Pure functions, plus :func:`derive`, which the plugin calls once on the result file's
benchmark list. A benchmark takes part by naming its scaling axis in its info::

    mpbench.info["scaling"] = {"axis": "workers", "usable_cores": 2}
    mpbench.info["side_step"] = {"axis": "mode", "numerator": "process", "denominator": "thread"}

Its baseline is the benchmark of the same subject, case and other parameters at axis = 1,
or one named benchmark of the same subject shared by every series (the GIL's serial run)::

    mpbench.info["scaling"] = {..., "baseline": {"case": "cpu_serial", "params": {}}}

With a shared baseline the side-step factor is T_denominator(N) / T_numerator(N): the
baseline cancels, so its noise does not inflate the factor. ``derive`` writes
``extra_info["mpbench"]["derived"]`` on each scaling benchmark; a speedup above the usable
cores is flagged ``impossible`` by the plugin, and readers leave it out (:func:`impossible`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bench_lib.results import per_op
from bench_lib.results.files import SCHEMA_KEY
from bench_lib.results.records import BenchmarkKey, benchmark_key
from bench_lib.stats import descriptive as stats
from bench_lib.stats import replicates

IMPOSSIBLE_FLAG = "impossible"  # noise flag code (set by the plugin): a speedup above the
# usable cores by more than its interval; a measurement fault, not a result
BOOTSTRAP_RESAMPLES = stats.BOOTSTRAP_RESAMPLES
BOOTSTRAP_SEED = stats.BOOTSTRAP_SEED


def speedup(t1_s: float, tn_s: float) -> float:
    """T1 / TN: how many times faster N workers finish the same work than one."""
    if t1_s <= 0 or tn_s <= 0:
        raise ValueError(f"times must be positive, got T1={t1_s} and TN={tn_s}")
    return t1_s / tn_s


def parallelism(n: int, usable_cores: int) -> int:
    """The cores N workers can keep busy at once: min(N, usable cores)."""
    if n < 1 or usable_cores < 1:
        raise ValueError(f"need n >= 1 and usable_cores >= 1, got {n} and {usable_cores}")
    return min(n, usable_cores)


def efficiency(s: float, p: int) -> float:
    """Parallel efficiency S / p: 1.0 is perfect scaling on p cores."""
    if p < 1:
        raise ValueError(f"need p >= 1, got {p}")
    return s / p


def karp_flatt(s: float, p: int) -> float | None:
    """Experimentally determined serial fraction e = (1/S - 1/p) / (1 - 1/p).

    Karp & Flatt (1990), CACM 33(5). Undefined (None) for p = 1. A value that grows with
    p means overhead grows with workers, not just a fixed serial part.
    """
    if s <= 0:
        raise ValueError(f"speedup must be positive, got {s}")
    if p < 1:
        raise ValueError(f"need p >= 1, got {p}")
    if p == 1:
        return None
    return (1 / s - 1 / p) / (1 - 1 / p)


def amdahl_fit(points: Sequence[tuple[int, float]]) -> float | None:
    """Least-squares serial fraction f of Amdahl's law 1/S = f + (1 - f)/p over (p, S) points.

    Linear in f: (1/S - 1/p) = f (1 - 1/p). Points with p = 1 carry no information; None
    when none is left. Clamped to [0, 1]: noise can push the raw fit just outside.
    """
    xs, ys = [], []
    for p, s in points:
        if p > 1 and s > 0:
            xs.append(1 - 1 / p)
            ys.append(1 / s - 1 / p)
    if not xs:
        return None
    f = sum(x * y for x, y in zip(xs, ys)) / sum(x * x for x in xs)
    return min(1.0, max(0.0, f))


def bootstrap_statistic(
    func: Callable[..., float],
    *samples: Sequence[float],
    confidence: float = stats.CONFIDENCE,
) -> tuple[float, float] | None:
    """Percentile interval of ``func(median(a), median(b), ...)``, each sample resampled alone.

    None when any sample is shorter than ``stats.MIN_SAMPLES_FOR_INTERVAL``.
    """
    if any(len(s) < stats.MIN_SAMPLES_FOR_INTERVAL for s in samples):
        return None
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    medians = []
    for s in samples:
        data = np.asarray(s, dtype=float)
        idx = rng.integers(0, len(data), size=(BOOTSTRAP_RESAMPLES, len(data)))
        medians.append(np.median(data[idx], axis=1))
    values = func(*medians)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha])
    return float(low), float(high)


def _ratio(a: Any, b: Any) -> Any:
    return a / b


def _ratio_of_ratios(a1: Any, an: Any, b1: Any, bn: Any) -> Any:
    return (a1 / an) / (b1 / bn)


# --- across benchmarks -------------------------------------------------------------------------


def _block(b: dict[str, Any]) -> dict[str, Any]:
    block: dict[str, Any] = b.get("extra_info", {}).get(SCHEMA_KEY, {})
    return block


def _rounds(b: dict[str, Any]) -> list[float]:
    """Raw round times (kept in the JSON by ``--benchmark-json``); the median alone if not.

    Whole rounds, not pytest-benchmark's per-operation ``stats``: a speedup divides the time
    of the same work (:func:`bench_lib.results.per_op.round_times_s`)."""
    return per_op.rounds_or_median_s(b)


def _key(block: dict[str, Any], drop: str, **override: Any) -> BenchmarkKey:
    """The benchmark's key with the ``drop`` axis removed and ``override`` put in."""
    params = {k: v for k, v in block.get("params", {}).items() if k != drop}
    params.update(override)
    return benchmark_key(block.get("subject", ""), block.get("case", ""), params)


def _blocks(b: dict[str, Any]) -> tuple[float, ...]:
    return replicates.block_medians(_rounds(b), _block(b).get("info", {}).get("block_rounds"))


def time_ratio(
    num: dict[str, Any], den: dict[str, Any]
) -> tuple[float, tuple[float, float] | None]:
    """T(num) / T(den) and its 95% interval, from the blocks where both have two or more
    (docs/design.md, principle 15: a block that ran on a faster moment of the VM moves a pooled
    median, not a ratio of blocks); else from medians of rounds with a bootstrap interval.
    A paired baseline's blocks pair with the point's own (:func:`replicates.paired_block_ratio`)."""
    together = num.get("paired") or den.get("paired")  # measured block by block together
    pairing = replicates.paired_block_ratio if together else replicates.block_ratio
    blocks = pairing(_blocks(den), _blocks(num))
    if blocks is not None and blocks.ci_low is not None and blocks.ci_high is not None:
        return blocks.ratio, (blocks.ci_low, blocks.ci_high)
    ci = bootstrap_statistic(_ratio, _rounds(num), _rounds(den))
    return stats.median(_rounds(num)) / stats.median(_rounds(den)), ci


def _speedup_entry(base: dict[str, Any], this: dict[str, Any]) -> dict[str, Any]:
    s, ci = time_ratio(base, this)  # T(1) / T(N)
    return {
        "speedup": s,
        "speedup_ci_low": ci[0] if ci else None,
        "speedup_ci_high": ci[1] if ci else None,
    }


def impossible(benchmark: dict[str, Any]) -> bool:
    """The benchmark carries the ``impossible`` flag: charts and sentences leave it out."""
    flags = (_block(benchmark).get("noise") or {}).get("flags") or []
    return any(isinstance(f, dict) and f.get("code") == IMPOSSIBLE_FLAG for f in flags)


def impossible_names(benchmarks: list[dict[str, Any]]) -> set[str]:
    """Names of the benchmarks flagged ``impossible`` (tidy tables carry the name)."""
    return {str(b.get("name")) for b in benchmarks if impossible(b)}


def _paired_baseline(block: dict[str, Any]) -> dict[str, Any] | None:
    """The baseline measured round by round beside this point (``paired``), as a benchmark:
    its block k shares the seconds of this point's block k, so their ratio is drift-free."""
    paired = block.get("paired") or {}
    if paired.get("role") != "baseline" or not paired.get("rounds_s"):
        return None
    params = "-".join(f"{k}={v}" for k, v in sorted((paired.get("params") or {}).items()))
    return {
        "paired": True,  # its blocks pair with the point's own, block by block
        "name": f"{paired.get('case')}{f'[{params}]' if params else ''} (paired)",
        "stats": {"data": paired["rounds_s"]},
        "extra_info": {SCHEMA_KEY: {"info": {"block_rounds": paired.get("block_rounds")}}},
    }


def _baseline(
    block: dict[str, Any], axis: str, by_point: dict[BenchmarkKey, dict[str, Any]]
) -> dict[str, Any] | None:
    paired = _paired_baseline(block)
    if paired is not None:
        return paired
    spec = block["info"]["scaling"].get("baseline")
    if isinstance(spec, dict):
        params = spec.get("params") or {}
        return by_point.get(benchmark_key(block.get("subject", ""), str(spec.get("case")), params))
    return by_point.get(_key(block, drop=axis, **{axis: 1}))


def derive(benchmarks: list[dict[str, Any]]) -> None:
    """Add ``derived`` (speedup, efficiency, serial fraction, side-step) to scaling benchmarks."""
    scaling = [b for b in benchmarks if _block(b).get("info", {}).get("scaling") and _rounds(b)]
    by_point: dict[BenchmarkKey, dict[str, Any]] = {}
    for b in benchmarks:  # any measured benchmark may be a shared baseline
        if _rounds(b):
            by_point[_key(_block(b), drop="")] = b
    series: dict[BenchmarkKey, list[tuple[int, float]]] = {}
    for b in scaling:
        block = _block(b)
        axis, cores = (
            block["info"]["scaling"]["axis"],
            int(block["info"]["scaling"]["usable_cores"]),
        )
        n = int(block["params"][axis])
        base = _baseline(block, axis, by_point)
        if base is None:
            continue
        entry = _speedup_entry(base, b)
        entry["baseline"] = base.get("name") or _block(base).get("case")
        p = parallelism(n, cores)
        entry.update(
            n=n,
            parallelism=p,
            efficiency=efficiency(entry["speedup"], p),
            serial_fraction_karp_flatt=karp_flatt(entry["speedup"], p),
            effective_cores=block.get("cpu", {}).get("effective_cores"),
        )
        block["derived"] = entry
        if n <= cores:
            series.setdefault(_key(block, drop=axis), []).append((p, entry["speedup"]))
    for b in scaling:
        block = _block(b)
        if "derived" in block:
            axis = block["info"]["scaling"]["axis"]
            block["derived"]["serial_fraction_amdahl_fit"] = amdahl_fit(
                series.get(_key(block, drop=axis), [])
            )
            _side_step(block, by_point, _baseline(block, axis, by_point))


def _block_speedups(bench: dict[str, Any] | None) -> tuple[float, ...] | None:
    """T_baseline / T of each block, where the point's baseline was timed beside it."""
    base = _paired_baseline(_block(bench)) if bench else None
    if base is None or bench is None:
        return None
    base_blocks, blocks = _blocks(base), _blocks(bench)
    if len(base_blocks) != len(blocks) or not all(t > 0 for t in blocks):
        return None
    return tuple(b / t for b, t in zip(base_blocks, blocks))


def _side_step(block: dict[str, Any], by_point: dict[BenchmarkKey, Any], shared: Any) -> None:
    """Process speedup / thread speedup at the same N (the headline is N = usable cores)."""
    spec = block["info"].get("side_step")
    if not spec or block["params"].get(spec["axis"]) != spec["numerator"]:
        return
    axis, n = block["info"]["scaling"]["axis"], block["params"][block["info"]["scaling"]["axis"]]
    other = {spec["axis"]: spec["denominator"]}
    den = by_point.get(_key(block, drop="", **other))
    num = by_point.get(_key(block, drop=""))
    sp_num, sp_den = _block_speedups(num), _block_speedups(den)
    if sp_num and sp_den:  # each point beside its own baseline: their speedups, block by block
        ratio = replicates.block_ratio(sp_den, sp_num)
        if ratio is None:
            return
        factor = ratio.ratio
        ci = (ratio.ci_low, ratio.ci_high) if ratio.ci_low is not None else None
    elif block["info"]["scaling"].get("baseline"):  # one baseline for both: it cancels
        if not (shared and den and num):
            return
        factor, ci = time_ratio(den, num)
    else:
        num1 = by_point.get(_key(block, drop="", **{axis: 1}))
        den1 = by_point.get(_key(block, drop="", **other, **{axis: 1}))
        if not (num1 and den and den1 and num):
            return
        parts = [_rounds(num1), _rounds(num), _rounds(den1), _rounds(den)]
        factor = _ratio_of_ratios(*(stats.median(x) for x in parts))
        ci = bootstrap_statistic(_ratio_of_ratios, *parts)
    block["derived"].update(
        side_step_factor=float(factor),
        side_step_ci_low=ci[0] if ci else None,
        side_step_ci_high=ci[1] if ci else None,
        side_step_headline=n == block["info"]["scaling"]["usable_cores"],
    )
