"""Ping-pong: the parent sends one message, an echo child sends it back; one trip is timed.

Each trip is timed on its own (``perf_counter``) so that the median and the tail (p99) of the
round-trip latency are known, not only the mean a round time gives. The echo must equal what
was sent. The floors are the raw transports, os.write/os.readv into a fixed buffer: two
``os_pipe``s (under ``pipe_simplex`` and the queues) or one ``socketpair`` (under ``Pipe()``
and the Manager). The echo peer has no control pipe; stopping it is bounded like every wait.
"""

from __future__ import annotations

import multiprocessing.context
import time
from collections.abc import Callable
from typing import Any

from bench_lib.stats import descriptive as stats
from bench_lib.subjects.ipc import channels as ipc_channels
from bench_lib.subjects.ipc import workloads as ipc_workloads
from bench_lib.subjects.ipc.peers import STOP_GRACE_S, PeerDied, watched
from bench_lib.subjects.ipc.stream import Session
from bench_lib.workers import placement

P99 = 99.0  # the tail percentile reported beside the median


def _pipe_ends(
    ctx: multiprocessing.context.BaseContext, channel: str
) -> tuple[Any, Any, Any, Any, list[Any]]:
    """(parent sends on, parent receives on, child receives on, child sends on, all ends)."""
    if channel in ("pipe", ipc_channels.RAW_SOCKET):
        mine, theirs = ctx.Pipe()
        return mine, mine, theirs, theirs, [mine, theirs]
    there_r, there_w = ctx.Pipe(duplex=False)
    back_r, back_w = ctx.Pipe(duplex=False)
    return there_w, back_r, there_r, back_w, [there_r, there_w, back_r, back_w]


class PingPongSession(Session):
    """Round trips of ``size`` B bytes messages over ``channel`` (or the raw ``os_pipe``)."""

    def __init__(
        self,
        ctx: multiprocessing.context.BaseContext,
        channel: str,
        size: int,
        cpus: placement.Cpus | None = None,
    ) -> None:
        if channel not in ipc_channels.RAW_TRANSPORTS:
            ipc_channels.check_params(channel, "bytes", size, ping_pong=True)
        else:
            ipc_channels.check_params("pipe_simplex", "bytes", size)
        super().__init__(ctx, cpus)
        self.channel, self.size = channel, size
        self.body = ipc_workloads.ipc_body("bytes", size)
        self.manager: Any = None
        self.ends: list[Any] = []
        self.queues: list[Any] = []
        self.send: Callable[[Any], None] = lambda message: None
        self.recv: Callable[[], Any] = lambda: None
        self.trips_s: list[list[float]] = []  # per round, seconds per trip
        self.raw_fds = (-1, -1)  # raw transports: (parent writes to, parent reads from)
        self.next_seq = 0

    def open(self) -> None:
        channel = self.channel
        if channel in ("pipe", "pipe_simplex", *ipc_channels.RAW_TRANSPORTS):
            send_end, recv_end, there, back, self.ends = _pipe_ends(self.ctx, channel)
            if channel in ipc_channels.RAW_TRANSPORTS:
                self._raw(send_end, recv_end)
                self.peers.start(ipc_workloads.ipc_raw_echo, there, back, self.size, control=False)
                return
        else:
            if channel == "manager_queue":
                self.manager = self.ctx.Manager()
                self.peers.helpers.append(self.manager._process)
            send_end = there = self._queue()
            recv_end = back = self._queue()
            self.queues = [send_end, recv_end]
        self.send = ipc_workloads.ipc_sender(channel, send_end, "bytes")
        self.recv = ipc_workloads.ipc_receiver(channel, recv_end, "bytes")
        self.peers.start(ipc_workloads.ipc_echo, channel, there, back, "bytes", control=False)

    def _queue(self) -> Any:
        """An unbounded queue of this channel's kind: one message is in flight at a time."""
        if self.channel == "manager_queue":
            return self.manager.Queue()
        if self.channel == "simple_queue":
            return self.ctx.SimpleQueue()
        if self.channel == "joinable_queue":
            return self.ctx.JoinableQueue()
        return self.ctx.Queue()

    def _raw(self, send_end: Any, recv_end: Any) -> None:
        out_fd, in_fd = self.raw_fds = send_end.fileno(), recv_end.fileno()
        buf = bytearray(self.size)

        def send(message: Any) -> None:
            ipc_workloads.ipc_write_all(out_fd, message)

        def recv() -> Any:
            return buf if ipc_workloads.ipc_read_exact(in_fd, buf) else b""

        self.send, self.recv = send, recv

    def close(self) -> None:
        try:
            if self.peers.procs:
                with watched(self.peers, "stopping the echo peer", STOP_GRACE_S):
                    self._stop_echo()
        except PeerDied:
            pass  # it is ended below; its peak RSS is not known
        finally:
            self.peers.join_all()
            for end in self.ends:
                end.close()
            for queue in self.queues:
                if hasattr(queue, "cancel_join_thread"):  # the echo may be gone: never wait
                    queue.cancel_join_thread()  # on a feeder blocked on a full pipe
                if hasattr(queue, "close"):
                    queue.close()
            if self.manager is not None:
                self.manager.shutdown()
                self.manager = None

    def _stop_echo(self) -> None:
        """The echo peer has no control pipe: IPC_STOP (for os_pipe a message whose sequence
        number is IPC_RAW_STOP_SEQ) ends it; it answers with its peak RSS."""
        if self.channel in ipc_channels.RAW_TRANSPORTS:
            stop = ipc_workloads.ipc_message("bytes", self.body, ipc_workloads.IPC_RAW_STOP_SEQ)
            out_fd, in_fd = self.raw_fds
            ipc_workloads.ipc_write_all(out_fd, stop)
            reply = bytearray(8)
            if ipc_workloads.ipc_read_exact(in_fd, reply):
                self.peers.peak_rss_b.append(int.from_bytes(reply, "little"))
            return
        self.send(ipc_workloads.IPC_STOP)
        self.peers.peak_rss_b.append(int.from_bytes(self.recv(), "little"))

    def run(self, n: int) -> None:
        send, recv, body = self.send, self.recv, self.body
        trips = [0.0] * n
        bad = 0
        clock = time.perf_counter
        for i in range(n):
            message = ipc_workloads.ipc_message("bytes", body, self.next_seq + i)
            start = clock()
            send(message)
            reply = recv()
            trips[i] = clock() - start
            bad += reply != message
        self.next_seq += n
        self.trips_s.append(trips)
        if bad:
            self.problems.append(f"{bad} of {n} echoes differ from what was sent")

    def round(self) -> None:
        """One measured round: ``self.messages`` trips, each timed on its own."""
        self.run(self.messages)
        self.rounds += 1

    def latency_us(self, skip_rounds: int) -> tuple[float, float, int]:
        """Median and p99 round trip in microseconds over the rounds after ``skip_rounds``."""
        kept = [t for trips in self.trips_s[skip_rounds:] for t in trips]
        if not kept:
            raise ValueError("no measured round trips")
        us = [t * 1e6 for t in kept]
        return stats.percentile(us, 50.0), stats.percentile(us, P99), len(kept)
