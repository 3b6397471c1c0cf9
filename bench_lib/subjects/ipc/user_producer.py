"""Child side of the user's payload (``--mpbench-payload module:factory``). Stdlib only.

The producer builds the payload itself, once, by calling the factory (the parent builds its
own to check against), and sends it as the built-in payloads go: ``(seq, object)`` through a
Queue, a Pipe or a Manager (pickled by multiprocessing, as the user's code would be), or, where
it is bytes-like, as an 8-byte sequence number + its bytes into shared memory (no pickling).
"""

from __future__ import annotations

import importlib
from typing import Any

from bench_lib.subjects.ipc import workloads as ipc_workloads


def build(importable: str) -> Any:
    """The payload: ``module:factory()``, the factory found by its module and name."""
    module, _, name = importable.partition(":")
    factory = importlib.import_module(module)
    for part in name.split("."):
        factory = getattr(factory, part)
    return factory()  # type: ignore[operator]


def body_of(wire: str, payload: Any) -> Any:
    """What every message carries after its sequence number: the bytes, or the object."""
    return bytes(memoryview(payload)) if wire == "bytes" else payload


def user_producer(channel: str, end: Any, wire: str, importable: str, control: Any) -> None:
    """Per ("go", first_seq, n, fault) send n messages of the payload, then "done"; on
    ("stop",) answer with the peak RSS. A fault is a test hook of the built-in producer only."""
    ipc_workloads.peak_rss_reset()
    body = body_of(wire, build(importable))
    if channel == "shared_memory":
        send = ipc_workloads._shm_sender(end, wire)
    else:
        send = ipc_workloads.ipc_sender(channel, end, wire)
    while (command := control.recv())[0] != "stop":
        _, first, n, _fault = command
        for seq in range(first, first + n):
            send(ipc_workloads.ipc_message(wire, body, seq))
        control.send(("done", n))
    if channel == "shared_memory":
        end[0].close()
    control.send(("rss", ipc_workloads.peak_rss_bytes()))
