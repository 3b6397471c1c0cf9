"""Process start cost: what one process costs to start and finish, by start method.

Unit: seconds per start (lower is better), one start+join per measured round.

Every round runs in a lean measuring process (stdlib only, about 10 MB), never in the pytest
process: a fork copies the forking process's page tables, so a 50 MB parent would make every
fork-family figure 2-3x slower (docs/design.md, principle 11). Each block of rounds is a fresh
measuring process (principle 15); ``info.blocks`` records each one's size and mappings.

- ``process_start``: ``Process(target=noop)`` start + join, per start method;
  ``thread_start`` is the same for ``threading.Thread``, the in-process contrast.
- ``start_phases``: the same split into ``start()`` returning, the child's first
  instruction (stamped with the shared CLOCK_MONOTONIC) and ``join()`` returning.
- ``forkserver_boot``: a forkserver start that boots the server first.
- Floors: ``raw_fork`` (``os.fork`` + ``os._exit`` + ``waitpid``) under fork and forkserver;
  ``interpreter`` (``python -c pass`` and ``python -S -I -c pass``) under spawn. Each figure's
  floor is also timed in its own lean process, one floor round beside each round (A B B A),
  so a VM speed change between them cannot beat the floor (principle 13); the standalone
  floor benchmarks stay as figures of their own.
- ``fork_memory``: raw fork and a fork-method Process from a parent holding N MiB of touched
  memory: the cost of copying page tables, with the parent's RSS and mapping count recorded.
- Subinterpreters (CPython 3.14+, ``concurrent.interpreters``; skipped with the reason
  elsewhere): ``subinterpreter_start`` is ``create()`` + ``call(noop)`` + ``close()`` in the
  measuring thread, its floor ``subinterpreter_raw`` (``_interpreters.create`` + ``destroy``,
  nothing run) timed round by round beside it; ``subinterpreter_phases`` splits it on the shared
  clock into ``create()`` returning, the interpreter's first instruction and ``close()``
  returning (the process phases' metric names); ``subinterpreter_pool_start`` is an
  ``InterpreterPoolExecutor`` of usable-cores workers until every worker answered (N answers
  from N distinct threads, as the pool subject's ``pool_start`` for processes).

Off the clock: starting the measuring process, building the context, starting a forkserver
before steady-state rounds, stopping it before boot rounds, allocating and touching memory,
shutting down the last round's InterpreterPoolExecutor.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest

from bench_lib.engine.bench import Bench, Figure, FloorRef, PairedJob
from bench_lib.engine.lean_runner import LeanJob
from bench_lib.engine.profiles import from_profile, grid, start_methods
from bench_lib.subjects.spawn.ops import SUBINTERPRETER_CASES
from bench_lib.workers import interp

START = Figure("start+join", "s", "time")
FLOOR_OF = {  # the cheapest thing each start method must do
    "fork": FloorRef("raw_fork"),
    "forkserver": FloorRef("raw_fork"),
    "spawn": FloorRef("interpreter", {"python": "site"}),
}
MEMORY_MIB = {
    "smoke": [0],
    "quick": [0, 256],
    "standard": [0, 256],  # two sizes give the slope; touching a GiB took seconds per block
    "full": [0, 256, 1024, 4096],
}


def _job(case: str, **params: Any) -> LeanJob:
    method = params.get("start", "fork" if case in ("raw_fork", "fork_memory") else None)
    if method and method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"start method {method!r} is not available here")
    if case in SUBINTERPRETER_CASES and (reason := interp.missing()):
        pytest.skip(reason)
    return LeanJob("bench_lib.subjects.spawn.ops", case, params)


def _beside(floor: FloorRef) -> PairedJob:
    """The floor as a job the figure's lean process times round by round beside its own."""
    return PairedJob("floor", floor, _job(floor.case, **floor.params), START)


@grid(start=start_methods)
def test_process_start(mpbench: Bench, start: str) -> None:
    job = _job("process_start", start=start)
    mpbench.measure_lean(job, figures=[START], paired=_beside(FLOOR_OF[start]))


def test_thread_start(mpbench: Bench) -> None:
    mpbench.measure_lean(_job("thread_start"), figures=[START])


