"""Subinterpreters (PEP 734): whether this Python has them, and what runs inside one.

``concurrent.interpreters`` and ``concurrent.futures.InterpreterPoolExecutor`` are CPython 3.14+.
A subinterpreter imports the module of every function it is given by name, like a spawn child,
so this module, like :mod:`bench_lib.workers.workloads`, imports only the standard library, and
the ``concurrent.interpreters`` import happens inside the functions that need it (3.11 imports
this module too, to say why a benchmark is skipped).

The pieces: :func:`missing` (the one-line skip reason), one start of an interpreter with and
without its phases, the raw ``_interpreters.create`` + ``destroy`` floor, and an executor whose
every worker answered (:func:`executor_ready`).
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
from typing import Any

from bench_lib.workers import workloads

READY_TIMEOUT_S = 30.0  # an interpreter worker answers in well under a second; 30 s is a hang
QUEUE_POLL_S = 0.001  # a readiness wait looks this often (Queue.get() itself sleeps 10 ms)


def missing() -> str | None:
    """None where subinterpreters can be measured; else why not, in one line."""
    try:
        _interpreters()
        getattr(importlib.import_module("concurrent.futures"), "InterpreterPoolExecutor")  # noqa: B009
    except (ImportError, AttributeError):
        version = ".".join(map(str, sys.version_info[:2]))
        return (
            f"no subinterpreters on Python {version}: concurrent.interpreters and "
            "InterpreterPoolExecutor are CPython 3.14+ (PEP 734); run with python3.14 to "
            "measure them"
        )
    return None


def _interpreters() -> Any:
    """``concurrent.interpreters`` (by name: mypy checks against 3.11, which has none)."""
    return importlib.import_module("concurrent.interpreters")


def create() -> Any:
    """A new idle interpreter (``concurrent.interpreters.create()``)."""
    return _interpreters().create()


def create_queue(maxsize: int = 0) -> Any:
    """A cross-interpreter queue: shareable objects move as themselves, others pickled."""
    return _interpreters().create_queue(maxsize)


def start_run_close() -> None:
    """One interpreter's life: create it, run a no-op in it (this thread), close it."""
    interp = create()
    try:
        interp.call(workloads.noop)
    finally:
        interp.close()


def start_phases() -> tuple[float, float, float]:
    """(create() returned, the interpreter's first instruction, close() returned), seconds
    since the start, on the shared monotonic clock the process start's phases use."""
    t0 = workloads.shared_clock_ns()
    interp = create()
    created = workloads.shared_clock_ns()
    try:
        first = int(interp.call(workloads.shared_clock_ns))
    finally:
        interp.close()
    closed = workloads.shared_clock_ns()
    return (created - t0) / 1e9, (first - t0) / 1e9, (closed - t0) / 1e9


def raw_create_destroy() -> None:
    """The floor under an interpreter's start: the C-level create and destroy, nothing run."""
    import _interpreters  # type: ignore[import-not-found]

    _interpreters.destroy(_interpreters.create())


def check_in_queue(arrived: Any, go: Any, timeout_s: float) -> int:
    """Readiness task: say which thread this worker is, then hold it until the go.

    Held until every worker has spoken, so N answers come from N distinct workers (the pool
    subject's readiness, over interpreter queues instead of a socket)."""
    me = threading.get_native_id()
    arrived.put(me)
    _get(go, time.monotonic() + timeout_s)
    return me


def _get(queue: Any, deadline: float) -> Any:
    """The next item by ``deadline``: ``Queue.get(timeout=)`` truncates its timeout to whole
    seconds (3.14), so a short one would not wait at all; this looks every QUEUE_POLL_S."""
    while True:
        try:
            return queue.get_nowait()
        except Exception as exc:  # QueueEmpty (a queue.Empty)
            if time.monotonic() >= deadline:
                raise TimeoutError("no answer before the deadline") from exc
            time.sleep(QUEUE_POLL_S)


def open_executor(workers: int, **init: Any) -> Any:
    """An InterpreterPoolExecutor of ``workers`` (``initializer``/``initargs`` passed on)."""
    executor = importlib.import_module("concurrent.futures").InterpreterPoolExecutor
    return executor(max_workers=workers, **init)


def executor_ready(executor: Any, workers: int, timeout_s: float = READY_TIMEOUT_S) -> list[int]:
    """Have every worker of an InterpreterPoolExecutor answer once (it starts them lazily);
    the native thread id of each. Raises TimeoutError, saying how many answered."""
    arrived, go = create_queue(), create_queue()
    deadline = time.monotonic() + timeout_s
    futures = [executor.submit(check_in_queue, arrived, go, timeout_s) for _ in range(workers)]
    ids: list[int] = []
    try:
        while len(ids) < workers:
            ids.append(int(_get(arrived, deadline)))
    except TimeoutError:
        broken = [repr(f.exception()) for f in futures if f.done() and f.exception()]
        raise TimeoutError(
            f"{len(ids)} of {workers} interpreter workers answered within {timeout_s:g} s"
            + (f": {broken[0]}" if broken else ": they hung")
        ) from None
    finally:
        for _ in futures:
            go.put(b"g")
    return [int(f.result(timeout=max(0.0, deadline - time.monotonic()))) for f in futures]


def executor_start(workers: int) -> list[int]:
    """An InterpreterPoolExecutor of ``workers`` until every worker answered, then shut down
    (the shutdown is the caller's to time apart: here it is part of the round's teardown)."""
    executor = open_executor(workers)
    try:
        return executor_ready(executor, workers)
    finally:
        executor.shutdown(wait=True)
