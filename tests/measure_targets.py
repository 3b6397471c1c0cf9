"""Functions for the tests of `mpbench measure`: one CPU-bound, one sleeping, and bad ones.

A plain module (imported by path as the command does, and by the fixture's test file), so that
worker processes find every function by its name.
"""

from __future__ import annotations

import os
import time
from typing import Any

CPU_STEPS = 120_000  # about 10 ms of pure Python a call on a 2020s core
NAP_S = 0.04  # a sleeping call: threads overlap these whatever the load


def crunch(n: int) -> int:
    """CPU-bound pure Python: holds the GIL throughout."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def cpu_jobs() -> list[tuple[int]]:
    return [(CPU_STEPS,)] * 8


def nap(seconds: float) -> float:
    """Sleeps: releases the GIL, uses no CPU."""
    time.sleep(seconds)
    return seconds


def nap_jobs() -> list[tuple[float]]:
    return [(NAP_S,)] * 8


def which_process(_: int) -> int:
    """A result that depends on where the call ran: processes must be caught returning others."""
    return os.getpid()


def small_jobs() -> list[tuple[int]]:
    return [(i,) for i in range(4)]


def fails(n: int) -> int:
    if n == 2:
        raise ValueError(f"the user's own error for n={n}")
    return n


def not_tuples() -> list[int]:
    return [1, 2, 3]


def not_a_list() -> dict[str, Any]:
    return {"a": (1,)}


def _make_local() -> Any:
    def local(n: int) -> int:
        return n

    return local


local = _make_local()  # a function pickle cannot find by its name


def payload_record() -> dict[str, Any]:
    """A user's payload for the ipc subject: a dict, so not bytes-like."""
    return {"id": 7, "name": "widget", "values": list(range(100)), "tags": ("a", "b")}


def payload_blob() -> bytes:
    """A bytes-like payload: shared memory can carry it."""
    return bytes(range(256)) * 16


def payload_by_process() -> dict[str, int]:
    """Differs in every process: the consumer must find each message 'corrupted'."""
    return {"pid": os.getpid()}


def dies(n: int) -> int:
    """Kills the worker it runs in (not the serial parent): a Pool would wait for ever."""
    if os.getpid() != _PARENT and n == 1:
        os._exit(3)
    return n


_PARENT = os.getpid()  # under fork the workers inherit it; spawn children set their own