@from_profile("standard")
@grid(start=start_methods)
def test_start_phases(mpbench: Bench, start: str) -> None:
    job = _job("start_phases", start=start)
    phases = mpbench.measure_lean(job, figures=[START], paired=_beside(FLOOR_OF[start]))
    ordered = all(0 <= ret <= joined and 0 < first <= joined for ret, first, joined in phases)
    mpbench.check("phases in order", ordered, str(phases[:3]))
    mpbench.metric_samples("start_returned_s", [p[0] for p in phases], "s")
    mpbench.metric_samples("first_run_s", [p[1] for p in phases], "s")
    mpbench.metric_samples("join_after_first_run_s", [p[2] - p[1] for p in phases], "s")


def test_forkserver_boot(mpbench: Bench) -> None:
    mpbench.measure_lean(
        _job("forkserver_boot", start="forkserver"),
        figures=[START],
        paired=_beside(FloorRef("process_start", {"start": "forkserver"})),
    )


def test_raw_fork(mpbench: Bench) -> None:
    mpbench.measure_lean(_job("raw_fork"), figures=[START])


@grid(python={"smoke": ["site", "bare"], "quick": ["site"], "standard": ["site", "bare"]})
def test_interpreter(mpbench: Bench, python: str) -> None:
    flags = ["-S", "-I"] if python == "bare" else []
    mpbench.info["command"] = " ".join(["python", *flags, "-c", "pass"])
    mpbench.measure_lean(_job("interpreter", python=python), figures=[START])


@grid(mib=MEMORY_MIB, how=["raw", "process"])
def test_fork_memory(mpbench: Bench, mib: int, how: str) -> None:
    # the process start's floor: a raw fork from the same parent (the same touched memory)
    floor = (
        _beside(FloorRef("fork_memory", {"mib": mib, "how": "raw"})) if how == "process" else None
    )
    mpbench.measure_lean(_job("fork_memory", mib=mib, how=how), figures=[START], paired=floor)
    parent = mpbench.info["blocks"][0]
    mpbench.metric("parent_touched_bytes", mib * 2**20, "B")
    mpbench.metric("parent_rss_bytes", parent["rss_bytes"], "B")
    mpbench.metric("parent_mappings", parent["mappings"], "mappings")


SUBINTERPRETER_FLOOR = FloorRef("subinterpreter_raw")  # the C-level create + destroy, nothing run


def test_subinterpreter_start(mpbench: Bench) -> None:
    mpbench.info["what"] = "concurrent.interpreters: create(), call(noop), close()"
    job = _job("subinterpreter_start")
    mpbench.measure_lean(job, figures=[START], paired=_beside(SUBINTERPRETER_FLOOR))


@from_profile("standard")
def test_subinterpreter_raw(mpbench: Bench) -> None:
    mpbench.info["what"] = "_interpreters.create() + destroy(): no code run"
    mpbench.measure_lean(_job("subinterpreter_raw"), figures=[START])


@from_profile("standard")
def test_subinterpreter_phases(mpbench: Bench) -> None:
    job = _job("subinterpreter_phases")
    phases = mpbench.measure_lean(job, figures=[START], paired=_beside(SUBINTERPRETER_FLOOR))
    ordered = all(0 <= ret <= first <= closed for ret, first, closed in phases)
    mpbench.check("phases in order", ordered, str(phases[:3]))
    mpbench.metric_samples("start_returned_s", [p[0] for p in phases], "s")
    mpbench.metric_samples("first_run_s", [p[1] for p in phases], "s")
    mpbench.metric_samples("join_after_first_run_s", [p[2] - p[1] for p in phases], "s")


@from_profile("standard")
def test_subinterpreter_pool_start(mpbench: Bench) -> None:
    workers = mpbench.cores
    mpbench.info.update(workers=workers, what="InterpreterPoolExecutor until every worker answered")
    job = _job("subinterpreter_pool", workers=workers)
    answered = mpbench.measure_lean(
        job, figures=[Figure("create until all workers answered", "s", "time")]
    )
    mpbench.info["distinct_workers_answered"] = answered
    mpbench.check(
        "every worker answered",
        bool(answered) and set(answered) == {workers},
        f"distinct workers per round {answered[:5]}, wanted {workers}",
    )
