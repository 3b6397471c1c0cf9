"""Advice about the gil subject: sentences with this run's own numbers.

What it speaks of: the speedups of threads, processes and subinterpreters at N = cores (threads
named free-threaded when the GIL was off), and what each way costs beyond speed: memory per
worker (psutil), the start of one worker (the spawn subject's figures, where the run has them)
and what the workers can share.

Each sentence appears only when the figures it needs exist. The report and the end of
``mpbench run`` call :func:`rules` through :mod:`bench_lib.registry`.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from bench_lib.results.records import Machine
from bench_lib.results.run_figures import RunFigures, derived_of, median_of, metric_of
from bench_lib.units import format_value

WORDS = {"thread": "threads", "process": "processes", "interpreter": "subinterpreters"}
SHARING = {  # what workers of each kind can share, in words (the docs say more)
    "thread": "every object",
    "process": "nothing but pickled copies, shared memory and Manager proxies",
    "interpreter": "nothing but copied shareable objects (bytes, str, numbers, tuples of "
    "them), queues and the buffers of memoryviews; the rest is pickled",
}


def _split(derived: pd.DataFrame, column: str, mode: str, cores: int) -> float | None:
    return derived_of(derived, "gil", "cpu_split", column, mode=mode, n=cores)


def gil_rules(
    derived: pd.DataFrame, cores: int, impossible: Collection[str] = (), gil_on: bool = True
) -> list[str]:
    """Thread, process and (where measured) subinterpreter speedups at N = cores; none if
    threads or processes are missing or flagged impossible (an impossible subinterpreter
    speedup is left out of the sentence)."""
    if not derived.empty and impossible:
        derived = derived[~derived["name"].isin(list(impossible))]
    speed = {m: _split(derived, "speedup", m, cores) for m in WORDS}
    threads, procs = speed["thread"], speed["process"]
    if threads is None or procs is None:
        return []
    busy = {m: _split(derived, "effective_cores", m, cores) for m in WORDS}
    shown = [m for m in WORDS if speed[m] is not None]
    parts = [f"{_words(m, gil_on)} {speed[m]:.2f}x" for m in shown]
    used = ""
    if all(busy[m] is not None for m in shown):
        used = f" (they kept {_and([f'{busy[m]:.2f}' for m in shown])} cores busy)"
    line = f"CPU-bound Python on {cores} cores: {', '.join(parts)}{used}: the side-step factor is "
    line += f"{procs / threads:.2f}x"
    interp = speed["interpreter"]
    if interp is not None:
        line += f", subinterpreters reach {interp / procs:.2f}x the process speedup"
    return [line + "."]


def _words(mode: str, gil_on: bool) -> str:
    if mode == "thread" and not gil_on:
        return "free-threaded threads"
    return WORDS[mode]


def _mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def cost_rules(run: RunFigures, cores: int) -> list[str]:
    """What each kind of worker costs beyond speed: memory per worker, start, sharing."""
    out = []
    mem = {
        m: metric_of(
            run.metrics, "gil", "cpu_split", "memory_per_worker_uss_bytes", mode=m, n=cores
        )
        for m in WORDS
    }
    if mem["process"] is not None and mem["interpreter"] is not None:
        thread = f", a thread {_mib(mem['thread'])}" if mem["thread"] is not None else ""
        out.append(
            f"Memory per worker (psutil, {cores} workers): a process holds "
            f"{_mib(mem['process'])} of its own (USS), a subinterpreter grows the one process "
            f"by {_mib(mem['interpreter'])}{thread}."
        )
    starts = {
        "a thread": median_of(run.figures, "spawn", "thread_start"),
        "a subinterpreter": median_of(run.figures, "spawn", "subinterpreter_start"),
        "a forkserver process": median_of(
            run.figures, "spawn", "process_start", start="forkserver"
        ),
        "a spawn process": median_of(run.figures, "spawn", "process_start", start="spawn"),
    }
    timed = [f"{who} {format_value(s, 's')}" for who, s in starts.items() if s]
    if starts["a subinterpreter"] and len(timed) > 1:
        out.append(f"Starting one worker (start, run a no-op, finish): {_and(timed)}.")
    if mem["interpreter"] is not None or starts["a subinterpreter"]:
        out.append(
            "What workers share: threads "
            + SHARING["thread"]
            + "; processes "
            + SHARING["process"]
            + "; subinterpreters "
            + SHARING["interpreter"]
            + "."
        )
    return out


def rules(run: RunFigures) -> list[str]:
    gil_on = Machine.of(run.data).gil_enabled
    said = gil_rules(run.derived, run.cores, run.impossible, gil_on)
    return said + cost_rules(run, run.cores) if said else said
