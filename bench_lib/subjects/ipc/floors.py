"""Stream floors: the raw transport under a channel, and a copy inside one process.

:class:`RawStream` moves fixed buffers over an ``os_pipe`` or a ``socketpair`` with
os.write/os.readv (no framing, no pickling); :class:`MemcpyFloor` copies them in this
process. Both are sessions of :mod:`bench_lib.ipc_stream`: placed, primed and timed like
the channels they bound.
"""

from __future__ import annotations

import multiprocessing.context
from typing import Any

from bench_lib.subjects.ipc import channels as ipc_channels
from bench_lib.subjects.ipc import workloads as ipc_workloads
from bench_lib.subjects.ipc.stream import PRIMED_MESSAGES, Session
from bench_lib.workers import placement


class RawStream(Session):
    """The floor of a channel: one child writes ``size`` B buffers with os.write on the raw
    transport underneath it (``os_pipe`` or ``socketpair``), the parent os.readv's them into
    one preallocated buffer and compares it with the pattern (memcmp)."""

    def __init__(
        self,
        ctx: multiprocessing.context.BaseContext,
        size: int,
        transport: str = ipc_channels.RAW_PIPE,
        cpus: placement.Cpus | None = None,
    ) -> None:
        ipc_channels.check_params("pipe_simplex", "bytes", size)
        if transport not in ipc_channels.RAW_TRANSPORTS:
            raise ValueError(f"unknown raw transport {transport!r}")
        super().__init__(ctx, cpus)
        self.size, self.transport = size, transport
        self.expected = ipc_workloads.ipc_body("bytes", size + ipc_workloads.IPC_HEADER_BYTES)
        self.buf = bytearray(size)
        self.fd = -1
        self.ends: list[Any] = []
        self.left = 0

    def open(self) -> None:
        reader, writer = ipc_channels.raw_ends(self.ctx, self.transport)
        self.ends = [reader, writer]
        self.fd = reader.fileno()
        self.peers.start(ipc_workloads.ipc_raw_writer, writer, self.size)

    def close(self) -> None:
        self.peers.stop()
        for end in self.ends:
            end.close()

    def _take(self, n: int) -> None:
        bad = 0
        for _ in range(n):
            if not ipc_workloads.ipc_read_exact(self.fd, self.buf):
                self.problems.append(f"the raw {self.transport} closed early")
                break
            bad += self.buf != self.expected
        if bad:
            self.problems.append(f"{bad} of {n} buffers arrived corrupted")

    def begin(self, n: int) -> None:
        self.peers.go([("go", n)])
        self.left = n - PRIMED_MESSAGES
        self._take(PRIMED_MESSAGES)

    def rest(self) -> None:
        self._take(self.left)
        self.peers.done()


class MemcpyFloor(Session):
    """The in-process floor: copy ``size`` B into a preallocated bytearray (memmove). The copy
    is compared with its source once, when the session closes: a floor does no more than copy."""

    def __init__(self, ctx: multiprocessing.context.BaseContext, size: int) -> None:
        ipc_channels.check_params("pipe_simplex", "bytes", size)
        super().__init__(ctx)
        self.src = ipc_workloads.ipc_body("bytes", size + ipc_workloads.IPC_HEADER_BYTES)
        self.dst = bytearray(size)
        self.left = 0

    def open(self) -> None:
        pass

    def close(self) -> None:
        if self.dst != self.src:
            self.problems.append("the copy differs from its source")

    def _copy(self, n: int) -> None:
        src, dst = self.src, self.dst
        for _ in range(n):
            dst[:] = src

    def begin(self, n: int) -> None:
        self.left = n - PRIMED_MESSAGES
        self._copy(PRIMED_MESSAGES)

    def rest(self) -> None:
        self._copy(self.left)
