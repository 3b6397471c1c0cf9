"""The measurement: serial first, then each way beside serial, block by block, in the budget.

A way is measured in BLOCKS independent blocks, each with a fresh pool: its start-up is timed
off the per-call clock, one warm-up round is dropped, then rounds of the way and of serial
alternate (W S S W ...: neither always goes first), so each speedup divides times from the same
seconds of the machine, as the gil subject does. The speedup's interval is the paired t
interval over the blocks' median ratios (:func:`bench_lib.stats.replicates.paired_block_ratio`),
never over pooled rounds. Every round's results are compared with the serial results after the
clock stops: a way that returns anything else fails, loudly.
"""

from __future__ import annotations

import multiprocessing
import pickle
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing.reduction import ForkingPickler
from typing import Any

from bench_lib.machine import cpu, environment
from bench_lib.machine.gil_runtime import gil_enabled
from bench_lib.measure import blocks, plan, recommend
from bench_lib.measure.records import Pickling, Summary, WayResult
from bench_lib.measure.target import Target, UserCodeError, args_unpicklable, picklable
from bench_lib.measure.ways import START_METHODS, Way, interpreters_available
from bench_lib.stats import descriptive

DEFAULT_BUDGET_S = 60.0
HEAVY = ("numpy", "pandas", "matplotlib")  # a parent this big makes fork slower (principle 11)
PICKLE_MIN_S = 0.02  # repeat the pickling passes until this long: a few tiny calls time badly
PICKLE_MAX_PASSES = 1000


def _pickle_cost(items: Sequence[Any]) -> tuple[float, float]:
    """Mean pickled bytes and microseconds (dumps + loads) per item, as workers send them."""
    passes, size, start = 0, 0, time.perf_counter()
    while passes < PICKLE_MAX_PASSES and (
        passes == 0 or time.perf_counter() - start < PICKLE_MIN_S
    ):
        size = 0
        for item in items:
            data = _dumps(item)
            pickle.loads(data)
            size += len(data)
        passes += 1
    return size / len(items), (time.perf_counter() - start) / passes / len(items) * 1e6


def _dumps(item: Any) -> bytes:
    return bytes(ForkingPickler.dumps(item))


def pickling(target: Target, results: list[Any]) -> Pickling | None:
    if args_unpicklable(target.args):
        return None
    args_b, args_us = _pickle_cost(target.args)
    try:
        res_b, res_us = _pickle_cost(results)
    except Exception:  # a result that cannot be pickled: processes cannot return it
        res_b, res_us = None, None
    return Pickling(args_b, args_us, res_b, res_us, len(_dumps(target.fn)))


def probe(target: Target) -> tuple[list[Any], float]:
    """One serial round, unmeasured: the expected results and a first time for the plan."""
    start = time.perf_counter()
    try:
        results = [target.fn(*a) for a in target.args]
    except Exception as exc:
        raise UserCodeError(target.name, exc) from None
    return results, time.perf_counter() - start


def methods_here(asked: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """(the start methods to measure, a line for each asked one this platform lacks)."""
    have = multiprocessing.get_all_start_methods()
    wanted = list(asked) if asked else [m for m in START_METHODS if m in have]
    missing = [
        f"start method {m}: not available on {sys.platform}" for m in wanted if m not in have
    ]
    return [m for m in wanted if m in have], missing


def _leftovers() -> str | None:
    """Workers still alive after every pool closed: killed, and said (principle 10)."""
    alive = cpu.live_children()
    if not alive:
        return None
    cpu.kill_tree(alive)
    return f"{len(alive)} worker process(es) outlived their pool and were killed: {alive}"


def _serial_per_call(results: list[WayResult], fallback_s: float, calls: int) -> float:
    rounds = [t for r in results for block in r.serial_rounds_s for t in block]
    return (descriptive.median(rounds) if rounds else fallback_s) / calls


def _skipped(target: Target, expected: list[Any], methods: list[str]) -> tuple[list[str], bool]:
    """Lines for what cannot run here; whether other processes and interpreters can."""
    lines = []
    if not interpreters_available():
        lines.append(
            "interpreters: concurrent.futures.InterpreterPoolExecutor needs Python 3.14 or "
            f"later (this is {sys.version.split()[0]})"
        )
    reason = args_unpicklable(target.args)
    if reason is None:
        try:
            ForkingPickler.dumps(expected)
        except Exception as exc:
            reason = f"the results cannot be pickled ({type(exc).__name__}: {exc})"
    if reason:
        lines.append(f"processes and interpreters: {reason}; threads and serial only")
    return lines, reason is None


def measure(
    target: Target,
    budget_s: float = DEFAULT_BUDGET_S,
    start_methods: Sequence[str] | None = None,
    workers: Sequence[int] | None = None,
    chunksize: int | None = None,
    say: Callable[[str], None] | None = None,
) -> Summary:
    """Measure ``target`` every way this machine has, in about ``budget_s`` seconds."""
    budget = plan.Budget(budget_s)
    picklable(target.fn, target.name)
    expected, first_s = probe(target)
    budget.serial_round_s = first_s
    cores = environment.usable_cores()
    methods, missing = methods_here(start_methods)
    skipped, other_processes = _skipped(target, expected, methods)
    calls = len(target.args)
    planned = plan.ways(
        cores,
        workers or plan.worker_counts(cores),
        methods if other_processes else [],
        calls,
        first_s / calls,
        chunksize,
        interpreters_available() and other_processes,
    )
    results, cut, tracebacks = _measure_all(planned, target, expected, budget, say)
    choice = recommend.recommend(results, gil_enabled())
    if not results and cut:
        choice = recommend.nothing_fitted(first_s, budget_s, budget.way_guess(cut[0]))
    return Summary(
        target=target.name,
        args=target.args_name,
        calls=calls,
        python=sys.version.split()[0],
        gil_enabled=gil_enabled(),
        usable_cores=cores,
        start_methods=tuple(methods),
        budget_s=budget_s,
        elapsed_s=budget_s - budget.left_s,
        serial_per_call_s=_serial_per_call(results, first_s, calls),
        pickling=pickling(target, expected),
        ways=tuple(results),
        skipped=tuple(missing + skipped),
        cut=tuple(w.id for w in cut),
        budget_for_all_s=(budget_s - budget.left_s + sum(map(budget.way_guess, cut)))
        if cut
        else None,
        recommendation=choice.kind,
        recommended=choice.way_id,
        evidence=choice.evidence,
        heavy_modules=tuple(m for m in HEAVY if m in sys.modules),
        tracebacks=tuple(tracebacks),
        leftover=_leftovers(),
    )


def _measure_all(
    planned: list[Way],
    target: Target,
    expected: list[Any],
    budget: plan.Budget,
    say: Callable[[str], None] | None,
) -> tuple[list[WayResult], list[Way], list[str]]:
    """Each way in plan order while the budget lasts: (results, ways cut, tracebacks)."""
    results: list[WayResult] = []
    cut: list[Way] = []
    tracebacks: list[str] = []
    for way in planned:
        if not budget.fits(budget.block_guess(way, None, None)):
            cut.append(way)
            continue
        try:
            result = blocks.measure_way(way, target, expected, budget)
        except UserCodeError as exc:
            result = WayResult(way, "failed", str(exc))
            if exc.text not in tracebacks:
                tracebacks.append(exc.text)
        if result.status == "cut":
            cut.append(way)
            continue
        results.append(result)
        if say is not None:
            say(recommend.way_line(result))
    return results, cut, tracebacks
