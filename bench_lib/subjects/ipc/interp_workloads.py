"""What a subinterpreter's thread runs for the IPC subject: a producer and an echo peer.

They talk to the main interpreter over ``concurrent.interpreters`` queues (3.14+), with the
same messages as every other channel (:mod:`bench_lib.subjects.ipc.workloads`). Like that
module this one imports only the standard library: the subinterpreter imports it by name.

A queue item is shared as itself when it is shareable (bytes, str, int, float, None, tuples of
them: copied into the other interpreter), pickled otherwise (the objects payload: a list).
``interp_memoryview`` moves each message through one block shared by both interpreters: the
parent's bytearray, handed over as a memoryview (its buffer is shared, not copied), with the
length as the token on a queue and an ack back, as ``shared_memory`` does between processes.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from bench_lib.subjects.ipc import workloads as ipc_workloads

STOP = "stop"  # ends a producer (on its control queue) or an echo peer (as a message)
QUEUE = "interp_queue"
MEMORYVIEW = "interp_memoryview"


def _pin(cpu: int | None) -> None:
    """Pin the calling thread: Linux affinity is per thread, this one is the peer."""
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, [cpu])


def _sender(channel: str, data: Any, acks: Any, block: Any, payload: str) -> Any:
    """How a producer sends one message on ``channel``."""
    if channel == QUEUE:
        return data.put

    def through_block(message: Any) -> None:
        if payload != "bytes":
            import pickle

            message = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        block[: len(message)] = message
        data.put(len(message))
        acks.get()  # the consumer copied it out: the block may be reused

    return through_block


def producer(
    channel: str, control: Any, replies: Any, data: Any, acks: Any, payload: str, size: int,
    cpu: int | None,
) -> None:  # fmt: skip
    """Per ``("go", first_seq, n)`` on ``control``: send n messages, then ``("done", n)`` on
    ``replies``; STOP ends it. It first says its thread id; a memoryview producer then takes
    its block (a memoryview) from ``control``."""
    _pin(cpu)
    replies.put(threading.get_native_id())
    block = control.get() if channel == MEMORYVIEW else None
    body = ipc_workloads.ipc_body(payload, size)
    send = _sender(channel, data, acks, block, payload)
    while True:
        command = control.get()
        if command == STOP:
            break
        _, first, n = command
        for seq in range(first, first + n):
            send(ipc_workloads.ipc_message(payload, body, seq))
        replies.put(("done", n))
    if block is not None:
        block.release()
    replies.put(("stopped", 0))


def spin_get(queue: Any) -> Any:
    """The next item without ``get()``'s 10 ms sleeps: ``get_nowait`` until one is there,
    yielding the CPU between looks (a peer on the same core must get to run)."""
    while True:
        try:
            return queue.get_nowait()
        except Exception:  # QueueEmpty
            os.sched_yield()


def echo(there: Any, back: Any, cpu: int | None, spin: bool = False) -> None:
    """Ping-pong peer: says its thread id, then puts every message straight back, until STOP.
    With ``spin``, it waits with :func:`spin_get` (the floor: the queue without the sleeps)."""
    _pin(cpu)
    back.put(threading.get_native_id())
    get = (lambda: spin_get(there)) if spin else there.get
    while True:
        message = get()
        if message == STOP:
            break
        back.put(message)
    back.put(STOP)
