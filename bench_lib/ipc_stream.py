"""Streams: producers send N messages per round to the parent, which checks every one.

:class:`StreamSession` covers stream (one producer) and fan-in (several producers on one
queue) for every channel of :mod:`bench_lib.ipc_channels`; :class:`RawPipeStream` and
:class:`MemcpyFloor` are the floors measured beside them. A session is a context manager:
peers start on entry (off the clock) and are stopped on exit, whatever happened.
"""

from __future__ import annotations

import multiprocessing.context
import time
from types import TracebackType
from typing import Any

from bench_lib import ipc_channels, ipc_workloads
from bench_lib.ipc_peers import Peers, calibrate, start_messages

MIN_STREAM_MESSAGES = 4  # a round of fewer would not let producer and consumer overlap


def _split(n: int, parts: int) -> list[int]:
    """``n`` messages over ``parts`` producers, as even as possible (the first get the rest)."""
    if parts < 1 or n < 0:
        raise ValueError(f"cannot split {n} messages over {parts} producers")
    return [n // parts + (k < n % parts) for k in range(parts)]


class Session:
    """What every session shares: peers, the messages per round, the problems seen."""

    def __init__(self, ctx: multiprocessing.context.BaseContext) -> None:
        self.ctx = ctx
        self.peers = Peers(ctx)
        self.messages = MIN_STREAM_MESSAGES  # per round, set by calibrate()
        self.problems: list[str] = []  # what the consumer found wrong, over all rounds
        self.rounds = 0

    def __enter__(self) -> Session:
        try:
            self.open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def open(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.peers.stop()

    def run(self, n: int) -> None:
        raise NotImplementedError

    def round(self) -> None:
        """One measured round: ``self.messages`` messages, checked on arrival."""
        self.run(self.messages)
        self.rounds += 1

    def timed(self, n: int) -> float:
        start = time.perf_counter()
        self.run(n)
        return time.perf_counter() - start

    def calibrate(self, target_s: float, size: int) -> int:
        """Set messages per round from warm-up rounds (their messages are checked, not timed)."""
        self.messages = calibrate(
            self.timed, target_s, start=start_messages(size), minimum=MIN_STREAM_MESSAGES
        )
        return self.messages


class StreamSession(Session):
    """``producers`` children send to the parent over ``channel``; the parent checks all."""

    def __init__(
        self,
        ctx: multiprocessing.context.BaseContext,
        channel: str,
        payload: str,
        size: int,
        producers: int = 1,
        fault: str | None = None,
    ) -> None:
        ipc_channels.check_params(channel, payload, size, producers)
        if fault is not None and fault not in ipc_workloads.IPC_FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose one of {ipc_workloads.IPC_FAULTS}")
        super().__init__(ctx)
        self.channel, self.payload, self.size = channel, payload, size
        self.producers, self.fault = producers, fault
        self.body = ipc_workloads.ipc_body(payload, size)
        self.manager: Any = None
        self.opened: ipc_channels.Opened | None = None
        self.next_seq = 0

    def open(self) -> None:
        if self.channel == "manager_queue":
            self.manager = self.ctx.Manager()
        self.opened = ipc_channels.open_channel(
            self.ctx, self.channel, self.payload, self.size, self.manager
        )
        for _ in range(self.producers):
            self.peers.start(
                ipc_workloads.ipc_producer,
                self.channel,
                self.opened.child_end,
                self.payload,
                self.size,
            )

    def close(self) -> None:
        self.peers.stop()
        if self.opened is not None:
            self.opened.close()
        if self.manager is not None:
            self.manager.shutdown()
            self.manager = None

    def run(self, n: int) -> None:
        assert self.opened is not None, "open the session first"
        first, commands = self.next_seq, []
        for share in _split(n, self.producers):
            commands.append(("go", first, share, self.fault))
            first += share
        check = ipc_channels.MessageCheck(self.payload, self.body, range(self.next_seq, first))
        self.peers.go(commands)
        recv = self.opened.recv
        for _ in range(n):
            check.accept(recv())
        self.peers.done()
        self.next_seq = first
        self.problems += check.finish()


class RawPipeStream(Session):
    """The floor: one child writes ``size`` B buffers with os.write, the parent os.readv's them
    into one preallocated buffer and compares it with the pattern (memcmp)."""

    def __init__(self, ctx: multiprocessing.context.BaseContext, size: int) -> None:
        ipc_channels.check_params("pipe_simplex", "bytes", size)
        super().__init__(ctx)
        self.size = size
        self.expected = ipc_workloads.ipc_body("bytes", size + ipc_workloads.IPC_HEADER_BYTES)
        self.buf = bytearray(size)
        self.fd = -1
        self.ends: list[Any] = []

    def open(self) -> None:
        reader, writer = self.ctx.Pipe(duplex=False)
        self.ends = [reader, writer]
        self.fd = reader.fileno()
        self.peers.start(ipc_workloads.ipc_raw_writer, writer, self.size)

    def close(self) -> None:
        self.peers.stop()
        for end in self.ends:
            end.close()

    def run(self, n: int) -> None:
        self.peers.go([("go", n)])
        bad = 0
        for _ in range(n):
            if not ipc_workloads.ipc_read_exact(self.fd, self.buf):
                self.problems.append("the raw pipe closed early")
                break
            bad += self.buf != self.expected
        self.peers.done()
        if bad:
            self.problems.append(f"{bad} of {n} buffers arrived corrupted")


class MemcpyFloor(Session):
    """The in-process floor: copy ``size`` B into a preallocated bytearray (memmove)."""

    def __init__(self, ctx: multiprocessing.context.BaseContext, size: int) -> None:
        ipc_channels.check_params("pipe_simplex", "bytes", size)
        super().__init__(ctx)
        self.src = ipc_workloads.ipc_body("bytes", size + ipc_workloads.IPC_HEADER_BYTES)
        self.dst = bytearray(size)

    def open(self) -> None:
        pass

    def run(self, n: int) -> None:
        src, dst = self.src, self.dst
        for _ in range(n):
            dst[:] = src
        if dst != src:
            self.problems.append("the copy differs from its source")
