"""Process start cost: what one process costs to start and finish, by start method.

Unit: seconds per start (lower is better), one start+join per measured round.

- ``process_start``: ``Process(target=noop)`` start + join, per start method;
  ``thread_start`` is the same for ``threading.Thread``, the in-process contrast.
- ``start_phases``: the same split into ``start()`` returning, the child's first
  instruction (stamped with the shared CLOCK_MONOTONIC) and ``join()`` returning.
- ``forkserver_boot``: a forkserver start that boots the server first.
- Floors, measured in the same run: ``raw_fork`` (``os.fork`` + ``os._exit`` +
  ``waitpid``) under fork and forkserver; ``interpreter`` (``python -c pass`` and
  ``python -S -I -c pass``) under spawn.
- ``fork_memory``: raw fork and a fork-method Process with N MiB of touched memory in
  the parent: the cost of copying page tables.

Off the clock: building the context, starting a forkserver before steady-state
rounds, stopping it before boot rounds, allocating and touching parent memory.
"""

from __future__ import annotations

import multiprocessing.forkserver
from typing import Any

import pytest

from bench_lib import spawn
from bench_lib.engine import Bench, Figure, FloorRef
from bench_lib.profiles import grid, start_methods

START = Figure("start+join", "s", "time")
FLOOR_OF = {  # the cheapest thing each start method must do
    "fork": FloorRef("raw_fork"),
    "forkserver": FloorRef("raw_fork"),
    "spawn": FloorRef("interpreter", {"python": "site"}),
}
MEMORY_MIB = {
    "smoke": [0],
    "quick": [0, 256],
    "standard": [0, 256, 1024],
    "full": [0, 256, 1024, 4096],
}


def _context(start: str) -> Any:
    try:
        return spawn.context(start)
    except spawn.StartMethodUnavailable as exc:
        pytest.skip(str(exc))


def _forkserver_ready(start: str) -> Any:
    if start == "forkserver":  # steady state: the server is up before the clock starts
        return lambda: multiprocessing.forkserver.ensure_running()
    return None


@grid(start=start_methods)
def test_process_start(mpbench: Bench, start: str) -> None:
    ctx = _context(start)
    mpbench.measure(
        lambda: spawn.start_join(ctx),
        setup=_forkserver_ready(start),
        figures=[START],
        floor=FLOOR_OF[start],
    )


def test_thread_start(mpbench: Bench) -> None:
    mpbench.measure(spawn.thread_start_join, figures=[START])


@grid(start=start_methods)
def test_start_phases(mpbench: Bench, start: str) -> None:
    ctx = _context(start)
    phases: list[spawn.StartPhases] = []
    mpbench.measure(
        lambda: phases.append(spawn.start_phases(ctx)),
        setup=_forkserver_ready(start),
        figures=[START],
        floor=FLOOR_OF[start],
    )
    mpbench.check("phases in order", all(p.ordered for p in phases), str(phases[:3]))
    mpbench.metric_samples("start_returned_s", [p.start_returned_s for p in phases], "s")
    mpbench.metric_samples("first_run_s", [p.first_run_s for p in phases], "s")
    mpbench.metric_samples(
        "join_after_first_run_s", [p.joined_s - p.first_run_s for p in phases], "s"
    )


def test_forkserver_boot(mpbench: Bench) -> None:
    ctx = _context("forkserver")
    mpbench.measure(
        lambda: spawn.start_join(ctx),
        setup=spawn.stop_forkserver,
        figures=[START],
        floor=FloorRef("process_start", {"start": "forkserver"}),
    )


def test_raw_fork(mpbench: Bench) -> None:
    _context("fork")
    mpbench.measure(spawn.raw_fork, figures=[START])


@grid(python=["site", "bare"])
def test_interpreter(mpbench: Bench, python: str) -> None:
    flags = spawn.INTERPRETER_FLAGS[python]
    mpbench.info["command"] = " ".join(["python", *flags, "-c", "pass"])
    mpbench.measure(lambda: spawn.interpreter_start(flags), figures=[START])


@grid(mib=MEMORY_MIB, how=["raw", "process"])
def test_fork_memory(mpbench: Bench, mib: int, how: str) -> None:
    ctx = _context("fork")
    memory = spawn.touched_memory(mib)
    mpbench.metric("parent_touched_bytes", len(memory), "B")
    if how == "raw":
        mpbench.measure(spawn.raw_fork, figures=[START])
    else:
        mpbench.measure(
            lambda: spawn.start_join(ctx),
            figures=[START],
            floor=FloorRef("fork_memory", {"mib": mib, "how": "raw"}),
        )
    del memory
