"""One way measured beside serial, block by block (see :mod:`bench_lib.measure.session`).

A block opens a fresh pool (its start-up timed apart), drops one warm-up round, then
alternates rounds of the way and of serial (W S S W ...). The speedup's interval is the paired
t interval over the blocks' median ratios, never over pooled rounds. Every round's results are
compared with the serial results after the clock stops.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import pickle
import time
from typing import Any

from bench_lib.machine.cpu import CpuMeter, CpuUsage
from bench_lib.measure import plan
from bench_lib.measure.records import WayResult
from bench_lib.measure.target import Target, UserCodeError
from bench_lib.measure.ways import Runner, Way
from bench_lib.stats import descriptive, replicates


class WrongResults(Exception):
    pass


ROUND_TIMEOUT_FACTOR = 20  # a pool's round 20x slower than serial: a worker hung or died
MIN_ROUND_TIMEOUT_S = 30.0  # but never under this: spawn's first round on a busy machine


class RoundTimeout(Exception):
    pass


def round_timeout_s(serial_round_s: float) -> float:
    return max(MIN_ROUND_TIMEOUT_S, ROUND_TIMEOUT_FACTOR * serial_round_s)


def _timed(runner: Runner, timeout_s: float | None = None) -> tuple[float, list[Any]]:
    start = time.perf_counter()
    try:
        out = runner.run(timeout_s)
    except (TimeoutError, multiprocessing.TimeoutError, concurrent.futures.TimeoutError):
        raise RoundTimeout(
            f"a round took over {timeout_s:.0f} s: a worker hung, or died and lost its task; "
            "the pool was terminated"
        ) from None
    return time.perf_counter() - start, out


def same(a: Any, b: Any) -> bool:
    """Equal results; values whose ``==`` is not a bool (arrays) compare by their pickles."""
    try:
        equal = a == b
        if isinstance(equal, bool):
            return equal
    except Exception:  # an __eq__ that refuses: fall back on the bytes
        pass
    try:
        return bool(pickle.dumps(a) == pickle.dumps(b))
    except Exception:  # not picklable either (threads only): what it prints is all there is
        return repr(a) == repr(b)


def check(out: list[Any], expected: list[Any]) -> None:
    if len(out) != len(expected):
        raise WrongResults(f"{len(out)} results for {len(expected)} calls")
    for i, (got, want) in enumerate(zip(out, expected)):
        if not same(got, want):
            raise WrongResults(f"call {i}: serial gave {want!r:.60}, this way {got!r:.60}")


def _block(
    way: Way, target: Target, expected: list[Any], budget: plan.Budget, rounds: int | None
) -> tuple[float, list[float], list[float], CpuUsage, int]:
    """One block with a fresh pool: (start-up, way rounds, serial rounds, way CPU, rounds)."""
    runner, serial = (
        Runner(way, target.fn, target.args),
        Runner(Way("serial"), target.fn, target.args),
    )
    usage = CpuUsage(0.0, 0.0, 0.0)
    mine: list[float] = []
    theirs: list[float] = []
    try:
        start = time.perf_counter()
        runner.open()
        startup = time.perf_counter() - start
        budget.startup_s[way.start_method or way.kind] = startup
        timeout = round_timeout_s(budget.serial_round_s)
        warm_s, out = _timed(runner, timeout)
        check(out, expected)
        rounds = rounds or plan.rounds_per_block(budget.serial_round_s, warm_s)
        for i in range(rounds):
            for r in (runner, serial) if i % 2 == 0 else (serial, runner):
                with CpuMeter() as meter:
                    elapsed, out = _timed(r, timeout)
                check(out, expected)
                (mine if r is runner else theirs).append(elapsed)
                if r is runner:
                    usage += meter.usage
    finally:
        runner.close()
    return startup, mine, theirs, usage, rounds


def measure_way(way: Way, target: Target, expected: list[Any], budget: plan.Budget) -> WayResult:
    """BLOCKS blocks of ``way`` beside serial, as many as the budget allows."""
    startups: list[float] = []
    way_blocks: list[list[float]] = []
    serial_blocks: list[list[float]] = []
    usage, rounds, way_round = CpuUsage(0.0, 0.0, 0.0), None, None
    for _ in range(plan.BLOCKS):
        if not budget.fits(budget.block_guess(way, way_round, rounds)):
            break
        try:
            startup, mine, theirs, used, rounds = _block(way, target, expected, budget, rounds)
        except WrongResults as exc:
            return WayResult(way, "wrong results", f"results differ from serial: {exc}")
        except RoundTimeout as exc:
            return WayResult(way, "failed", str(exc))
        except Exception as exc:
            raise UserCodeError(way.label, exc) from None
        startups.append(startup)
        way_blocks.append(mine)
        serial_blocks.append(theirs)
        usage += used
        way_round = descriptive.median(mine)
    if not way_blocks:
        return WayResult(way, "cut", "no block fitted in the budget")
    return _result(way, target, startups, way_blocks, serial_blocks, usage, rounds or 0)


def _result(
    way: Way,
    target: Target,
    startups: list[float],
    way_blocks: list[list[float]],
    serial_blocks: list[list[float]],
    usage: CpuUsage,
    rounds: int,
) -> WayResult:
    way_medians = [descriptive.median(b) for b in way_blocks]
    serial_medians = [descriptive.median(b) for b in serial_blocks]
    ratio = replicates.paired_block_ratio(way_medians, serial_medians)  # serial / way
    assert ratio is not None  # pragma: no mutate (both lists are positive and as long)
    short = "" if ratio.ci_low is not None else f"{len(way_blocks)} block: no interval (budget)"
    return WayResult(
        way,
        "ok",
        short,
        per_call_s=descriptive.median(way_medians) / len(target.args),
        speedup=ratio.ratio,
        ci_low=ratio.ci_low,
        ci_high=ratio.ci_high,
        effective_cores=usage.effective_cores,
        foreign_cores=usage.foreign_cores,
        startup_s=descriptive.median(startups) if way.kind != "serial" else None,
        rounds_per_block=rounds,
        way_rounds_s=tuple(tuple(b) for b in way_blocks),
        serial_rounds_s=tuple(tuple(b) for b in serial_blocks),
    )
