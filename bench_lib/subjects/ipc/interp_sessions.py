"""Subinterpreter channels (3.14+): the main interpreter and one in a thread of this process.

The catalogue (:data:`INTERP_CHANNELS`), a stream session and a ping-pong session shaped like
the process ones (:mod:`bench_lib.subjects.ipc.stream`, :mod:`bench_lib.subjects.ipc.pingpong`),
so the benchmarks time, check and pin them alike: the parent is the consumer, the peer is an
interpreter's thread pinned to the peer CPU, every message carries its sequence number and is
checked after the clock stops. Every wait on the peer has a deadline: a peer thread cannot be
killed, so a stuck one fails the benchmark and is left to end with the process.

``Queue.get()`` on an empty interpreters queue sleeps 10 ms between looks (3.14's
``_queues.Queue.get``, ``_delay``), and so does ``put()`` on a full one: the figures are what a
user of the public API gets, and a ping-pong pays that sleep whenever the echo is not back yet.
The ping-pong floor of ``interp_queue`` is the same queues read without the sleeps
(:data:`SPIN_FLOOR`: ``get_nowait`` until an item is there, yielding between looks), at the
same size and placement, so the ratio says how much of a round trip is the polling. A stream
gets no such floor: a reader spinning on an empty queue takes the CPU its producer needs, so
it bounds no rate. ``interp_memoryview``'s floor is ``memcpy``.
"""

from __future__ import annotations

import multiprocessing.context
import os
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any

from bench_lib.subjects.ipc import channels as ipc_channels
from bench_lib.subjects.ipc import interp_workloads as peer
from bench_lib.subjects.ipc import workloads as ipc_workloads
from bench_lib.subjects.ipc.pingpong import PingPongSession
from bench_lib.subjects.ipc.stream import PRIMED_MESSAGES, Session
from bench_lib.workers import interp, placement

INTERP_CHANNELS = {
    peer.QUEUE: "concurrent.interpreters queue: shareable objects copied, others pickled",
    peer.MEMORYVIEW: "memoryview of one bytearray shared with the interpreter + queue token/ack",
}
PING_PONG = (peer.QUEUE,)  # a memoryview block is a queue round trip plus copies
SPIN_FLOOR = "interp_queue_spin"  # the floor's case: interp_queue read with get_nowait
FLOOR_OF = {peer.QUEUE: SPIN_FLOOR, peer.MEMORYVIEW: ipc_channels.MEMCPY}
REPLY_TIMEOUT_S = 30.0  # the peer answers "done" right after its last message
POLL_S = 0.001  # how often a bounded wait looks at the queue


def _get(queue: Any, what: str, timeout_s: float = REPLY_TIMEOUT_S) -> Any:
    """The next item, or RuntimeError after ``timeout_s``: the peer thread hung or died."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return queue.get_nowait()
        except Exception:  # QueueEmpty
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{what}: the subinterpreter's thread said nothing for {timeout_s:.0f} s"
                ) from None
            time.sleep(POLL_S)


def _thread_cpu(tid: int | None) -> int | None:
    """The CPU a thread of this process last ran on (``/proc/self/task/<tid>/stat``)."""
    if tid is None:
        return None
    try:
        with open(f"/proc/self/task/{tid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[36])
    except (OSError, IndexError, ValueError):
        return None


class _InterpPeer:
    """The peer interpreter and its thread; where it ran; closing it within a deadline."""

    def __init__(self) -> None:
        self.interp: Any = None
        self.thread: Any = None
        self.tid: int | None = None

    def start(self, target: Any, *args: Any) -> None:
        self.interp = interp.create()
        self.thread = self.interp.call_in_thread(target, *args)

    def repin(self, cpus: placement.Cpus | None) -> None:
        """Pin the peer thread again, from here: pinning this process for another session
        (its floor, opened after it) pins every thread of the process, this one included."""
        if cpus is not None and self.tid is not None:
            os.sched_setaffinity(self.tid, {cpus.peer_cpu})

    def finish(self) -> None:
        if self.thread is not None:
            self.thread.join(REPLY_TIMEOUT_S)
        if self.interp is not None and (self.thread is None or not self.thread.is_alive()):
            self.interp.close()
        self.interp = self.thread = None


def _where(cpus: placement.Cpus | None, tid: int | None) -> dict[str, Any]:
    """Where the parent thread and the peer thread ran, beside the pins (as for processes)."""
    return placement.placement_record(
        cpus, _thread_cpu(threading.get_native_id()), [_thread_cpu(tid)]
    )


class InterpStreamSession(Session):
    """A subinterpreter's thread sends ``size`` B messages to the parent over ``channel``."""

    def __init__(
        self,
        ctx: multiprocessing.context.BaseContext,
        channel: str,
        payload: str,
        size: int,
        cpus: placement.Cpus | None = None,
        spin: bool = False,
    ) -> None:
        if channel not in INTERP_CHANNELS:
            raise ValueError(f"unknown channel {channel!r}; choose one of {list(INTERP_CHANNELS)}")
        ipc_channels.check_params("pipe", payload, size)  # the sizes every channel takes
        super().__init__(ctx, cpus)
        self.channel, self.payload, self.size = channel, payload, size
        self.body = ipc_workloads.ipc_body(payload, size)
        self.peer = _InterpPeer()
        self.queues: dict[str, Any] = {}
        self.block: bytearray | None = None
        self.next_seq = 0
        self.pending: tuple[int, int, ipc_channels.MessageCheck] | None = None
        self.arrived: list[Any] = []
        self.checking: ipc_channels.MessageCheck | None = None
        self._recv: Callable[[], Any] = self._queue_recv
        if spin and channel != peer.QUEUE:
            raise ValueError(f"the spinning floor reads an interpreters queue, not {channel!r}")
        self.spin = spin

    def open(self) -> None:
        depth = ipc_channels.queue_depth(self.size) if self.channel == peer.QUEUE else 0
        q = self.queues = {
            "control": interp.create_queue(),
            "replies": interp.create_queue(),
            "data": interp.create_queue(depth),
            "acks": interp.create_queue(),
        }
        cpu = self.cpus.peer_cpu if self.cpus is not None else None
        self.peer.start(
            peer.producer, self.channel, q["control"], q["replies"], q["data"], q["acks"],
            self.payload, self.size, cpu,
        )  # fmt: skip
        self.peer.tid = int(_get(q["replies"], "starting the peer"))
        if self.channel == peer.MEMORYVIEW:
            slot = self.size if self.payload == "bytes" else 2 * self.size + 4096  # a pickle
            self.block = bytearray(slot)
            q["control"].put(memoryview(self.block))
        self._recv = self._queue_recv if self.channel == peer.QUEUE else self._block_recv

    def settle(self) -> None:
        self.peer.repin(self.cpus)  # every session is open now: see _InterpPeer.repin

    def _queue_recv(self) -> Any:
        if self.spin:
            return peer.spin_get(self.queues["data"])
        return self.queues["data"].get()

    def _block_recv(self) -> Any:
        assert self.block is not None
        n = self.queues["data"].get()
        with memoryview(self.block)[:n] as view:
            message = bytes(view) if self.payload == "bytes" else pickle.loads(view)
        self.queues["acks"].put(b"k")
        return message

    def close(self) -> None:
        """Stop the peer, draining what it still sends (a round cut short by a failure leaves
        it blocked on a full queue or waiting for an ack), until it says it stopped."""
        self.verify()
        if self.queues:
            self.queues["control"].put(peer.STOP)
            deadline = time.monotonic() + REPLY_TIMEOUT_S
            while not self._stopped():
                if time.monotonic() > deadline:
                    raise RuntimeError("the subinterpreter's producer did not stop: it hung")
                time.sleep(POLL_S)
        self.peer.finish()

    def _stopped(self) -> bool:
        """Take every message and reply waiting (acking block tokens); True once it stopped."""
        for queue in (self.queues["data"], self.queues["replies"]):
            while True:
                try:
                    item = queue.get_nowait()
                except Exception:  # QueueEmpty: all taken
                    break
                if queue is self.queues["replies"] and item == ("stopped", 0):
                    return True
                if queue is self.queues["data"] and self.channel == peer.MEMORYVIEW:
                    self.queues["acks"].put(b"k")
        return False

    def begin(self, n: int) -> None:
        self.verify()
        first = self.next_seq + n
        check = ipc_channels.MessageCheck(self.payload, self.body, range(self.next_seq, first))
        self.queues["control"].put(("go", self.next_seq, n))
        self.pending = (n - PRIMED_MESSAGES, first, check)
        check.accept(self._recv())

    def rest(self) -> None:
        assert self.pending is not None, "begin a round first"
        left, first, check = self.pending
        recv = self._recv
        self.arrived = [recv() for _ in range(left)]  # checked after the clock stops
        reply = _get(self.queues["replies"], "the end of a round")
        if reply != ("done", left + PRIMED_MESSAGES):
            raise RuntimeError(f"the peer answered {reply!r} instead of done")
        self.next_seq, self.pending, self.checking = first, None, check

    def verify(self) -> None:
        if self.checking is None:
            return
        for message in self.arrived:
            self.checking.accept(message)
        self.problems += self.checking.finish()
        self.arrived, self.checking = [], None

    def where_ran(self) -> dict[str, Any]:
        return _where(self.cpus, self.peer.tid)


class InterpPingPongSession(PingPongSession):
    """Round trips over two interpreters queues: the parent puts, the peer's thread echoes."""

    def __init__(
        self,
        ctx: multiprocessing.context.BaseContext,
        channel: str,
        size: int,
        cpus: placement.Cpus | None = None,
        spin: bool = False,
    ) -> None:
        if channel not in PING_PONG:
            raise ValueError(f"no ping-pong over {channel!r}: choose one of {list(PING_PONG)}")
        super().__init__(ctx, "pipe", size, cpus)  # the process session's state and checks
        self.channel = channel
        self.spin = spin  # both ends wait without the 10 ms sleeps: the floor
        self.peer = _InterpPeer()

    def open(self) -> None:
        there, back = interp.create_queue(), interp.create_queue()
        self.queues = [there, back]
        cpu = self.cpus.peer_cpu if self.cpus is not None else None
        self.peer.start(peer.echo, there, back, cpu, self.spin)
        self.peer.tid = int(_get(back, "starting the echo peer"))
        self.send = there.put
        self.recv = (lambda: peer.spin_get(back)) if self.spin else back.get

    def settle(self) -> None:
        self.peer.repin(self.cpus)  # every session is open now: see _InterpPeer.repin

    def close(self) -> None:
        if self.queues:
            self.queues[0].put(peer.STOP)
            while _get(self.queues[1], "stopping the echo peer") != peer.STOP:
                pass
        self.peer.finish()
        self.queues = []

    def where_ran(self) -> dict[str, Any]:
        return _where(self.cpus, self.peer.tid)
